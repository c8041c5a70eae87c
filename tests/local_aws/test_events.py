"""The local EventBridge bus: PutEvents answers as EventBridge does and runs the functions whose
EVENT_RULES pattern matches, with the event JSON EventBridge gives targets."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

import pytest

from emulator.local_aws.eventbus import matching_functions
from infra.definitions import EVENT_RULES, EventRule

CHANNEL_ARN = "arn:aws:ivs:us-east-1:123456789012:channel/{}"


@pytest.fixture
def events(local_aws_client):
    return local_aws_client("events")


def _ivs_entry(detail_type, detail, *, channel_id, when=None):
    entry = {
        "Source": "aws.ivs",
        "DetailType": detail_type,
        "Detail": json.dumps(detail),
        "Resources": [CHANNEL_ARN.format(channel_id)],
    }
    if when is not None:
        entry["Time"] = when
    return entry


def _for_channel(recorder, channel_id):
    return [e for e in recorder.events("streams") if e["resources"] == [CHANNEL_ARN.format(channel_id)]]


def test_matching_events_reach_the_rule_s_function_as_eventbridge_delivers_them(local_aws, local_functions, events):
    # GIVEN the stream-events function listening on the bus
    recorder = local_functions({"streams": lambda event: None})
    channel_id = uuid.uuid4().hex[:12]
    when = datetime(2024, 9, 9, 16, 17, 26, 500000, tzinfo=UTC)
    detail = {"event_name": "Session Created", "channel_name": "alice", "stream_id": "st-" + "a" * 23}

    # WHEN IVS's event and three others the rule does not match are put
    answer = events.put_events(
        Entries=[
            _ivs_entry("IVS Stream State Change", detail, channel_id=channel_id, when=when),
            _ivs_entry("IVS Stage Update", detail, channel_id=channel_id),
            {**_ivs_entry("IVS Stream State Change", detail, channel_id=channel_id), "Source": "ugc.test"},
            _ivs_entry("AWS API Call via CloudTrail", detail, channel_id=channel_id),
        ]
    )
    assert local_aws.wait_for_events()

    # THEN EventBridge's answer has an id per entry and no failures
    assert answer["FailedEntryCount"] == 0
    ids = [entry["EventId"] for entry in answer["Entries"]]
    assert len(set(ids)) == 4

    # AND only the matching event was delivered, shaped as targets receive it
    delivered = _for_channel(recorder, channel_id)
    assert delivered == [
        {
            "version": "0",
            "id": ids[0],
            "detail-type": "IVS Stream State Change",
            "source": "aws.ivs",
            "account": "123456789012",
            "time": "2024-09-09T16:17:26Z",
            "region": "us-east-1",
            "resources": [CHANNEL_ARN.format(channel_id)],
            "detail": detail,
        }
    ]


def test_every_ivs_detail_type_of_the_rule_is_delivered_in_order(local_aws, local_functions, events):
    # GIVEN the stream-events function listening
    recorder = local_functions({"streams": lambda event: None})
    channel_id = uuid.uuid4().hex[:12]

    # WHEN a health change and a limit breach (no event_name, a limit_name) are put, one call each
    health = {"event_name": "Starvation Start", "channel_name": "alice", "stream_id": "st-" + "b" * 23}
    breach = {
        "limit_name": "Ingest Bitrate",
        "limit_value": 3500000,
        "exceeded_by": 400000,
        "limit_unit": "bits per second",
    }
    events.put_events(Entries=[_ivs_entry("IVS Stream Health Change", health, channel_id=channel_id)])
    events.put_events(Entries=[_ivs_entry("IVS Limit Breach", breach, channel_id=channel_id)])
    assert local_aws.wait_for_events()

    # THEN both arrive, in the order they were put, without a given Time stamped with now
    delivered = _for_channel(recorder, channel_id)
    assert [e["detail-type"] for e in delivered] == ["IVS Stream Health Change", "IVS Limit Breach"]
    assert delivered[1]["detail"] == breach
    stamped = datetime.fromisoformat(delivered[0]["time"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - stamped).total_seconds()) < 60


def test_invalid_entries_fail_alone_and_are_not_delivered(local_aws, local_functions, events):
    # GIVEN the stream-events function listening
    recorder = local_functions({"streams": lambda event: None})
    channel_id = uuid.uuid4().hex[:12]
    good = _ivs_entry("IVS Stream State Change", {"event_name": "Stream Start"}, channel_id=channel_id)

    # WHEN an entry without a Detail is put between two good ones
    answer = events.put_events(
        Entries=[good, {"Source": "aws.ivs", "DetailType": "IVS Stream State Change"}, {**good, "Detail": "{}"}]
    )
    assert local_aws.wait_for_events()

    # THEN that entry alone fails, and the good ones are delivered
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][1]["ErrorCode"] == "InvalidArgument"
    assert len(_for_channel(recorder, channel_id)) == 2


def test_a_failing_function_is_logged_with_the_event(local_aws, local_functions, events, caplog):
    # GIVEN a stream-events function that fails
    def broken(event):
        raise RuntimeError("table unavailable")

    local_functions({"streams": broken})
    channel_id = uuid.uuid4().hex[:12]

    # WHEN an event for it is put
    with caplog.at_level(logging.WARNING, logger="emulator.local_aws.functions"):
        answer = events.put_events(
            Entries=[_ivs_entry("IVS Stream State Change", {"event_name": "Stream End"}, channel_id=channel_id)]
        )
        assert local_aws.wait_for_events()

    # THEN PutEvents still succeeded (delivery is asynchronous) and the failure is logged with the event
    assert answer["FailedEntryCount"] == 0
    failures = [r for r in caplog.records if getattr(r, "function", None) == "streams"]
    assert failures
    assert failures[-1].error_type == "RuntimeError"
    assert failures[-1].event["id"] == answer["Entries"][0]["EventId"]


def test_without_functions_events_are_accepted_but_go_nowhere(local_aws, events):
    # GIVEN the local AWS without a function invoker (plain moto)
    local_aws.set_functions(None)

    # WHEN an event the rule matches is put
    answer = events.put_events(
        Entries=[_ivs_entry("IVS Stream State Change", {"event_name": "Stream End"}, channel_id="nofunctions1")]
    )

    # THEN EventBridge's answer is unchanged
    assert answer["FailedEntryCount"] == 0
    assert local_aws.wait_for_events()


def test_the_project_rule_matches_ivs_stream_events_only():
    # GIVEN the deployed rules
    def event(source, detail_type):
        return {"source": source, "detail-type": detail_type, "detail": {}, "resources": []}

    # WHEN events are matched against them
    # THEN the IVS stream and recording detail-types go to the streams function, nothing else does
    for detail_type in (
        "IVS Stream State Change",
        "IVS Stream Health Change",
        "IVS Limit Breach",
        "IVS Recording State Change",
    ):
        assert matching_functions(event("aws.ivs", detail_type), EVENT_RULES) == ["streams"]
    assert matching_functions(event("aws.ivs", "IVS Stage Update"), EVENT_RULES) == []
    assert matching_functions(event("aws.s3", "IVS Limit Breach"), EVENT_RULES) == []


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        # exact values on top-level and detail keys, both required
        (
            {"source": ["aws.ivs"], "detail": {"event_name": ["Stream Start", "Stream End"]}},
            {"source": "aws.ivs", "detail": {"event_name": "Stream End"}},
            {"source": "aws.ivs", "detail": {"event_name": "Session Created"}},
        ),
        # an array in the event matches when any element does
        (
            {"resources": ["arn:aws:ivs:us-east-1:1:channel/a"]},
            {"resources": ["arn:aws:ivs:us-east-1:1:channel/b", "arn:aws:ivs:us-east-1:1:channel/a"]},
            {"resources": []},
        ),
        ({"detail": {"stream_id": [{"prefix": "st-"}]}}, {"detail": {"stream_id": "st-1"}}, {"detail": {}}),
        (
            {"detail-type": [{"anything-but": ["AWS API Call via CloudTrail"]}]},
            {"detail-type": "IVS Limit Breach"},
            {"detail-type": "AWS API Call via CloudTrail"},
        ),
        (
            {"detail": {"limit_name": [{"exists": True}]}},
            {"detail": {"limit_name": "x"}},
            {"detail": {"event_name": "x"}},
        ),
        (
            {"detail": {"exceeded_by": [{"numeric": [">", 0]}]}},
            {"detail": {"exceeded_by": 3}},
            {"detail": {"exceeded_by": 0}},
        ),
    ],
)
def test_eventbridge_pattern_matching(pattern, matches, misses):
    rules = {"rule": EventRule(function="target", pattern=pattern)}
    assert matching_functions(matches, rules) == ["target"]
    assert matching_functions(misses, rules) == []
