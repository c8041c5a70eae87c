"""Work queues (`infra.definitions.QUEUES`): each an encrypted, TLS-only SQS queue with a dead-letter
queue, consumed by its function through an event source mapping that reports failures per message;
only the functions with "<name>_queue" access may send to it, and only they know its URL."""

from __future__ import annotations

from typing import Any

from infra.definitions import FUNCTIONS, QUEUES
from tests.infra.infra_synth import Synth


def _statements(synth: Synth) -> list[tuple[str, dict[str, Any]]]:
    """(role logical id, statement) for every statement of every role policy."""
    return [
        (role["Ref"], statement)
        for policy in synth.properties("AWS::IAM::Policy").values()
        for role in policy["Roles"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def test_each_queue_has_a_dead_letter_queue_and_is_encrypted_and_tls_only(dev: Synth) -> None:
    queues = dev.properties("AWS::SQS::Queue")
    work = {qid: q for qid, q in queues.items() if "RedrivePolicy" in q}
    # THEN one work queue per definition, each with its own dead-letter queue
    assert len(work) == len(QUEUES) and len(queues) == 2 * len(QUEUES)
    for definition in QUEUES.values():
        (queue,) = [q for q in work.values() if q["VisibilityTimeout"] == definition.visibility_timeout_seconds]
        assert queue["RedrivePolicy"]["maxReceiveCount"] == definition.max_receive_count
        assert queue["MessageRetentionPeriod"] == definition.retention_days * 86400
    # AND every queue is encrypted and refuses requests without TLS
    assert all(q["SqsManagedSseEnabled"] is True for q in queues.values())
    policies = [p["PolicyDocument"]["Statement"] for p in dev.properties("AWS::SQS::QueuePolicy").values()]
    denied = {
        queue["Ref"]
        for statements, policy in zip(policies, dev.properties("AWS::SQS::QueuePolicy").values(), strict=True)
        for statement in statements
        if statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for queue in policy["Queues"]
    }
    assert denied == set(queues)


def test_each_queue_runs_its_function_with_bounded_concurrency_and_per_message_failures(dev: Synth) -> None:
    mappings = list(dev.properties("AWS::Lambda::EventSourceMapping").values())
    functions = dev.properties("AWS::Lambda::Function")
    assert len(mappings) == len(QUEUES)
    for name, definition in QUEUES.items():
        (mapping,) = [
            m
            for m in mappings
            if functions[m["FunctionName"]["Ref"]]["Handler"] == FUNCTIONS[definition.function].handler
        ]
        assert mapping["BatchSize"] == definition.batch_size
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": definition.max_concurrency}
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert name  # every definition was matched to its mapping


def test_only_functions_with_queue_access_may_send_and_know_the_url(dev: Synth) -> None:
    functions = dev.properties("AWS::Lambda::Function")
    senders = {
        fid
        for fid, f in functions.items()
        for d in FUNCTIONS.values()
        if f["Handler"] == d.handler and "following_queue" in d.access
    }
    assert senders, "some function sends re-ranking jobs"
    # THEN exactly those functions have the queue URL in their environment
    knows = {
        fid for fid, f in functions.items() if f.get("Environment", {}).get("Variables", {}).get("FOLLOWING_QUEUE_URL")
    }
    assert knows == senders
    # AND exactly their roles may send to it
    roles = {fid: f["Role"]["Fn::GetAtt"][0] for fid, f in functions.items()}
    may_send = {role for role, s in _statements(dev) if "sqs:SendMessage" in s["Action"]}
    assert may_send == {roles[fid] for fid in senders}
