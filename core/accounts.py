"""Accounts: provisioning (idempotent under retries and concurrency) and preferences."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from core import table as t
from core.errors import Conflict, NotProvisioned, ValidationError
from core.ivs import Ivs
from core.models import AccountItem, to_attributes
from core.presets import AVATARS, COLORS
from core.settings import LatencyMode, Settings
from core.store import Table, cancellation_codes, error_code
from core.timefmt import now_iso

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
        ivs: Callable[[], Ivs],
        settings: Settings,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._ivs = ivs
        self._settings = settings
        self._clock = clock
        self._sleep = sleep

    # --- reads -------------------------------------------------------------------------------
    def get(self, sub: str, *, consistent: bool = False) -> AccountItem | None:
        """The caller's account once provisioned, else None."""
        raw = self._table.get(t.user_pk(sub), t.ACCOUNT_SK, consistent=consistent)
        item = AccountItem.from_item(raw) if raw else None
        return item if item and item.ready else None

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
                return existing
            lease = self._acquire_lease(caller)
            if lease:
                return self._provision(caller, lease)
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

    def _provision(self, caller: Caller, lease: str) -> AccountItem:
        ivs = self._ivs()
        name = self.channel_name(caller.sub)
        tags = {"project": self._settings.project_tag, "stage": self._settings.stage, "ownerSub": caller.sub}
        channel = ivs.find_channel(name)
        if channel is None:
            channel, key = ivs.create_channel(name, self._settings.ivs_channel_type.value, LatencyMode.LOW.value, tags)
        else:
            key = ivs.stream_key(channel.arn)
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
        )
        try:
            self._table.transact(
                [
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": ready.to_item(),
                            "ConditionExpression": "leaseId = :lease",
                            "ExpressionAttributeValues": {":lease": {"S": lease}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": to_attributes(
                                {"PK": t.username_pk(caller.username), "SK": t.USERNAME_SK, "sub": caller.sub}
                            ),
                            "ConditionExpression": "attribute_not_exists(PK) OR #sub = :sub",
                            "ExpressionAttributeNames": {"#sub": "sub"},
                            "ExpressionAttributeValues": {":sub": {"S": caller.sub}},
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
                # Our lease expired and another attempt took over; it adopts the same channel.
                winner = self.get(caller.sub, consistent=True)
                if winner:
                    return winner
                raise Conflict("provisioning of this account is in progress; try again shortly") from exc
            raise
        return ready

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
        names = {f"#{k}": k for k in changes}
        values = {f":{k}": v for k, v in to_attributes(changes).items()}
        try:
            out = self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(sub)}, "SK": {"S": t.ACCOUNT_SK}},
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in changes),
                ConditionExpression="#status = :ready",
                ExpressionAttributeNames={**names, "#status": "status"},
                ExpressionAttributeValues={**values, ":ready": {"S": "READY"}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise NotProvisioned from exc
            raise
        return AccountItem.from_item(out["Attributes"])
