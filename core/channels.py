"""Channels: the live directory and live state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core import table as t
from core.errors import NotFound
from core.models import AccountItem
from core.pagination import PageTokens
from core.paging import page_size
from core.ranking import FollowRanking
from core.store import Table


@dataclass(frozen=True)
class Page:
    items: list[AccountItem]
    next_token: str | None
    # Owners (subs) of the listed channels that banned the viewer, when asked for.
    banned_by: frozenset[str] = frozenset()


class Channels:
    def __init__(self, table: Table, tokens: PageTokens, ranking: FollowRanking) -> None:
        self._table = table
        self._tokens = tokens
        self._ranking = ranking

    def live(self, limit: int | None, next_token: str | None) -> Page:
        """Live channels, newest start first: one Query of the sparse `live` index."""
        size = page_size(limit)
        start = self._tokens.decode("liveChannels", next_token)
        items, last = self._table.query(
            IndexName=t.LIVE.name,
            KeyConditionExpression="liveKey = :live",
            ExpressionAttributeValues={":live": {"S": t.LIVE_PARTITION}},
            ScanIndexForward=False,
            Limit=size,
            **({"ExclusiveStartKey": start} if start else {}),
        )
        return Page([AccountItem.from_item(i) for i in items], self._tokens.encode("liveChannels", last))

    def by_channel_id(self, channel_id: str) -> AccountItem | None:
        items, _ = self._table.query(
            IndexName=t.BY_CHANNEL.name,
            KeyConditionExpression="channelId = :c AND SK = :a",
            ExpressionAttributeValues={":c": {"S": channel_id}, ":a": {"S": t.ACCOUNT_SK}},
        )
        return AccountItem.from_item(items[0]) if items else None

    def set_live(self, channel_id: str, live_since: str | None) -> AccountItem:
        """Mark a channel live (since `live_since`) or offline (None), and re-rank it in its followers'
        `following` lists. Driven by IVS events in production; seeded directly by the local stack."""
        account = self.by_channel_id(channel_id)
        if account is None:
            raise NotFound(f"no channel with id '{channel_id}'")
        key = {"PK": {"S": t.user_pk(account.sub)}, "SK": {"S": t.ACCOUNT_SK}}
        if live_since:
            out = self._table.client.update_item(
                TableName=self._table.name,
                Key=key,
                UpdateExpression=f"SET liveKey = :live, liveSince = :since {RANK_VERSION_BUMP}",
                ExpressionAttributeValues={
                    ":live": {"S": t.LIVE_PARTITION},
                    ":since": {"S": live_since},
                    ":one": {"N": "1"},
                },
                ReturnValues="UPDATED_NEW",
            )
        else:
            out = self._table.client.update_item(
                TableName=self._table.name,
                Key=key,
                UpdateExpression=f"REMOVE liveKey, liveSince {RANK_VERSION_BUMP}",
                ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            )
        self.rerank(account.sub, channel_id, out, live_since)
        return account.evolve(live_since=live_since)

    def rerank(self, owner_sub: str, channel_id: str, update: dict[str, Any], live_since: str | None) -> None:
        """Start moving a channel within its followers' `following` lists after the live-state `update`
        (an UpdateItem that bumped the version with RANK_VERSION_BUMP and returned UPDATED_NEW)."""
        version = int(update["Attributes"]["rankVersion"]["N"])
        self._ranking.enqueue(owner_sub, channel_id, version, live_since)


# Appended to the UpdateExpression of every live-state change (with ":one" = 1): the version the
# `following` re-ranking jobs order themselves by (core/ranking.py).
RANK_VERSION_BUMP = "ADD rankVersion :one"
