"""Channels: the live directory and live state."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from core import table as t
from core.errors import NotFound
from core.models import AccountItem, follow_order
from core.pagination import PageTokens
from core.paging import page_size
from core.store import Table, error_code
from core.timefmt import now_iso


@dataclass(frozen=True)
class Page:
    items: list[AccountItem]
    next_token: str | None
    # Owners (subs) of the listed channels that banned the viewer, when asked for.
    banned_by: frozenset[str] = frozenset()


class Channels:
    def __init__(self, table: Table, tokens: PageTokens) -> None:
        self._table = table
        self._tokens = tokens

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
            self._table.client.update_item(
                TableName=self._table.name,
                Key=key,
                UpdateExpression="SET liveKey = :live, liveSince = :since",
                ExpressionAttributeValues={":live": {"S": t.LIVE_PARTITION}, ":since": {"S": live_since}},
            )
        else:
            self._table.client.update_item(
                TableName=self._table.name, Key=key, UpdateExpression="REMOVE liveKey, liveSince"
            )
        self.rerank(channel_id, live_since)
        return account.evolve(live_since=live_since)

    def rerank(self, channel_id: str, live_since: str | None) -> None:
        """Move a channel within its followers' `following` lists after it went live or offline."""
        followers = self._table.query_all(
            IndexName=t.BY_CHANNEL.name,
            KeyConditionExpression="channelId = :c AND begins_with(SK, :f)",
            ExpressionAttributeValues={":c": {"S": channel_id}, ":f": {"S": t.FOLLOW_PREFIX}},
        )
        for follow in followers:
            followed_at = follow.get("followedAt", {}).get("S") or now_iso()
            try:
                self._table.client.update_item(
                    TableName=self._table.name,
                    Key={"PK": follow["PK"], "SK": follow["SK"]},
                    UpdateExpression="SET followOrder = :o",
                    # Never resurrect a follow that was removed while we were fanning out.
                    ConditionExpression="attribute_exists(PK)",
                    ExpressionAttributeValues={":o": {"S": follow_order(live_since, followed_at)}},
                )
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
