"""Work per invocation as popularity grows (issue 11): one go-live at 10 / 1,000 / 10,000 followers, the
metrics job at 10 / 100 / 1,000 live channels with 0 and 10 dashboards open, and `following` requests
per page at 10 and 1,000 follows.

The go-live is one IVS Stream Start put through the stream events handler (in this process, with the
environment CDK gives it): its DynamoDB and SQS requests are counted from botocore events and timed.
The re-ranking it starts then runs as a deployment runs it: the local AWS's SQS event source mapping
invokes the `following` handler (in this process, threads up to the mapping's MaximumConcurrency) until
the queue is empty; its invocations, its requests and the wall time until every follower has the
channel ranked live are reported. Followers are put straight into the table.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from core import table as t
from core.models import AccountItem, FollowItem, follow_order
from core.ranking import all_followers
from core.timefmt import iso, now_iso
from emulator.appsync.invoke import LambdaContext
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.server import LocalAwsServer
from emulator.local_aws.testing import InProcessFunctions
from tests.stacks import function_environment, http_api, in_process_api

FOLLOWERS = (10, 1_000, 10_000)
FOLLOWS = (10, 1_000)
LIVE_CHANNELS = (10, 100, 1_000)
DASHBOARDS = (0, 10)


class Counter:
    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def __call__(self, event_name: str, **_: Any) -> None:
        service = event_name.split(".")[1]
        self.calls[service] = self.calls.get(service, 0) + 1

    def take(self) -> dict[str, int]:
        calls, self.calls = self.calls, {}
        return calls


def _put_all(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _channel(core: Any, followers: int) -> AccountItem:
    sub = str(uuid.uuid4())
    account = AccountItem(
        sub=sub, username=f"b{sub[:8]}", created_at=now_iso(), status="READY", channel_id=f"ch{sub[:10]}"
    )
    core.table.client.put_item(TableName=core.table.name, Item=account.to_item())
    assert account.channel_id is not None
    at = now_iso()
    follows = [
        FollowItem(str(uuid.uuid4()), account.channel_id, sub, at, follow_order(None, at)).to_item()
        for _ in range(followers)
    ]
    _put_all(core.table.client, core.table.name, follows)
    return account


def _stream_start(account: AccountItem, session: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "IVS Stream State Change",
        "source": "aws.ivs",
        "account": "123456789012",
        "time": now_iso().replace(".000", ""),
        "region": "us-east-1",
        "resources": [f"arn:aws:ivs:us-east-1:123456789012:channel/{account.channel_id}"],
        "detail": {"event_name": "Stream Start", "channel_name": "x", "stream_id": session},
    }


@contextmanager
def _counted(core: Any) -> Iterator[Counter]:
    counter = Counter()
    for client in (core.clients.dynamodb, core.clients.sqs):
        client.meta.events.register("before-call.*.*", counter)
    try:
        yield counter
    finally:
        for client in (core.clients.dynamodb, core.clients.sqs):
            client.meta.events.unregister("before-call.*.*", counter)


def go_live(aws: LocalAwsServer, resources: LocalResources, followers: int) -> dict[str, Any]:
    import triggers.following
    import triggers.runtime
    import triggers.stream_events

    core = triggers.runtime.core()
    account = _channel(core, followers)
    assert account.channel_id is not None
    # The floor, on this same table: moto answers an index Query by reading every item of the table, so a
    # local request's time grows with the table, whatever the request.
    floor = []
    for _ in range(5):
        started = time.perf_counter()
        core.channels.by_channel_id(account.channel_id)
        floor.append((time.perf_counter() - started) * 1000)
    with _counted(core) as counter:
        started = time.perf_counter()
        triggers.stream_events.handler(_stream_start(account, f"st-{uuid.uuid4().hex[:8]}"), LambdaContext("s", "r"))
        invocation_ms = (time.perf_counter() - started) * 1000
        invocation = counter.take()
        # The queue's consumer starts now: what it costs is the fan-out's, spread over its invocations.
        functions = InProcessFunctions(
            {"following": lambda event: triggers.following.handler(event, LambdaContext("following", "r"))}
        )
        aws.set_functions(functions)
        started = time.perf_counter()
        assert aws.wait_for_events(600), "the re-ranking did not finish"
        fanout_s = time.perf_counter() - started
        aws.set_functions(None)
        fanout = counter.take()
    live = core.accounts.get(account.sub)
    assert live is not None and live.live_since is not None
    assert account.channel_id is not None
    ranked = sum(
        1
        for f in all_followers(core.table, account.channel_id)
        if (item := core.table.get(f["PK"]["S"], f["SK"]["S"])) and item["followOrder"]["S"] == f"1#{live.live_since}"
    )
    assert ranked == followers, (ranked, followers)
    return {
        "ddb": invocation.get("dynamodb", 0),
        "sqs": invocation.get("sqs", 0),
        "ms": invocation_ms,
        "floor_ms": statistics.median(floor),
        "jobs": len(functions.events("following")),
        "fanout_ddb": fanout.get("dynamodb", 0),
        "fanout_s": fanout_s,
    }


async def following_requests(aws: LocalAwsServer) -> dict[int, int]:
    """DynamoDB requests of one `following(limit: 50)` page for a viewer following N channels."""
    import resolvers.context

    results: dict[int, int] = {}
    with in_process_api(bootstrap(aws.endpoint, name_prefix="bench-scale-following")) as api:
        core = api.core()
        query = "{ following(limit: 50) { items { id username isLive viewerIsFollowing } nextToken } }"
        viewer = await api.provisioned("viewer")
        me = core.accounts.by_username(viewer)
        assert me is not None
        followed = 0
        for size in FOLLOWS:
            accounts, follows = [], []
            for _ in range(size - followed):
                account = AccountItem(
                    sub=str(uuid.uuid4()), username=f"f{uuid.uuid4().hex[:10]}", created_at=now_iso(), status="READY"
                )
                account = account.evolve(channel_id=f"ch{account.sub[:10]}")
                at = now_iso()
                assert account.channel_id is not None
                accounts.append(account.to_item())
                follows.append(
                    FollowItem(me.sub, account.channel_id, account.sub, at, follow_order(None, at)).to_item()
                )
            _put_all(core.table.client, core.table.name, accounts + follows)
            followed = size
            await api.as_user(viewer, query)  # warm: secrets, clients
            counter = Counter()
            client = resolvers.context.core().clients.dynamodb
            client.meta.events.register("before-call.dynamodb", counter)
            reply = await api.as_user(viewer, query)
            client.meta.events.unregister("before-call.dynamodb", counter)
            assert not reply.errors and len(reply.data["following"]["items"]) == min(size, 50), reply.body
            results[size] = counter.calls.get("dynamodb", 0)
    return results


def metrics_job(resources: LocalResources) -> dict[tuple[int, int], dict[str, int]]:
    """API calls of one run of the metrics job. Its publishes go to a local AppSync over HTTP, signed
    with IAM, as to AppSync."""
    import triggers.metrics
    import triggers.runtime

    results: dict[tuple[int, int], dict[str, int]] = {}
    with (
        http_api(resources) as api,
        function_environment(resources, "metrics", composition_root=triggers.runtime),
    ):
        os.environ["GRAPHQL_URL"] = api.stack.graphql_url
        core = triggers.runtime.core()
        cloudwatch = core.clients.cloudwatch
        live: list[AccountItem] = []
        for count in LIVE_CHANNELS:
            while len(live) < count:
                live.append(_live_channel(core))
            for dashboards in DASHBOARDS:
                _close_dashboards(core)
                now = time.time()
                for account in live[:dashboards]:
                    assert account.channel_id is not None
                    core.channels.watch(account.sub, account.channel_id, now)
                counter = Counter()
                for client in (core.clients.dynamodb, cloudwatch):
                    client.meta.events.register("before-call.*.*", counter)
                result = triggers.metrics.handler({"detail-type": "Scheduled Event"}, LambdaContext("m", "r"))
                for client in (core.clients.dynamodb, cloudwatch):
                    client.meta.events.unregister("before-call.*.*", counter)
                calls = counter.take()
                results[(count, dashboards)] = {
                    "get_metric_data": calls.get("monitoring", 0) + calls.get("cloudwatch", 0),
                    "dynamodb": calls.get("dynamodb", 0),
                    "pushed": result["pushed"],
                }
    return results


def _live_channel(core: Any) -> AccountItem:
    """A live channel (its account item put straight into the table) with a bitrate point in CloudWatch."""
    sub = str(uuid.uuid4())
    account = AccountItem(
        sub=sub, username=f"l{sub[:8]}", created_at=now_iso(), status="READY", channel_id=f"ch{sub[:10]}",
        live_since=iso(datetime.now(UTC) - timedelta(minutes=5)),
    )  # fmt: skip
    core.table.client.put_item(
        TableName=core.table.name, Item={**account.to_item(), "liveSessionId": {"S": f"st-{sub[:8]}"}}
    )
    core.clients.cloudwatch.put_metric_data(
        Namespace="AWS/IVS",
        MetricData=[
            {
                "MetricName": "IngestVideoBitrate",
                "Dimensions": [{"Name": "Channel", "Value": account.channel_id}],
                # A point in a finished 5 s period: CloudWatch answers no period that is still running.
                "Timestamp": datetime.now(UTC) - timedelta(seconds=20),
                "Value": 3_000_000.0,
                "StorageResolution": 1,
            }
        ],
    )
    return account


def _close_dashboards(core: Any) -> None:
    for watch in list(
        core.table.query_all(
            KeyConditionExpression="PK = :w", ExpressionAttributeValues={":w": {"S": t.WATCHED_PARTITION}}
        )
    ):
        core.table.client.delete_item(TableName=core.table.name, Key={"PK": watch["PK"], "SK": watch["SK"]})


def measure() -> tuple[dict[int, dict[str, Any]], dict[tuple[int, int], dict[str, int]], dict[int, int]]:
    import triggers.runtime

    logging.getLogger().setLevel(logging.ERROR)
    with LocalAwsServer(port=0) as aws:
        resources = bootstrap(aws.endpoint, name_prefix="bench-scale")
        with function_environment(resources, "streams", composition_root=triggers.runtime):
            # The stream events function publishes to an API this benchmark does not run: quiet its logs.
            triggers.runtime.logger.setLevel(logging.CRITICAL)
            lives = {n: go_live(aws, resources, n) for n in FOLLOWERS}
        jobs = metrics_job(bootstrap(aws.endpoint, name_prefix="bench-scale-metrics"))
        pages = asyncio.run(following_requests(aws))
    return lives, jobs, pages


def main() -> None:
    lives, jobs, pages = measure()
    print(
        "| followers | go-live invocation: DynamoDB requests | SQS requests | wall time | floor: one index Query"
        " | wall time / floor | ranking jobs | their DynamoDB requests | until all followers ranked |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n, r in lives.items():
        print(
            f"| {n:,} | {r['ddb']} | {r['sqs']} | {r['ms']:.0f} ms | {r['floor_ms']:.0f} ms |"
            f" {r['ms'] / r['floor_ms']:.1f}x | {r['jobs']} | {r['fanout_ddb']:,} | {r['fanout_s']:.1f} s |"
        )
    print("\n| live channels | dashboards open | GetMetricData calls | DynamoDB requests | points pushed |")
    print("|---|---|---|---|---|")
    for (count, dashboards), r in jobs.items():
        print(f"| {count:,} | {dashboards} | {r['get_metric_data']} | {r['dynamodb']} | {r['pushed']} |")
    print("\n| follows | DynamoDB requests of one `following(limit: 50)` page |\n|---|---|")
    for n, calls in pages.items():
        print(f"| {n:,} | {calls} |")


if __name__ == "__main__":
    main()
