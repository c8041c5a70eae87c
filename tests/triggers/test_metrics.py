"""Metrics: resolution follows the session's age; ended sessions get snapshots, recomputed when the
resolution steps down; the scheduled job reads only the sessions that are due."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core import table as t
from core.app import Core
from core.aws import Clients
from core.metrics import next_step, period_for, window
from core.models import from_attributes, to_attributes
from core.timefmt import iso
from emulator.appsync.invoke import LambdaContext
from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.clients import client
from emulator.local_aws.server import LocalAwsServer
from emulator.stack import local_settings
from tests.stacks import function_environment

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "age, period",
    [
        (timedelta(hours=2), 5),
        (timedelta(hours=3, seconds=1), 60),
        (timedelta(days=15, seconds=1), 300),
        (timedelta(days=63, seconds=1), 3600),
    ],
)
def test_resolution_follows_the_age_cloudwatch_keeps(age: timedelta, period: int) -> None:
    assert period_for(NOW - age, NOW) == period


def test_the_next_step_is_when_the_resolution_coarsens() -> None:
    started = NOW - timedelta(hours=1)
    assert next_step(started, NOW) == started + timedelta(hours=3)
    assert next_step(NOW - timedelta(days=70), NOW) is None


def test_live_windows_cover_at_most_three_hours_at_five_seconds() -> None:
    span = window(iso(NOW - timedelta(hours=5)), None, NOW)
    assert (span.period, span.end - span.start) == (5, timedelta(hours=3))
    ended = window(iso(NOW - timedelta(days=20)), iso(NOW - timedelta(days=20) + timedelta(hours=1)), NOW)
    assert ended.period == 300
    assert ended.start.timestamp() % 300 == 0 and ended.end.timestamp() % 300 == 0


@pytest.fixture(scope="module")
def resources(local_aws: LocalAwsServer) -> LocalResources:
    return bootstrap(local_aws.endpoint, name_prefix=f"metrics-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def metrics_job(resources: LocalResources) -> Iterator[Any]:
    import triggers.metrics
    import triggers.runtime

    with function_environment(resources, "metrics", composition_root=triggers.runtime):
        yield lambda: triggers.metrics.handler(
            copy.deepcopy({"detail-type": "Scheduled Event"}), LambdaContext("m", "r")
        )


def test_an_ended_session_gets_a_snapshot_and_is_due_again_when_its_resolution_steps(
    resources: LocalResources, metrics_job: Any
) -> None:
    # GIVEN a session that ended a minute ago, with bitrate points in CloudWatch
    core = Core(
        local_settings(resources),
        Clients(resources.region, endpoint_url=resources.endpoint, credentials=LOCAL_CREDENTIALS),
    )
    now = datetime.now(UTC)
    started, ended = now - timedelta(minutes=3), now - timedelta(minutes=1)
    channel_id, session = f"ch{uuid.uuid4().hex[:8]}", f"st-{uuid.uuid4().hex[:10]}"
    cloudwatch = client(resources.endpoint, "cloudwatch")
    cloudwatch.put_metric_data(
        Namespace="AWS/IVS",
        MetricData=[
            {
                "MetricName": "IngestVideoBitrate",
                "Dimensions": [{"Name": "Channel", "Value": channel_id}],
                "Timestamp": started + timedelta(seconds=30 + 5 * i),
                "Value": 3_500_000.0 + i,
                "StorageResolution": 1,
            }
            for i in range(6)
        ],
    )
    item = {
        "PK": t.session_pk(session), "SK": t.SESSION_SK, "sessionId": session, "channelId": channel_id,
        "ownerSub": "o", "startedAt": iso(started), "endedAt": iso(ended), "eventCount": 6,
        "snapshotDueKey": t.SNAPSHOT_DUE_PARTITION, "snapshotDueAt": iso(ended),
    }  # fmt: skip
    core.table.client.put_item(TableName=core.table.name, Item=to_attributes(item))
    # WHEN the scheduled job runs
    result = metrics_job()
    # THEN the session holds its metrics at 5 s, and is next due when 3 hours old
    assert result["snapshots"] >= 1
    stored = from_attributes(core.table.get(t.session_pk(session), t.SESSION_SK, consistent=True) or {})
    bitrate = next(s for s in stored["metricSeries"] if s["name"] == "INGEST_VIDEO_BITRATE")
    assert bitrate["period"] == 5
    assert len(bitrate["points"]) == 6
    assert stored["metricsKey"].startswith("P5-")
    assert stored["snapshotDueAt"] == iso(started + timedelta(hours=3))
    # AND a second run does not recompute it (not due)
    assert session not in core.sessions.due_snapshots(iso(datetime.now(UTC)))
