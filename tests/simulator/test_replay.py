"""Replaying recorded EventBridge events onto the local bus."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from emulator.simulator import SimulationError, load_recording, replay


def _recording(channel_arn, names_and_offsets, start=datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)):
    """A recording as a Lambda would have logged IVS's events for one stream."""
    stream_id = "st-" + uuid.uuid4().hex[:23]
    return [
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "IVS Stream State Change",
            "source": "aws.ivs",
            "account": "999999999999",
            "time": (start + timedelta(seconds=offset)).isoformat().replace("+00:00", "Z"),
            "region": "eu-west-1",
            "resources": [channel_arn],
            "detail": {"event_name": name, "channel_name": "recorded", "stream_id": stream_id},
        }
        for name, offset in names_and_offsets
    ]


def _arn():
    return f"arn:aws:ivs:us-east-1:123456789012:channel/{uuid.uuid4().hex[:12]}"


def _seconds(event):
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00"))


def test_a_fast_replay_delivers_a_recording_in_file_order_moved_to_now(local_aws, delivered):
    # GIVEN a recording of twelve events (more than one PutEvents call holds), one delivered late
    arn = _arn()
    names = [("Session Created", 0), ("Stream End", 90), ("Stream Start", 2)] + [
        ("Stream Start", 3 + i) for i in range(9)
    ]
    recording = _recording(arn, names)

    # WHEN it is replayed as fast as possible
    count = replay(local_aws.endpoint, recording, fast=True)

    # THEN every event arrives in file order, re-identified by this bus, with its spacing kept from now
    events = delivered(arn)
    assert count == 12
    assert [e["detail"] for e in events] == [e["detail"] for e in recording]
    assert {e["id"] for e in events}.isdisjoint({e["id"] for e in recording})
    assert all((e["account"], e["region"]) == ("123456789012", "us-east-1") for e in events)
    first = _seconds(events[0])
    assert abs((datetime.now(UTC) - first).total_seconds()) < 30
    assert [(_seconds(e) - first).total_seconds() for e in events[:3]] == [0, 90, 2]


def test_a_replay_can_keep_the_recorded_times(local_aws, delivered):
    # GIVEN a recording from the past
    arn = _arn()
    recording = _recording(arn, [("Session Created", 0), ("Session Ended", 30)])

    # WHEN it is replayed keeping its times
    replay(local_aws.endpoint, recording, fast=True, keep_times=True)

    # THEN the events carry the recorded times
    assert [e["time"] for e in delivered(arn)] == ["2024-05-01T12:00:00Z", "2024-05-01T12:00:30Z"]


def test_a_timed_replay_keeps_the_recorded_spacing(local_aws, delivered):
    # GIVEN two events recorded a second apart
    arn = _arn()
    recording = _recording(arn, [("Session Created", 0), ("Stream Start", 1)])

    # WHEN they are replayed in real time
    started = time.monotonic()
    replay(local_aws.endpoint, recording)

    # THEN the replay took the recorded second
    assert time.monotonic() - started >= 0.95
    assert [e["detail"]["event_name"] for e in delivered(arn)] == ["Session Created", "Stream Start"]


def test_recordings_are_checked_before_anything_is_sent(tmp_path):
    cases = {
        "not-a-list.json": ({"source": "aws.ivs"}, "expected a JSON list"),
        "no-type.json": ([{"source": "aws.ivs", "detail": {}}], "event 0: 'detail-type'"),
        "bad-time.json": (
            [{"source": "aws.ivs", "detail-type": "IVS Limit Breach", "time": "yesterday"}],
            "event 0: 'time'",
        ),
        "bad-detail.json": ([{"source": "a", "detail-type": "b", "detail": "text"}], "'detail' must be an object"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_text(json.dumps(content), encoding="utf-8")
        with pytest.raises(SimulationError, match=message):
            load_recording(path)
    with pytest.raises(SimulationError, match="cannot read"):
        load_recording(tmp_path / "missing.json")
