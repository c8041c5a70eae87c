"""Chat and moderation: chat tokens by role, bans (stored, and enforced at once in IVS Chat),
message deletion, and what a viewer may see of a channel."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from core import table as t
from core.accounts import Accounts, Caller
from core.channels import Channels
from core.chat import DELETE, DISCONNECT, SEND, VIEW, Chat, ChatToken
from core.errors import Forbidden, NotFound, Unauthorized, ValidationError
from core.models import AccountItem, BanItem
from core.store import Table, error_code
from core.text import check_printable
from core.timefmt import now_iso

# IVS Chat limits token attributes to 1 KB in all.
MAX_ATTRIBUTE_CHARS = 256
# IVS Chat's DeleteMessage limits.
_MESSAGE_ID = re.compile(r"[a-zA-Z0-9]{12}")
MAX_REASON_CHARS = 256


@dataclass(frozen=True)
class ViewerRelation:
    following: bool
    banned: bool


class Moderation:
    def __init__(self, table: Table, accounts: Accounts, channels: Channels, chat: Callable[[], Chat]) -> None:
        self._table = table
        self._accounts = accounts
        self._channels = channels
        self._chat = chat

    def _room(self, owner: AccountItem) -> str:
        if not owner.chat_room_arn:
            raise NotFound("this channel has no chat room yet")
        return owner.chat_room_arn

    # --- tokens --------------------------------------------------------------------------------
    def chat_token(self, channel_id: str, viewer: Caller | None) -> ChatToken:
        """Anonymous: view. Signed in: view and send. Owner: also delete and disconnect. Banned: refused.
        The token's user id is the viewer's sub, the same id a ban disconnects."""
        owner = self._channels.by_channel_id(channel_id)
        if owner is None or not owner.ready:
            raise NotFound(f"no channel with id '{channel_id}'")
        room = self._room(owner)
        if viewer is None:
            return self._chat().token(room, f"anonymous-{uuid.uuid4().hex}", (VIEW,), {"displayName": "guest"})
        keys = [
            {"PK": {"S": t.user_pk(viewer.sub)}, "SK": {"S": t.ACCOUNT_SK}},
            {"PK": {"S": t.user_pk(owner.sub)}, "SK": {"S": t.ban_sk(viewer.sub)}},
        ]
        found = {item["SK"]["S"]: item for item in self._table.batch_get(keys)}
        if t.ban_sk(viewer.sub) in found:
            raise Forbidden("you are banned from this channel's chat")
        profile = AccountItem.from_item(found[t.ACCOUNT_SK]) if t.ACCOUNT_SK in found else None
        if profile is not None and profile.revoked:
            raise Unauthorized
        capabilities = (VIEW, SEND, DELETE, DISCONNECT) if viewer.sub == owner.sub else (VIEW, SEND)
        return self._chat().token(room, viewer.sub, capabilities, _attributes(viewer, profile))

    # --- bans ----------------------------------------------------------------------------------
    def ban(self, owner_sub: str, username: str) -> AccountItem:
        owner = self._accounts.require(owner_sub)
        target = self._accounts.by_username(username)
        if target is None:
            raise NotFound(f"no user named '{username}'")
        if target.sub == owner.sub:
            raise ValidationError("username", "you cannot ban yourself")
        ban = BanItem(owner_sub=owner.sub, banned_sub=target.sub, banned_username=target.username, banned_at=now_iso())
        self._table.client.put_item(TableName=self._table.name, Item=ban.to_item())
        # Cut the live connection now, by the user id chat tokens carry.
        self._chat().disconnect(self._room(owner), target.sub, "banned by the channel owner")
        return owner

    def unban(self, owner_sub: str, username: str) -> AccountItem:
        owner = self._accounts.require(owner_sub)
        banned = {b.banned_username.lower(): b for b in self.banned(owner_sub)}
        target = self._accounts.by_username(username)
        ban = banned.get(username.lower()) or (
            next((b for b in banned.values() if target and b.banned_sub == target.sub), None)
        )
        if ban is not None:
            self._table.client.delete_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(owner_sub)}, "SK": {"S": t.ban_sk(ban.banned_sub)}},
            )
        return owner

    def banned(self, owner_sub: str) -> list[BanItem]:
        items = self._table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :ban)",
            ExpressionAttributeValues={":pk": {"S": t.user_pk(owner_sub)}, ":ban": {"S": t.BAN_PREFIX}},
        )
        return sorted((BanItem.from_item(i) for i in items), key=lambda b: b.banned_at, reverse=True)

    def delete_message(self, owner_sub: str, message_id: str, reason: str | None) -> None:
        if not _MESSAGE_ID.fullmatch(message_id):
            raise ValidationError("messageId", "is not an IVS Chat message id (12 letters and digits)")
        if reason is not None and len(reason) > MAX_REASON_CHARS:
            raise ValidationError("reason", f"must be at most {MAX_REASON_CHARS} characters")
        if reason is not None:
            check_printable("reason", reason)
        owner = self._accounts.require(owner_sub)
        try:
            self._chat().delete_message(self._room(owner), message_id, reason)
        except ClientError as exc:
            if error_code(exc) == "ValidationException":
                raise ValidationError("messageId", "is not a message of your channel's chat") from exc
            raise

    # --- what a viewer sees --------------------------------------------------------------------
    def relations(
        self,
        viewer_sub: str,
        channels: list[tuple[str, str]],
        *,
        following: bool,
        banned: bool,
        active_viewer: bool = False,
    ) -> dict[str, ViewerRelation]:
        """Follow and ban state of one viewer for many (channel id, owner sub) pairs: one BatchGetItem
        per 50 channels (100 keys). `active_viewer` also reads the viewer's own account in that batch
        and refuses (Unauthorized) a deleted or disabled one."""
        keys = [{"PK": {"S": t.user_pk(viewer_sub)}, "SK": {"S": t.ACCOUNT_SK}}] if active_viewer else []
        for channel_id, owner_sub in channels:
            if following:
                keys.append({"PK": {"S": t.user_pk(viewer_sub)}, "SK": {"S": t.follow_sk(channel_id)}})
            if banned:
                keys.append({"PK": {"S": t.user_pk(owner_sub)}, "SK": {"S": t.ban_sk(viewer_sub)}})
        items = self._table.batch_get(keys) if keys else []
        if active_viewer and any(i["SK"]["S"] == t.ACCOUNT_SK and AccountItem.from_item(i).revoked for i in items):
            raise Unauthorized
        found = {(i["PK"]["S"], i["SK"]["S"]) for i in items}
        return {
            channel_id: ViewerRelation(
                following=(t.user_pk(viewer_sub), t.follow_sk(channel_id)) in found,
                banned=(t.user_pk(owner_sub), t.ban_sk(viewer_sub)) in found,
            )
            for channel_id, owner_sub in channels
        }


def _attributes(viewer: Caller, profile: AccountItem | None) -> dict[str, str]:
    values = {
        "displayName": profile.username if profile else viewer.username,
        "avatar": profile.avatar if profile else "",
        "color": profile.color if profile else "",
        "avatarUrl": (profile.avatar_url or "") if profile else "",
    }
    return {k: v[:MAX_ATTRIBUTE_CHARS] for k, v in values.items() if v}
