"""DynamoDB requests per GraphQL operation, counted from botocore events, as the lists grow.

Runs the API in-process (engine + handler) against the local AWS; every DynamoDB API call the
handler makes for one operation (root resolver and batch resolvers) is counted. Pagination-secret
reads are Secrets Manager, not DynamoDB, and happen once per container.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from core import table as t
from core.timefmt import iso
from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import Api, in_process_api

OPERATIONS = {
    "me": "{ me { id username channel { id isLive followerCount viewerIsFollowing } } }",
    "channel": "query C($u: String!) { channel(username: $u) { id username isLive viewerIsFollowing } }",
    "liveChannels (limit 50)": "{ liveChannels(limit: 50) { items { id username viewerIsFollowing } nextToken } }",
    "liveChannels (limit 50), thumbnailUrl": "{ liveChannels(limit: 50) { items { id thumbnailUrl } nextToken } }",
    "following (limit 50)": "{ following(limit: 50) { items { id username isLive viewerIsFollowing } nextToken } }",
}
SIZES = (5, 50)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, **_: Any) -> None:
        self.calls += 1


async def _grow(api: Api, viewer: str, channels: list[str], size: int) -> None:
    core = api.core()
    now = datetime.now(UTC)
    while len(channels) < size:
        name = await api.provisioned("c")
        channels.append(name)
        await api.as_user(viewer, "mutation F($u: String!) { follow(username: $u) { id } }", {"u": name})
        account = core.accounts.by_username(name)
        assert account is not None and account.channel_id is not None
        core.channels.set_live(account.channel_id, iso(now - timedelta(minutes=len(channels))))
        # Recording, as the stream events function records it: the card has the latest thumbnail.
        core.table.client.update_item(
            TableName=core.table.name,
            Key={"PK": {"S": t.user_pk(account.sub)}, "SK": {"S": t.ACCOUNT_SK}},
            UpdateExpression="SET liveRecordingPrefix = :p",
            ExpressionAttributeValues={":p": {"S": f"ivs/v1/123456789012/{account.channel_id}/2026/12/5/10/0/r"}},
        )


async def measure() -> dict[str, dict[int, int]]:
    import resolvers.context

    results: dict[str, dict[int, int]] = {name: {} for name in OPERATIONS}
    with LocalAwsServer(port=0) as aws, in_process_api(bootstrap(aws.endpoint, name_prefix="bench-ddb")) as api:
        viewer = await api.provisioned("viewer")
        counter = Counter()
        resolvers.context.core().clients.dynamodb.meta.events.register("before-call.dynamodb", counter)
        channels: list[str] = []
        for size in SIZES:
            await _grow(api, viewer, channels, size)
            for name, query in OPERATIONS.items():
                await api.as_user(viewer, query, {"u": channels[0]})  # warm: secrets, clients
                counter.calls = 0
                reply = await api.as_user(viewer, query, {"u": channels[0]})
                assert not reply.errors, reply.errors
                if "thumbnailUrl" in query:  # every card has one: the count is of real work
                    assert all(c["thumbnailUrl"] for c in reply.data["liveChannels"]["items"]), reply.data
                results[name][size] = counter.calls
    return results


def main() -> None:
    results = asyncio.run(measure())
    print("| operation | " + " | ".join(f"{n} channels" for n in SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for name, counts in results.items():
        print(f"| {name} | " + " | ".join(str(counts[n]) for n in SIZES) + " |")


if __name__ == "__main__":
    main()
