"""Accounts: provisioning (idempotent under retries and concurrency) and preferences."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from core import table as t
from core.chat import Chat
from core.cognito import Cognito
from core.errors import Conflict, NotFound, NotProvisioned, Unauthorized, ValidationError
from core.ivs import IvsAdmin
from core.models import AccountItem, to_attributes
from core.presets import AVATARS, COLORS
from core.settings import ChannelType, LatencyMode, Settings
from core.store import Table, cancellation_codes, error_code
from core.timefmt import now_iso
from core.users import Users

# How long a provisioning attempt owns the account before another caller may take over: longer than
# the function's timeout, so a live attempt is never overtaken.
LEASE_SECONDS = 30
# How long a concurrent caller waits for the lease holder before answering "try again": well inside
# the function's timeout (infra.definitions.FUNCTIONS), so the caller gets an answer, not a timeout.
WAIT_SECONDS = 6.0


@dataclass(frozen=True)
class Caller:
    """The signed-in user, from the Cognito identity AppSync passes to the resolver."""

    sub: str
    username: str
    email: str | None = None


class Accounts:
    def __init__(
        self,
        table: Table,
        ivs: Callable[[], IvsAdmin],
        settings: Settings,
        chat: Callable[[], Chat],
        users: Users,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._ivs = ivs
        self._settings = settings
        self._chat = chat
        self._users = users
        self._clock = clock
        self._sleep = sleep

    # --- reads -------------------------------------------------------------------------------
    def get(self, sub: str, *, consistent: bool = False) -> AccountItem | None:
        """The caller's account once provisioned, else None. Unauthorized when the account is deleted,
        being deleted or disabled: the caller holds a token that outlived its account."""
        raw = self._table.get(t.user_pk(sub), t.ACCOUNT_SK, consistent=consistent)
        item = AccountItem.from_item(raw) if raw else None
        if item and item.revoked:
            raise Unauthorized
        return item if item and item.ready else None

    def check_active(self, sub: str) -> None:
        """Refuse a caller whose account is deleted, being deleted or disabled (one GetItem), for the
        paths that do not read the caller's account anyway."""
        self.get(sub)

    def by_username(self, username: str) -> AccountItem | None:
        """Case-insensitive lookup of a provisioned account; unknown or malformed names give None."""
        if not 1 <= len(username) <= 128:
            return None
        items, _ = self._table.query(
            IndexName=t.BY_USERNAME.name,
            KeyConditionExpression="usernameKey = :u",
            ExpressionAttributeValues={":u": {"S": username.lower()}},
            Limit=1,
        )
        return AccountItem.from_item(items[0]) if items else None

    def require(self, sub: str) -> AccountItem:
        account = self.get(sub)
        if account is None:
            raise NotProvisioned
        return account

    # --- provisioning ------------------------------------------------------------------------
    def channel_name(self, sub: str) -> str:
        # Deterministic, so an attempt that takes over an expired lease adopts the channel an
        # interrupted attempt created instead of leaving it orphaned.
        return f"{self._settings.project_tag}-{self._settings.stage}-{sub}"[:128]

    def create_resources(self, caller: Caller) -> AccountItem:
        """Provision the caller's IVS channel and records. Calling it again, or concurrently, gives the
        same single channel: one caller holds a lease while it works, the others wait for it."""
        deadline = self._clock() + WAIT_SECONDS
        while True:
            existing = self.get(caller.sub, consistent=True)
            if existing:
                return self._ensure_room(existing)
            lease = self._acquire_lease(caller)
            if lease:
                account = self._provision(caller, lease)
                self._users.confirm(caller.username, caller.email, caller.sub)
                return account
            if self._clock() >= deadline:
                raise Conflict("provisioning of this account is in progress; try again shortly")
            self._sleep(0.2)

    def _acquire_lease(self, caller: Caller) -> str | None:
        lease = uuid.uuid4().hex
        now = int(self._clock())
        item = AccountItem(
            sub=caller.sub,
            username=caller.username,
            email=caller.email,
            status="PROVISIONING",
            lease_id=lease,
            lease_expires=now + LEASE_SECONDS,
            channel_type=self._settings.ivs_channel_type,
            created_at=now_iso(),
        )
        try:
            self._table.client.put_item(
                TableName=self._table.name,
                Item=item.to_item(),
                ConditionExpression="attribute_not_exists(PK) OR (#s = :prov AND leaseExpires < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":prov": {"S": "PROVISIONING"}, ":now": {"N": str(now)}},
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return lease

    def resource_tags(self, owner_sub: str) -> dict[str, str]:
        """The tags of every IVS and IVS Chat resource made for a user: teardown finds a stage's by them."""
        return {"project": self._settings.project_tag, "stage": self._settings.stage, "ownerSub": owner_sub}

    def _provision(self, caller: Caller, lease: str) -> AccountItem:
        ivs = self._ivs()
        name = self.channel_name(caller.sub)
        tags = self.resource_tags(caller.sub)
        channel = ivs.find_channel(name)
        if channel is None:
            channel, key = ivs.create_channel(
                name,
                self._settings.ivs_channel_type.value,
                LatencyMode.LOW.value,
                tags,
                recording_configuration_arn=self._settings.recording_configuration_arn,
                playback_restriction_policy_arn=self._settings.playback_restriction_policy_arn,
            )
        else:
            key = ivs.stream_key(channel.arn, tags)
        chat = self._chat()
        room = chat.find_room(name) or chat.create_room(name, tags)
        ready = AccountItem(
            sub=caller.sub,
            username=caller.username,
            email=caller.email,
            status="READY",
            channel_id=channel.channel_id,
            channel_arn=channel.arn,
            ingest_endpoint=channel.ingest_endpoint,
            playback_url=channel.playback_url,
            stream_key_arn=key.arn,
            stream_key_value=key.value,
            channel_type=self._settings.ivs_channel_type,
            latency_mode=LatencyMode.LOW,
            created_at=now_iso(),
            chat_room_arn=room,
            reserved_names=(caller.username,),
        )
        try:
            self._table.transact(
                [
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": ready.to_item(),
                            # A deleteAccount that started meanwhile marked the item DELETING: never undo it.
                            "ConditionExpression": "leaseId = :lease AND #status = :prov",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {":lease": {"S": lease}, ":prov": {"S": "PROVISIONING"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": to_attributes(
                                {
                                    "PK": t.username_pk(caller.username),
                                    "SK": t.USERNAME_SK,
                                    "sub": caller.sub,
                                    "username": caller.username,
                                }
                            ),
                            # Free, ours, or reserved for this very name by PreSignUp before we had a sub.
                            "ConditionExpression": "attribute_not_exists(PK) OR #sub = :sub"
                            " OR (attribute_not_exists(#sub) AND username = :u)",
                            "ExpressionAttributeNames": {"#sub": "sub"},
                            "ExpressionAttributeValues": {":sub": {"S": caller.sub}, ":u": {"S": caller.username}},
                        }
                    },
                ]
            )
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if len(codes) == 2 and codes[1] == "ConditionalCheckFailed":
                self._release(caller.sub, lease)
                raise Conflict(f"the username '{caller.username}' belongs to another account") from exc
            if codes and codes[0] == "ConditionalCheckFailed":
                # Our lease expired and another attempt took over (it adopts the same channel), or the
                # account is being deleted (get refuses it).
                winner = self.get(caller.sub, consistent=True)
                if winner:
                    return winner
                raise Conflict("provisioning of this account is in progress; try again shortly") from exc
            raise
        return ready

    def _ensure_room(self, account: AccountItem) -> AccountItem:
        """Accounts provisioned before chat existed get their room on the next createResources."""
        if account.chat_room_arn:
            return account
        name = self.channel_name(account.sub)
        chat = self._chat()
        tags = {"project": self._settings.project_tag, "stage": self._settings.stage, "ownerSub": account.sub}
        room = chat.find_room(name) or chat.create_room(name, tags)
        return self._set(account.sub, {"chatRoomArn": room})

    def _set(self, sub: str, changes: dict[str, Any], remove: tuple[str, ...] = ()) -> AccountItem:
        """Update a provisioned account; refused (NotProvisioned) if it is not READY."""
        names = {f"#{k}": k for k in changes} | {f"#{k}": k for k in remove} | {"#status": "status"}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in changes)
        if remove:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in remove)
        try:
            out = self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ACCOUNT_SK}},
                UpdateExpression=expression,
                ConditionExpression="#status = :ready",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    **{f":{k}": v for k, v in to_attributes(changes).items()},
                    ":ready": {"S": "READY"},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                self.get(sub, consistent=True)  # Unauthorized when deleted or disabled
                raise NotProvisioned from exc
            raise
        return AccountItem.from_item(out["Attributes"])

    # --- operators ---------------------------------------------------------------------------
    def _held_by(self, username: str) -> AccountItem:
        """The account that holds (or held, before a rename) this name, whatever its state."""
        reservation = self._table.get(t.username_pk(username), t.USERNAME_SK, consistent=True)
        sub = reservation.get("sub", {}).get("S") if reservation else None
        raw = self._table.get(t.user_pk(sub), t.ACCOUNT_SK, consistent=True) if sub else None
        if raw is None:
            raise NotFound(f"no account named '{username}'")
        return AccountItem.from_item(raw)

    def disable(self, username: str, cognito: Cognito) -> bool:
        """Refuse the account's tokens at once (DISABLED), hide its channel, disable its sign-in and revoke
        its refresh tokens, stop its stream and replace its stream key (IVS has no way to disable one).
        Calling it again redoes the later steps, so a failed run can be finished; False if it was
        already disabled."""
        account = self._held_by(username)
        if account.status not in ("READY", "DISABLED"):
            raise Conflict(f"'{username}' is {account.status.lower()}; only a provisioned account can be disabled")
        changed = account.status == "READY"
        if changed:
            self._transition(account.sub, "READY", "DISABLED", remove=("usernameKey", "liveKey"))
        cognito_name = cognito.username_of(account.sub)
        if cognito_name:
            cognito.set_enabled(cognito_name, enabled=False)
        if account.channel_arn:
            ivs = self._ivs()
            ivs.stop_stream(account.channel_arn)
            key = ivs.replace_stream_key(account.channel_arn, self.resource_tags(account.sub))
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(account.sub)}, "SK": {"S": t.ACCOUNT_SK}},
                UpdateExpression="SET streamKeyArn = :arn, streamKeyValue = :value",
                ExpressionAttributeValues={":arn": {"S": key.arn}, ":value": {"S": key.value}},
            )
        return changed

    def enable(self, username: str, cognito: Cognito) -> bool:
        """Undo `disable`: sign-in and tokens work again and the channel is listed. False if not disabled."""
        account = self._held_by(username)
        if account.status != "DISABLED":
            return False
        cognito_name = cognito.username_of(account.sub)
        if cognito_name:
            cognito.set_enabled(cognito_name, enabled=True)
        self._transition(account.sub, "DISABLED", "READY", username_key=account.username.lower())
        return True

    def _transition(
        self, sub: str, before: str, after: str, *, username_key: str | None = None, remove: tuple[str, ...] = ()
    ) -> None:
        """Move the account from one status to another, listing it by name again or unlisting it."""
        expression = "SET #status = :after" + (", usernameKey = :key" if username_key else "")
        if remove:
            expression += " REMOVE " + ", ".join(remove)
        values = {":before": {"S": before}, ":after": {"S": after}}
        if username_key:
            values[":key"] = {"S": username_key}
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ACCOUNT_SK}},
                UpdateExpression=expression,
                ConditionExpression="#status = :before",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise Conflict("the account changed meanwhile; try again") from exc
            raise

    # --- settings ------------------------------------------------------------------------------
    def change_username(self, caller: Caller, new_name: str, cognito: Cognito) -> AccountItem:
        """Same rules as sign-up, unique; afterwards the user signs in with the new name (an alias).
        Every name the account held stays reserved until it is deleted."""
        account = self.require(caller.sub)
        if new_name == account.username:
            return account
        self._users.reserve_rename(caller.sub, new_name)
        try:
            cognito.set_preferred_username(caller.username, new_name)
        except Exception:
            if new_name.lower() not in {n.lower() for n in account.reserved_names}:
                self._users.release([new_name], None, caller.sub)
            raise
        names = tuple(dict.fromkeys((*account.reserved_names, account.username, new_name)))
        return self._set(
            caller.sub, {"username": new_name, "usernameKey": new_name.lower(), "reservedNames": list(names)}
        )

    def reset_stream_key(self, sub: str) -> AccountItem:
        account = self.require(sub)
        assert account.channel_arn is not None
        ivs = self._ivs()
        ivs.stop_stream(account.channel_arn)
        key = ivs.replace_stream_key(account.channel_arn, self.resource_tags(account.sub))
        return self._set(sub, {"streamKeyArn": key.arn, "streamKeyValue": key.value})

    def update_configuration(
        self, sub: str, channel_type: str | None, latency_mode: str | None, is_private: bool | None
    ) -> AccountItem:
        if channel_type is None and latency_mode is None and is_private is None:
            raise ValidationError("input", "give at least one of type, latencyMode or isPrivate")
        account = self.require(sub)
        assert account.channel_arn is not None
        new_type = ChannelType(channel_type) if channel_type else account.channel_type
        new_latency = LatencyMode(latency_mode) if latency_mode else account.latency_mode
        private = account.is_private if is_private is None else is_private
        self._ivs().update_channel(account.channel_arn, new_type.value, new_latency.value, private)
        return self._set(sub, {"channelType": new_type.value, "latencyMode": new_latency.value, "isPrivate": private})

    def record_upload(self, sub: str, kind: str, url: str, sequencer: str) -> bool:
        """An uploaded avatar/banner landed: use it unless a newer upload already did (S3 events can
        arrive out of order). False when ignored."""
        field = {"avatar": "avatar", "banner": "banner"}[kind]
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ACCOUNT_SK}},
                UpdateExpression="SET #url = :url, #seq = :seq",
                ConditionExpression="#status = :ready AND (attribute_not_exists(#seq) OR #seq < :seq)",
                ExpressionAttributeNames={"#url": f"{field}Url", "#seq": f"{field}Sequencer", "#status": "status"},
                ExpressionAttributeValues={
                    ":url": {"S": url},
                    ":seq": {"S": sequencer.upper().rjust(32, "0")},
                    ":ready": {"S": "READY"},
                },
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _release(self, sub: str, lease: str) -> None:
        try:
            self._table.client.delete_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ACCOUNT_SK}},
                ConditionExpression="leaseId = :lease",
                ExpressionAttributeValues={":lease": {"S": lease}},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    # --- preferences -------------------------------------------------------------------------
    def update_preferences(self, sub: str, color: str | None, avatar: str | None) -> AccountItem:
        changes: dict[str, Any] = {}
        if color is not None:
            if color not in COLORS:
                raise ValidationError("input.color", f"unknown color '{color}'; use one of {', '.join(COLORS)}")
            changes["color"] = color
        if avatar is not None:
            if avatar not in AVATARS:
                raise ValidationError("input.avatar", f"unknown avatar '{avatar}'; use one of {', '.join(AVATARS)}")
            changes["avatar"] = avatar
        if not changes:
            raise ValidationError("input", "give at least one of color or avatar")
        return self._set(sub, changes)
