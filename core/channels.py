"""Channels: the live directory and live state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from core import table as t
from core.errors import Forbidden, NotFound
from core.models import AccountItem
from core.pagination import PageTokens
from core.paging import page_size
from core.ranking import FollowRanking
from core.store import Table, cancellation_codes


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

    def watch(self, owner_sub: str, channel_id: str, now: float) -> None:
        """Record that the owner's stream health dashboard is open (its subscription just started), so the
        metrics job pushes this channel's points; Forbidden unless `channel_id` is the caller's channel.
        AppSync says nothing when a subscriber leaves, so the record lasts as long as a subscription can:
        AppSync closes every connection after 24 hours. One request: the write and the owner check are
        one transaction."""
        try:
            self._table.transact(
                [
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": {
                                "PK": {"S": t.WATCHED_PARTITION},
                                "SK": {"S": f"{t.WATCH_PREFIX}{channel_id}"},
                                "channelId": {"S": channel_id},
                                "ownerSub": {"S": owner_sub},
                                t.TTL_ATTRIBUTE: {"N": str(int(now) + WATCH_SECONDS)},
                            },
                        }
                    },
                    {
                        "ConditionCheck": {
                            "TableName": self._table.name,
                            "Key": {"PK": {"S": t.user_pk(owner_sub)}, "SK": {"S": t.ACCOUNT_SK}},
                            "ConditionExpression": "channelId = :c",
                            "ExpressionAttributeValues": {":c": {"S": channel_id}},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if cancellation_codes(exc)[1:2] == ["ConditionalCheckFailed"]:
                raise Forbidden(OWNER_ONLY) from exc
            raise

    def watched_live(self, now: float) -> list[dict[str, str]]:
        """The live channels whose owner has the dashboard open: channelId, liveSince and liveSessionId of
        each. One Query of the watch items and a BatchGetItem per 100 of them: as many requests as open
        dashboards call for, whatever the number of live channels."""
        watches = list(
            self._table.query_all(
                KeyConditionExpression="PK = :w",
                FilterExpression="#expires > :now",
                ExpressionAttributeNames={"#expires": t.TTL_ATTRIBUTE},
                ExpressionAttributeValues={":w": {"S": t.WATCHED_PARTITION}, ":now": {"N": str(int(now))}},
            )
        )
        owners = list(dict.fromkeys(w["ownerSub"]["S"] for w in watches))
        keys = [{"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ACCOUNT_SK}} for sub in owners]
        watched = {w["channelId"]["S"] for w in watches}
        live = []
        for item in self._table.batch_get(keys):
            values = {
                k: v["S"] for k, v in item.items() if k in ("channelId", "liveSince", "liveSessionId") and "S" in v
            }
            if values.get("channelId") in watched and "liveSince" in values and "liveSessionId" in values:
                live.append(values)
        return sorted(live, key=lambda v: v["channelId"])

    def rerank(self, owner_sub: str, channel_id: str, update: dict[str, Any], live_since: str | None) -> None:
        """Start moving a channel within its followers' `following` lists after the live-state `update`
        (an UpdateItem that bumped the version with RANK_VERSION_BUMP and returned UPDATED_NEW)."""
        version = int(update["Attributes"]["rankVersion"]["N"])
        self._ranking.enqueue(owner_sub, channel_id, version, live_since)


LIVE_FIELDS = ("channelId", "liveSince", "liveSessionId")
OWNER_ONLY = "only the channel's owner may subscribe to its stream events and metrics"
# How long an open dashboard is assumed to stay open: AppSync's longest connection (24 h).
WATCH_SECONDS = 24 * 3600

# Appended to the UpdateExpression of every live-state change (with ":one" = 1): the version the
# `following` re-ranking jobs order themselves by (core/ranking.py).
RANK_VERSION_BUMP = "ADD rankVersion :one"
