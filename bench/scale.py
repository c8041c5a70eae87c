"""Work per invocation as popularity grows (issue 11): one go-live at 10 / 1,000 / 10,000 followers, and
`following` requests per page at 10 and 1,000 follows.

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
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.models import AccountItem, FollowItem, follow_order
from core.ranking import all_followers
from core.timefmt import now_iso
from emulator.appsync.invoke import LambdaContext
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.server import LocalAwsServer
from emulator.local_aws.testing import InProcessFunctions
from tests.stacks import function_environment, in_process_api

FOLLOWERS = (10, 1_000, 10_000)
FOLLOWS = (10, 1_000)


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


def measure() -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    import triggers.runtime

    logging.getLogger().setLevel(logging.ERROR)
    with LocalAwsServer(port=0) as aws:
        resources = bootstrap(aws.endpoint, name_prefix="bench-scale")
        with function_environment(resources, "streams", composition_root=triggers.runtime):
            # The stream events function publishes to an API this benchmark does not run: quiet its logs.
            triggers.runtime.logger.setLevel(logging.ERROR)
            lives = {n: go_live(aws, resources, n) for n in FOLLOWERS}
        pages = asyncio.run(following_requests(aws))
    return lives, pages


def main() -> None:
    lives, pages = measure()
    print(
        "| followers | go-live invocation: DynamoDB requests | SQS requests | wall time |"
        " ranking jobs | their DynamoDB requests | until all followers ranked |"
    )
    print("|---|---|---|---|---|---|---|")
    for n, r in lives.items():
        print(
            f"| {n:,} | {r['ddb']} | {r['sqs']} | {r['ms']:.0f} ms | {r['jobs']} | {r['fanout_ddb']:,} |"
            f" {r['fanout_s']:.1f} s |"
        )
    print("\n| follows | DynamoDB requests of one `following(limit: 50)` page |\n|---|---|")
    for n, calls in pages.items():
        print(f"| {n:,} | {calls} |")


if __name__ == "__main__":
    main()
