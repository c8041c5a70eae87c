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
from core.errors import Forbidden
from core.metrics import next_step, period_for, window
from core.models import AccountItem, from_attributes, to_attributes
from core.timefmt import iso
from emulator.appsync.invoke import LambdaContext
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.clients import client
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import function_environment, http_api, local_core

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


def put_ended_session(core: Core, session: str, channel_id: str, started: datetime, ended: datetime) -> None:
    """A session that ended, straight into the table, due for its metrics snapshot."""
    item = {
        "PK": t.session_pk(session), "SK": t.SESSION_SK, "sessionId": session, "channelId": channel_id,
        "ownerSub": "o", "startedAt": iso(started), "endedAt": iso(ended), "eventCount": 4,
        "snapshotDueKey": t.SNAPSHOT_DUE_PARTITION, "snapshotDueAt": iso(ended),
    }  # fmt: skip
    core.table.client.put_item(TableName=core.table.name, Item=to_attributes(item))


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
    core = local_core(resources)
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
    put_ended_session(core, session, channel_id, started, ended)
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


# --- the live push: only where someone watches, 125 channels per GetMetricData -----------------------


@pytest.fixture(scope="module")
def api_url(resources: LocalResources) -> Iterator[str]:
    """The local AppSync over HTTP: the job publishes its points to it with IAM, as to AppSync."""
    with http_api(resources) as api:
        yield api.stack.graphql_url


@pytest.fixture
def job(resources: LocalResources, api_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import triggers.metrics
    import triggers.runtime

    with function_environment(resources, "metrics", composition_root=triggers.runtime):
        monkeypatch.setenv("GRAPHQL_URL", api_url)
        calls = Calls()
        triggers.runtime.core().clients.cloudwatch.meta.events.register("before-call.cloudwatch.GetMetricData", calls)
        yield lambda: (triggers.metrics.handler({"detail-type": "Scheduled Event"}, LambdaContext("m", "r")), calls)


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, **_: Any) -> None:
        self.count += 1


def live_channels(resources: LocalResources, count: int) -> list[AccountItem]:
    """Live channels (account items put straight into the table), each with bitrate points in CloudWatch."""
    core = local_core(resources)
    now = datetime.now(UTC)
    accounts = []
    cloudwatch = client(resources.endpoint, "cloudwatch")
    for _ in range(count):
        sub = str(uuid.uuid4())
        account = AccountItem(
            sub=sub,
            username=f"m{sub[:8]}",
            created_at=iso(now),
            status="READY",
            channel_id=f"ch{sub[:10]}",
            live_since=iso(now - timedelta(minutes=5)),
        )
        item = {**account.to_item(), "liveSessionId": {"S": f"st-{sub[:8]}"}}
        core.table.client.put_item(TableName=core.table.name, Item=item)
        cloudwatch.put_metric_data(
            Namespace="AWS/IVS",
            MetricData=[
                {
                    "MetricName": "IngestVideoBitrate",
                    "Dimensions": [{"Name": "Channel", "Value": account.channel_id}],
                    "Timestamp": now - timedelta(seconds=20),
                    "Value": 3_000_000.0,
                    "StorageResolution": 1,
                }
            ],
        )
        accounts.append(account)
    return accounts


def watch(resources: LocalResources, account: AccountItem, now: float) -> None:
    core = local_core(resources)
    assert account.channel_id is not None
    core.channels.watch(account.sub, account.channel_id, now)


def clear_watches(resources: LocalResources) -> None:
    """Forget every open dashboard of this module's deployment (tests share its table)."""
    dynamodb = client(resources.endpoint, "dynamodb")
    table = f"{resources.table_name}"
    items = dynamodb.query(
        TableName=table, KeyConditionExpression="PK = :w", ExpressionAttributeValues={":w": {"S": t.WATCHED_PARTITION}}
    )["Items"]
    for item in items:
        dynamodb.delete_item(TableName=table, Key={"PK": item["PK"], "SK": item["SK"]})


def plain(series: list[dict[str, Any]]) -> list[tuple[str, int, list[tuple[str, float]]]]:
    return [(s["name"], int(s["period"]), [(p["timestamp"], float(p["value"])) for p in s["points"]]) for s in series]


