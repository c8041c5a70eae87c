"""The events IVS sends to EventBridge: their names and shapes, and how to put one on a bus.

Shared by the local IVS (StopStream announces the end of a stream) and the stream simulator (which
plays IVS's part for a broadcast), so both send exactly the events AWS documents:

    {"version": "0", "id": "...", "detail-type": "IVS Stream State Change", "source": "aws.ivs",
     "account": "123456789012", "time": "2024-09-09T16:17:26Z", "region": "us-east-1",
     "resources": ["arn:aws:ivs:us-east-1:123456789012:channel/AbCdef1G2hij"],
     "detail": {"event_name": "Session Created", "channel_name": "alice", "stream_id": "st-..."}}

Limit breaches carry `limit_name`, `limit_value`, `exceeded_by` and `limit_unit` instead of
`event_name`. Importing this module stays cheap (no moto), as the simulator runs in a CLI process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

SOURCE = "aws.ivs"

STATE_CHANGE = "IVS Stream State Change"
HEALTH_CHANGE = "IVS Stream Health Change"
LIMIT_BREACH = "IVS Limit Breach"
RECORDING_CHANGE = "IVS Recording State Change"

SESSION_CREATED = "Session Created"
STREAM_START = "Stream Start"
STREAM_END = "Stream End"
SESSION_ENDED = "Session Ended"
STREAM_FAILURE = "Stream Failure"
STARVATION_START = "Starvation Start"
STARVATION_END = "Starvation End"

INGEST_BITRATE = "Ingest Bitrate"
BITS_PER_SECOND = "bits per second"

# What GetStreamSession's hasErrorEvent counts ("a quota breach or failure"); starvation is a
# health change, not a failure.
FAILURE_EVENTS = frozenset({STREAM_FAILURE, "Recording Start Failure", "Recording End Failure"})


def event_time(moment: datetime) -> str:
    """EventBridge's `time`: ISO 8601 UTC to the second, with a Z."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_event_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def entry(detail_type: str, channel_arn: str, detail: Mapping[str, Any], time: datetime) -> dict[str, Any]:
    """A PutEvents entry for an IVS event about `channel_arn` (boto3's spelling of the fields)."""
    return {
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(dict(detail)),
        "Resources": [channel_arn],
        "Time": time,
    }


def stream_entry(
    detail_type: str, event_name: str, *, channel_arn: str, channel_name: str, stream_id: str, time: datetime
) -> dict[str, Any]:
    """A Stream State Change or Stream Health Change entry."""
    detail = {"event_name": event_name, "channel_name": channel_name, "stream_id": stream_id}
    return entry(detail_type, channel_arn, detail, time)


def limit_breach_entry(
    limit_name: str,
    *,
    limit_value: int,
    exceeded_by: int,
    limit_unit: str,
    channel_arn: str,
    channel_name: str,
    stream_id: str,
    time: datetime,
) -> dict[str, Any]:
    detail = {
        "limit_name": limit_name,
        "limit_value": limit_value,
        "exceeded_by": exceeded_by,
        "limit_unit": limit_unit,
        "channel_name": channel_name,
        "stream_id": stream_id,
    }
    return entry(LIMIT_BREACH, channel_arn, detail, time)
