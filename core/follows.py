"""Follows: one item per (follower, channel), ordered for `following` by a maintained sort key."""

from __future__ import annotations

import random
import time
from typing import Any

from botocore.exceptions import ClientError

from core import table as t
from core.accounts import Accounts
from core.channels import Page
from core.errors import Conflict, NotFound, Unauthorized, ValidationError
from core.models import REVOKED_STATUSES, AccountItem, FollowItem, follow_order
from core.pagination import PageTokens
from core.paging import page_size
from core.store import Table, cancellation_codes
from core.timefmt import now_iso

# A follow re-reads the channel and retries when the channel's live state changes under it.
FOLLOW_ATTEMPTS = 3


def _active_follower(table: Table, follower_sub: str) -> dict[str, Any]:
    """A transaction item that fails when the follower's own account is deleted or disabled (an account
    not provisioned yet may follow)."""
    revoked = {f":revoked{i}": {"S": status} for i, status in enumerate(REVOKED_STATUSES)}
    return {
        "ConditionCheck": {
            "TableName": table.name,
            "Key": {"PK": {"S": t.user_pk(follower_sub)}, "SK": {"S": t.ACCOUNT_SK}},
            "ConditionExpression": f"attribute_not_exists(#status) OR NOT (#status IN ({', '.join(revoked)}))",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": revoked,
        }
    }


