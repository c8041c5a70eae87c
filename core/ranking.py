"""Keeping a channel's place in its followers' `following` lists when it goes live or offline.

A follow item's `followOrder` copies its channel's live state (core.models.follow_order), so a go-live
or offline must rewrite it on every follow of the channel: work that grows with popularity. It never
runs inside the invocation that changed the state. That invocation sends one job per shard of the
channel's followers (core.table.FOLLOWER_SHARDS, two SendMessageBatch calls) to an SQS queue; each job
re-ranks one page of its shard and sends the job for the next page before working its own, so the
shards and their pages are worked concurrently, and every invocation does bounded work (one GetItem,
one Query, at most `PAGE` UpdateItems, one SendMessage) whatever the follower count.

Every live-state change adds one to the account's `rankVersion`, and a job carries the version it
ranks for. A follow's update is conditional on its own `rankVersion` being older, so duplicated,
late or reordered jobs change nothing, and a follow made during a fan-out (written with the version
it read) is never overwritten by an older job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from core import table as t
from core.models import follow_order
from core.store import Table, error_code

# Follows re-ranked by one job: one Query page (~250 bytes a follow, well under a Query's 1 MB) and
# at most this many UpdateItems, about a second of work with UPDATE_THREADS in flight.
PAGE = 500
# Concurrent UpdateItems within one job; botocore's default connection pool holds 10.
UPDATE_THREADS = 10
# Messages per SendMessageBatch (SQS's limit).
SEND_BATCH = 10


@dataclass(frozen=True)
class RankJob:
    """Re-rank the follows of `channel_id` for its live state as of `version`, from `start` on."""

    owner_sub: str
    channel_id: str
    version: int
    live_since: str | None
    shard: int
    # The Query's ExclusiveStartKey (None: the first page).
    start: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "ownerSub": self.owner_sub,
                "channelId": self.channel_id,
                "version": self.version,
                "liveSince": self.live_since,
                "shard": self.shard,
                "start": self.start,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, body: str) -> RankJob:
        values = json.loads(body)
        if not isinstance(values, dict) or not all(isinstance(values.get(k), int) for k in ("version", "shard")):
            raise ValueError("not a ranking job")
        return cls(
            owner_sub=str(values["ownerSub"]),
            channel_id=str(values["channelId"]),
            version=values["version"],
            live_since=values.get("liveSince"),
            shard=values["shard"],
            start=values.get("start"),
        )


@dataclass(frozen=True)
class RankResult:
    updated: int
    # Already ranked for this version or newer (a duplicate job, or a follow made since), or unfollowed.
    skipped: int
    continued: bool
    # A newer live-state change superseded the job: nothing was read or written.
    stale: bool = False


def followers_page(
    table: Table, channel_id: str, shard: int, start: dict[str, Any] | None, limit: int = PAGE
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of a channel's follows in one shard (keys and followedAt), and where the next starts."""
    return table.query(
        IndexName=t.FOLLOWERS.name,
        KeyConditionExpression="followersKey = :k",
        ExpressionAttributeValues={":k": {"S": t.followers_key(channel_id, shard)}},
        Limit=limit,
        **({"ExclusiveStartKey": start} if start else {}),
    )


def all_followers(table: Table, channel_id: str) -> Iterator[dict[str, Any]]:
    """Every follow of a channel, shard after shard (background work only, never a request path)."""
    for shard in range(t.FOLLOWER_SHARDS):
        yield from table.query_all(
            IndexName=t.FOLLOWERS.name,
            KeyConditionExpression="followersKey = :k",
            ExpressionAttributeValues={":k": {"S": t.followers_key(channel_id, shard)}},
        )


class FollowRanking:
    def __init__(self, table: Table, send: Callable[[list[str]], None], page: int = PAGE) -> None:
        """`send` puts job bodies on the queue (at most 10 at a time, as SendMessageBatch takes)."""
        self._table = table
        self._send = send
        self._page = page

    def enqueue(self, owner_sub: str, channel_id: str, version: int, live_since: str | None) -> None:
        """Start re-ranking a channel that went live (`live_since`) or offline (None) at `version`."""
        jobs = [
            RankJob(owner_sub, channel_id, version, live_since, shard).to_json() for shard in range(t.FOLLOWER_SHARDS)
        ]
        for first in range(0, len(jobs), SEND_BATCH):
            self._send(jobs[first : first + SEND_BATCH])

    def run(self, job: RankJob) -> RankResult:
        """Re-rank one page of the channel's follows, after sending the job for the next page."""
        if self._current_version(job.owner_sub) > job.version:
            return RankResult(0, 0, continued=False, stale=True)
        follows, last = followers_page(self._table, job.channel_id, job.shard, job.start, self._page)
        if last:
            self._send([replace(job, start=last).to_json()])
        with ThreadPoolExecutor(max_workers=UPDATE_THREADS) as pool:
            updated = sum(pool.map(lambda follow: self._rank(follow, job), follows))
        return RankResult(updated, len(follows) - updated, continued=last is not None)

    def _current_version(self, owner_sub: str) -> int:
        out = self._table.client.get_item(
            TableName=self._table.name,
            Key={"PK": {"S": t.user_pk(owner_sub)}, "SK": {"S": t.ACCOUNT_SK}},
            ProjectionExpression="rankVersion",
            ConsistentRead=True,
        )
        return int(out.get("Item", {}).get("rankVersion", {}).get("N", "0"))

    def _rank(self, follow: dict[str, Any], job: RankJob) -> bool:
        followed_at = follow.get("followedAt", {}).get("S", "")
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": follow["PK"], "SK": follow["SK"]},
                UpdateExpression="SET followOrder = :o, rankVersion = :v",
                # Never resurrect a removed follow, nor undo a newer ranking (or a follow made since).
                ConditionExpression="attribute_exists(PK) AND (attribute_not_exists(rankVersion) OR rankVersion < :v)",
                ExpressionAttributeValues={
                    ":o": {"S": follow_order(job.live_since, followed_at)},
                    ":v": {"N": str(job.version)},
                },
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return False
        return True
