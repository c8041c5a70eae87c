"""Lambda's SQS event source mappings on the local AWS: made with Lambda's API, they run the function on
the queue's messages as Lambda does (its event shape, deletion on success, only the reported failures
kept, the redrive policy to the dead-letter queue, at most MaximumConcurrency at once)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def sqs(local_aws_client: Any) -> Any:
    return local_aws_client("sqs")


@pytest.fixture
def lambda_(local_aws_client: Any) -> Any:
    return local_aws_client("lambda")


def make_queue(sqs: Any, *, visibility: int = 30, max_receives: int | None = None) -> tuple[str, str]:
    attributes = {"VisibilityTimeout": str(visibility)}
    if max_receives is not None:
        dead = sqs.create_queue(QueueName=f"dead-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": max_receives})
    url = sqs.create_queue(QueueName=f"work-{uuid.uuid4().hex[:8]}", Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def count(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def wait_until(check: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_mapping_is_created_listed_read_and_deleted_as_lambda_does(sqs: Any, lambda_: Any) -> None:
    _, arn = make_queue(sqs)
    made = lambda_.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName="following",
        BatchSize=5,
        ScalingConfig={"MaximumConcurrency": 3},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (made["EventSourceArn"], made["BatchSize"], made["State"]) == (arn, 5, "Creating")
    assert made["FunctionArn"].endswith(":function:following")
    listed = lambda_.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [made["UUID"]]
    got = lambda_.get_event_source_mapping(UUID=made["UUID"])
    assert (got["State"], got["ScalingConfig"], got["FunctionResponseTypes"]) == (
        "Enabled",
        {"MaximumConcurrency": 3},
        ["ReportBatchItemFailures"],
    )
    # WHEN the same queue is mapped to the same function again THEN Lambda's conflict
    with pytest.raises(ClientError) as again:
        lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName="following")
    assert again.value.response["Error"]["Code"] == "ResourceConflictException"
    lambda_.delete_event_source_mapping(UUID=made["UUID"])
    assert lambda_.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []
    with pytest.raises(ClientError) as gone:
        lambda_.get_event_source_mapping(UUID=made["UUID"])
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"BatchSize": 11}, "batch size"),
        ({"EventSourceArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s"}, "Only SQS"),
    ],
)
def test_a_mapping_lambda_would_refuse_is_refused(sqs: Any, lambda_: Any, arguments: dict, message: str) -> None:
    _, arn = make_queue(sqs)
    with pytest.raises(ClientError, match=message) as refused:
        lambda_.create_event_source_mapping(**{"EventSourceArn": arn, "FunctionName": "following", **arguments})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_messages_reach_the_function_as_lambda_delivers_them_and_leave_the_queue(
    local_aws: Any, local_functions: Any, sqs: Any, lambda_: Any
) -> None:
    url, arn = make_queue(sqs)
    lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName="following", BatchSize=1)
    recorder = local_functions({"following": lambda event: None})
    # WHEN three messages are sent (one with an attribute)
    sqs.send_message(
        QueueUrl=url, MessageBody="one", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}}
    )
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "two"}, {"Id": "b", "MessageBody": "three"}]
    )
    assert local_aws.wait_for_events(10)
    # THEN the function got each in an SQS event, and the queue is empty
    records = [r for event in recorder.events("following") for r in event["Records"] if r["eventSourceARN"] == arn]
    assert sorted(r["body"] for r in records) == ["one", "three", "two"]
    first = next(r for r in records if r["body"] == "one")
    assert (first["eventSource"], first["awsRegion"]) == ("aws:sqs", "us-east-1")
    assert first["messageAttributes"]["k"]["stringValue"] == "v"
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"messageId", "receiptHandle", "md5OfBody"} <= set(first)
    assert count(sqs, url) == 0


def test_only_reported_failures_stay_and_go_to_the_dead_letter_queue_after_their_receives(
    local_aws: Any, local_functions: Any, sqs: Any, lambda_: Any
) -> None:
    url, arn = make_queue(sqs, visibility=1, max_receives=2)
    lambda_.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="following", BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"]
    )

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

    recorder = local_functions({"following": handler})
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "good"}, {"Id": "b", "MessageBody": "bad"}]
    )
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    dead_url = sqs.get_queue_url(QueueName=redrive["deadLetterTargetArn"].rsplit(":", 1)[-1])["QueueUrl"]
    # THEN the good message is gone at once, the bad one is tried again after the visibility timeout, and
    # after its second receive it is in the dead-letter queue
    wait_until(lambda: count(sqs, dead_url) == 1)
    assert count(sqs, url) == 0
    bodies = [
        r["body"] for event in recorder.events("following") for r in event["Records"] if r["eventSourceARN"] == arn
    ]
    assert bodies.count("good") == 1 and bodies.count("bad") == 2


def test_a_function_that_raises_keeps_the_whole_batch(
    local_aws: Any, local_functions: Any, sqs: Any, lambda_: Any
) -> None:
    url, arn = make_queue(sqs, visibility=30)
    lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName="following", BatchSize=10)

    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("down")

    local_functions({"following": broken})
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)])
    assert local_aws.wait_for_events(10)
    assert count(sqs, url) == 3


def test_at_most_maximum_concurrency_invocations_run_at_once(
    local_aws: Any, local_functions: Any, sqs: Any, lambda_: Any
) -> None:
    url, arn = make_queue(sqs)
    lambda_.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="following", BatchSize=1, ScalingConfig={"MaximumConcurrency": 2}
    )
    lock, running, most = threading.Lock(), [0], [0]

    def slow(event: dict[str, Any]) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1

    local_functions({"following": slow})
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(6)])
    assert local_aws.wait_for_events(10)
    assert count(sqs, url) == 0
    assert most[0] == 2