class Follows:
    def __init__(self, table: Table, accounts: Accounts, tokens: PageTokens) -> None:
        self._table = table
        self._accounts = accounts
        self._tokens = tokens

    def _target(self, follower_sub: str, username: str) -> AccountItem:
        target = self._accounts.by_username(username)
        if target is None or target.channel_id is None:
            raise NotFound(f"no channel named '{username}'")
        if target.sub == follower_sub:
            raise ValidationError("username", "you cannot follow or unfollow your own channel")
        return target

    def follow(self, follower_sub: str, username: str) -> AccountItem:
        """Follow a channel; following it again changes nothing. Returns the channel as it is now."""
        for attempt in range(FOLLOW_ATTEMPTS):
            target = self._target(follower_sub, username)
            assert target.channel_id is not None
            followed_at = now_iso()
            item = FollowItem(
                follower_sub=follower_sub,
                followed_channel=target.channel_id,
                owner_sub=target.sub,
                followed_at=followed_at,
                follow_order=follow_order(target.live_since, followed_at),
                rank_version=target.rank_version,
            )
            owner_key = {"PK": {"S": t.user_pk(target.sub)}, "SK": {"S": t.ACCOUNT_SK}}
            # The sort key copies the channel's live state, so the write is conditional on that state
            # (its version) being what we read: a concurrent go-live re-ranks only follows that exist.
            live_condition = (
                "(rankVersion = :version"
                + ("" if target.rank_version else " OR attribute_not_exists(rankVersion)")
                + ")",
                {":version": {"N": str(target.rank_version)}},
            )
            try:
                self._table.transact(
                    [
                        {
                            "Put": {
                                "TableName": self._table.name,
                                "Item": item.to_item(),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": self._table.name,
                                "Key": owner_key,
                                "UpdateExpression": "ADD followerCount :one",
                                "ConditionExpression": f"#status = :ready AND {live_condition[0]}",
                                "ExpressionAttributeNames": {"#status": "status"},
                                "ExpressionAttributeValues": {
                                    ":one": {"N": "1"},
                                    ":ready": {"S": "READY"},
                                    **live_condition[1],
                                },
                            }
                        },
                        _active_follower(self._table, follower_sub),
                    ]
                )
            except ClientError as exc:
                codes = cancellation_codes(exc)
                if codes[2:3] == ["ConditionalCheckFailed"]:
                    raise Unauthorized from exc
                if codes and codes[0] == "ConditionalCheckFailed":
                    return target  # already following: idempotent
                if codes[1:2] == ["ConditionalCheckFailed"]:
                    continue  # the channel changed (went live/offline, or was deleted): re-read
                if "TransactionConflict" in codes:
                    # A concurrent write to the same channel item (a follow storm): again, after a jittered pause.
                    time.sleep(random.uniform(0, 0.05 * 2**attempt))
                    continue
                raise
            return target.evolve(follower_count=target.follower_count + 1)
        raise Conflict("the channel changed while following it; try again")

    def unfollow(self, follower_sub: str, username: str) -> AccountItem:
        """Stop following a channel; unfollowing a channel you do not follow changes nothing."""
        target = self._target(follower_sub, username)
        assert target.channel_id is not None
        try:
            self._table.transact(
                [
                    {
                        "Delete": {
                            "TableName": self._table.name,
                            "Key": {
                                "PK": {"S": t.user_pk(follower_sub)},
                                "SK": {"S": t.follow_sk(target.channel_id)},
                            },
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table.name,
                            "Key": {"PK": {"S": t.user_pk(target.sub)}, "SK": {"S": t.ACCOUNT_SK}},
                            "UpdateExpression": "ADD followerCount :minus",
                            "ConditionExpression": "attribute_exists(PK)",
                            "ExpressionAttributeValues": {":minus": {"N": "-1"}},
                        }
                    },
                    _active_follower(self._table, follower_sub),
                ]
            )
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if codes[2:3] == ["ConditionalCheckFailed"]:
                raise Unauthorized from exc
            if codes and codes[0] == "ConditionalCheckFailed":
                return target  # was not following: idempotent
            raise
        return target.evolve(follower_count=max(target.follower_count - 1, 0))

    def following(self, follower_sub: str, limit: int | None, next_token: str | None) -> Page:
        """Followed channels, live first (newest start) then offline (newest follow): one Query of the
        `following` index and one BatchGetItem of the channels and of the follower's bans on them,
        whatever the number of follows."""
        size = page_size(limit)
        scope = f"following:{follower_sub}"
        start = self._tokens.decode(scope, next_token)
        follows, last = self._table.query(
            IndexName=t.FOLLOWING.name,
            KeyConditionExpression="PK = :me",
            ExpressionAttributeValues={":me": {"S": t.user_pk(follower_sub)}},
            ScanIndexForward=False,
            Limit=size,
            **({"ExclusiveStartKey": start} if start else {}),
        )
        owners = list(dict.fromkeys(f["ownerSub"]["S"] for f in follows))
        if not owners:
            self._accounts.check_active(follower_sub)
            return Page([], self._tokens.encode(scope, last), frozenset())
        # The follower's own account rides in the same BatchGetItem, so a deleted or disabled account is
        # refused at no extra request (but for a full page of 50: 101 keys take a second BatchGetItem).
        keys = [{"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ACCOUNT_SK}} for sub in [follower_sub, *owners]]
        keys += [{"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ban_sk(follower_sub)}} for sub in owners]
        found = self._table.batch_get(keys)
        by_sub = {a.sub: a for a in (AccountItem.from_item(i) for i in found if i["SK"]["S"] == t.ACCOUNT_SK)}
        if follower_sub in by_sub and by_sub[follower_sub].revoked:
            raise Unauthorized
        banned_by = frozenset(t.sub_of(i["PK"]["S"]) for i in found if i["SK"]["S"].startswith(t.BAN_PREFIX))
        items = [by_sub[sub] for sub in owners if sub in by_sub and by_sub[sub].ready]
        return Page(items, self._tokens.encode(scope, last), banned_by)

    def is_following(self, follower_sub: str, channel_ids: list[str]) -> dict[str, bool]:
        """Which of these channels the follower follows: one BatchGetItem per 100 channels."""
        unique = list(dict.fromkeys(channel_ids))
        keys = [{"PK": {"S": t.user_pk(follower_sub)}, "SK": {"S": t.follow_sk(c)}} for c in unique]
        found = {item["SK"]["S"].removeprefix(t.FOLLOW_PREFIX) for item in self._table.batch_get(keys)}
        return {c: c in found for c in unique}

    def remove_all_of(self, follower_sub: str) -> None:
        """Remove every follow of a user (account deletion), keeping follower counts right."""
        follows = list(
            self._table.query_all(
                KeyConditionExpression="PK = :me AND begins_with(SK, :f)",
                ExpressionAttributeValues={":me": {"S": t.user_pk(follower_sub)}, ":f": {"S": t.FOLLOW_PREFIX}},
            )
        )
        for follow in follows:
            owner = follow.get("ownerSub", {}).get("S")
            items: list[dict[str, Any]] = [
                {
                    "Delete": {
                        "TableName": self._table.name,
                        "Key": {"PK": follow["PK"], "SK": follow["SK"]},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                }
            ]
            if owner:
                items.append(
                    {
                        "Update": {
                            "TableName": self._table.name,
                            "Key": {"PK": {"S": t.user_pk(owner)}, "SK": {"S": t.ACCOUNT_SK}},
                            "UpdateExpression": "ADD followerCount :minus",
                            "ConditionExpression": "attribute_exists(PK)",
                            "ExpressionAttributeValues": {":minus": {"N": "-1"}},
                        }
                    }
                )
            try:
                self._table.transact(items)
            except ClientError as exc:
                codes = cancellation_codes(exc)
                if codes[:1] == ["ConditionalCheckFailed"]:
                    continue  # already gone
                if codes[1:2] == ["ConditionalCheckFailed"]:
                    self._table.client.delete_item(
                        TableName=self._table.name, Key={"PK": follow["PK"], "SK": follow["SK"]}
                    )  # the channel itself is gone: nothing to count
                    continue
                raise
