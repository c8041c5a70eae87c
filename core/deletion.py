"""Account deletion: everything that belongs to a user, in an order that can be retried to completion.

The account is marked DELETING first (sign-in is refused from then on and the channel disappears
from lookups); every later step is idempotent; the account item is replaced by a tombstone last, so
a failed run leaves a DELETING account that the next `deleteAccount` call finishes.

The tombstone (status DELETED, no profile, no index attributes) outlives every token Cognito issued
to the user: AppSync checks only a token's signature and expiry, so without it a deleted user's ID
token could provision a new channel and take the name back for up to the token's validity. Table TTL
removes it afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError

from core import table as t
from core.accounts import Caller
from core.assets import Assets
from core.chat import Chat
from core.cognito import Cognito
from core.errors import Unauthorized
from core.follows import Follows
from core.ivs import IvsAdmin
from core.models import AccountItem, to_attributes
from core.ranking import all_followers
from core.recordings import Recordings
from core.store import Table, error_code
from core.timefmt import now_iso
from core.users import Users

# Cognito's longest ID and access token validity is one day; five minutes more covers clock skew.
TOMBSTONE_SECONDS = 24 * 3600 + 300


class Deletion:
    def __init__(
        self,
        table: Table,
        follows: Follows,
        users: Users,
        ivs: Callable[[], IvsAdmin],
        chat: Callable[[], Chat],
        assets: Callable[[], Assets],
        cognito: Callable[[], Cognito],
        recordings: Callable[[], Recordings | None] = lambda: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = table
        self._follows = follows
        self._users = users
        self._ivs = ivs
        self._chat = chat
        self._assets = assets
        self._cognito = cognito
        self._recordings = recordings
        self._clock = clock

    def delete_account(self, caller: Caller) -> None:
        raw = self._table.get(t.user_pk(caller.sub), t.ACCOUNT_SK, consistent=True)
        account = AccountItem.from_item(raw) if raw else None
        if account is not None and account.status in ("DELETED", "DISABLED"):
            raise Unauthorized
        if account is not None:
            self._mark_deleting(caller.sub)
            if account.channel_arn:
                self._ivs().stop_stream(account.channel_arn)
                self._ivs().delete_channel(account.channel_arn)
            if account.chat_room_arn:
                self._chat().delete_room(account.chat_room_arn)
            recordings = self._recordings()
            if account.channel_arn and recordings is not None:
                # After the channel is gone, so nothing records again behind us.
                recordings.delete_channel_recordings(account.channel_arn)
        user = {":pk": {"S": t.user_pk(caller.sub)}}
        self._assets().delete_user_objects(caller.sub)
        self._follows.remove_all_of(caller.sub)
        if account is not None and account.channel_id:
            self._delete_keys((f["PK"], f["SK"]) for f in all_followers(self._table, account.channel_id))
        # The rest of the user's partition (bans they issued, overlay presets, ...), the account item aside.
        self._delete_keys(
            (i["PK"], i["SK"])
            for i in self._keys(KeyConditionExpression="PK = :pk", ExpressionAttributeValues=user)
            if i["SK"]["S"] != t.ACCOUNT_SK
        )
        # Their stream sessions, each with its events.
        for session in self._keys(
            IndexName=t.SESSIONS.name, KeyConditionExpression="sessionsKey = :pk", ExpressionAttributeValues=user
        ):
            self._delete_keys(
                (i["PK"], i["SK"])
                for i in self._keys(KeyConditionExpression="PK = :s", ExpressionAttributeValues={":s": session["PK"]})
            )
        self._delete_keys(
            (b["PK"], b["SK"])
            for b in self._table.query_all(
                IndexName=t.BANNED.name,
                KeyConditionExpression="bannedSub = :s",
                ExpressionAttributeValues={":s": {"S": caller.sub}},
            )
        )
        names = [
            caller.username,
            *(account.reserved_names if account else ()),
            *([account.username] if account else []),
        ]
        email = (account.email if account else None) or caller.email
        self._users.release(list(dict.fromkeys(names)), email, caller.sub)
        # Refresh tokens first: a user deleted with a refresh token still valid could mint new ID tokens.
        self._cognito().sign_out(caller.username)
        self._cognito().delete_user(caller.username)
        self._table.client.put_item(TableName=self._table.name, Item=self._tombstone(caller.sub))

    def _tombstone(self, sub: str) -> dict[str, Any]:
        return to_attributes(
            {
                "PK": t.user_pk(sub),
                "SK": t.ACCOUNT_SK,
                "sub": sub,
                "username": "",
                "createdAt": now_iso(),
                "status": "DELETED",
                t.TTL_ATTRIBUTE: int(self._clock()) + TOMBSTONE_SECONDS,
            }
        )

    def _mark_deleting(self, sub: str) -> None:
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ACCOUNT_SK}},
                UpdateExpression="SET #status = :deleting REMOVE usernameKey, liveKey, liveSince",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":deleting": {"S": "DELETING"}},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def _keys(self, **query: Any) -> Iterable[dict[str, Any]]:
        return self._table.query_all(ProjectionExpression="PK, SK", **query)

    def _delete_keys(self, keys: Iterable[tuple[Any, Any]]) -> None:
        batch: list[dict[str, object]] = []
        for pk, sk in keys:
            batch.append({"DeleteRequest": {"Key": {"PK": pk, "SK": sk}}})
            if len(batch) == 25:
                self._write(batch)
                batch = []
        if batch:
            self._write(batch)

    def _write(self, requests: list[dict[str, object]]) -> None:
        pending = {self._table.name: requests}
        while pending:
            out = self._table.client.batch_write_item(RequestItems=pending)
            pending = out.get("UnprocessedItems") or {}


def is_deleting(table: Table, sub: str) -> bool:
    raw = table.get(t.user_pk(sub), t.ACCOUNT_SK, consistent=True)
    return bool(raw and raw.get("status", {}).get("S") == "DELETING")