def test_with_no_dashboard_open_the_job_reads_no_metrics_and_pushes_nothing(
    resources: LocalResources, job: Any
) -> None:
    # GIVEN live channels with points, and nobody watching
    clear_watches(resources)
    live_channels(resources, 20)
    # WHEN the job runs
    result, calls = job()
    # THEN it asked CloudWatch for nothing and pushed nothing
    assert (result["pushed"], calls.count) == (0, 0)


def test_open_dashboards_are_pushed_with_one_call_per_125_channels(resources: LocalResources, job: Any) -> None:
    # GIVEN 140 live channels, 130 of them with their owner's dashboard open
    clear_watches(resources)
    accounts = live_channels(resources, 140)
    now = datetime.now(UTC).timestamp()
    for account in accounts[:130]:
        watch(resources, account, now)
    # WHEN the job runs
    result, calls = job()
    # THEN each watched channel got its points, read in two GetMetricData calls (125 + 5 channels)
    assert (result["pushed"], calls.count) == (130, 2)


def test_a_dashboard_opened_more_than_a_day_ago_is_no_longer_pushed(resources: LocalResources, job: Any) -> None:
    clear_watches(resources)
    (account,) = live_channels(resources, 1)
    watch(resources, account, datetime.now(UTC).timestamp() - 24 * 3600 - 60)
    result, calls = job()
    assert (result["pushed"], calls.count) == (0, 0)


def test_only_the_owner_can_open_a_channel_s_dashboard(resources: LocalResources) -> None:
    owner, stranger = live_channels(resources, 2)
    core = local_core(resources)
    assert owner.channel_id is not None
    with pytest.raises(Forbidden):
        core.channels.watch(stranger.sub, owner.channel_id, datetime.now(UTC).timestamp())
    assert core.table.get(t.WATCHED_PARTITION, f"{t.WATCH_PREFIX}{owner.channel_id}") is None


def test_ended_sessions_are_snapshotted_125_to_a_call_as_they_would_be_one_by_one(
    resources: LocalResources, job: Any
) -> None:
    # GIVEN 130 sessions that ended in the last hour, at different times, each channel with its points
    core = local_core(resources)
    clear_watches(resources)
    for session in core.sessions.due_snapshots(iso(datetime.now(UTC))):
        core.sessions.store_metrics(session, "cleared", [], None)  # other tests' sessions are not due any more
    now = datetime.now(UTC)
    cloudwatch = client(resources.endpoint, "cloudwatch")
    sessions = []
    for i in range(130):
        started = now - timedelta(minutes=50) + timedelta(seconds=10 * i)
        ended = started + timedelta(minutes=5)
        channel_id, session = f"ch{uuid.uuid4().hex[:8]}", f"st-{uuid.uuid4().hex[:10]}"
        cloudwatch.put_metric_data(
            Namespace="AWS/IVS",
            MetricData=[
                {
                    "MetricName": "IngestVideoBitrate",
                    "Dimensions": [{"Name": "Channel", "Value": channel_id}],
                    "Timestamp": moment,
                    "Value": 1000.0 + i,
                    "StorageResolution": 1,
                }
                # one point before the session, three in it, one after: only the three are its own
                for moment in (
                    started - timedelta(seconds=30),
                    *(started + timedelta(seconds=s) for s in (10, 60, 200)),
                    ended + timedelta(seconds=30),
                )
            ],
        )
        put_ended_session(core, session, channel_id, started, ended)
        sessions.append((session, channel_id, started, ended))
    # WHEN the job runs
    result, calls = job()
    # THEN all 130 were snapshotted with two GetMetricData calls
    assert (result["snapshots"], calls.count) == (130, 2)
    # AND each holds exactly what a call for its own window reads
    for session, channel_id, started, ended in sessions[::13]:
        stored = from_attributes(core.table.get(t.session_pk(session), t.SESSION_SK, consistent=True) or {})
        alone = core.metrics().series(channel_id, window(iso(started), iso(ended), datetime.now(UTC)))
        assert plain(stored["metricSeries"]) == plain(alone)
        bitrate = next(s for s in stored["metricSeries"] if s["name"] == "INGEST_VIDEO_BITRATE")
        assert len(bitrate["points"]) == 3
