"""Who may have which name and e-mail: the sign-up rules, enforced in the Cognito PreSignUp trigger
(so calling Cognito directly cannot skip them) and again on rename.

Names and e-mails are reserved in the table with conditional writes, so two concurrent sign-ups can
never both take one. A reservation made at sign-up is pending until PostConfirmation; the cleanup job
frees pending ones whose user never confirmed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from core import table as t
from core.errors import ValidationError
from core.models import to_attributes
from core.settings import Settings
from core.store import Table, cancellation_codes
from core.text import check_printable
from core.timefmt import iso, now_iso

USERNAME_RULE = "must be 4-20 characters of a-z, 0-9, '.' and '_'"
_USERNAME = re.compile(r"[a-z0-9._]{4,20}")
# Operator-created accounts (AdminCreateUser) may be shorter (demo users such as "bob").
_ADMIN_USERNAME = re.compile(r"[a-z0-9._]{1,20}")
# Front-end routes a profile URL (/<username>) must not shadow; compared case-insensitively.
RESERVED_USERNAMES = frozenset({"health", "manager", "feed", "following", "settings", "login", "register", "reset"})
_EMAIL = re.compile(r"[^@\s]+@([^@\s]+)")
PENDING_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SignUp:
    username: str
    email: str


def check_username(username: str, *, operator: bool = False) -> None:
    lowered = username.lower()
    if not (_ADMIN_USERNAME if operator else _USERNAME).fullmatch(lowered):
        raise ValidationError("username", USERNAME_RULE)
    if lowered in RESERVED_USERNAMES:
        raise ValidationError("username", f"'{username}' is reserved")


def check_email(email: str, settings: Settings) -> None:
    match = _EMAIL.fullmatch(email.strip())
    if not match:
        raise ValidationError("email", "is not an e-mail address")
    check_printable("email", email)
    domain = match.group(1).lower()
    if settings.sign_up_allowed_domains and domain not in settings.sign_up_allowed_domains:
        raise ValidationError("email", f"sign-up is limited to {', '.join(settings.sign_up_allowed_domains)}")


class Users:
    def __init__(self, table: Table, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self._table = table
        self._settings = settings
        self._clock = clock

    def reserve_sign_up(self, sign_up: SignUp, *, operator: bool = False) -> None:
        """PreSignUp: check the rules and reserve the name and e-mail in one transaction. Retrying the
        same sign-up succeeds; any other claim on either fails with the rule that refused it."""
        check_username(sign_up.username, operator=operator)
        check_email(sign_up.email, self._settings)
        pending = {"pendingKey": t.PENDING_PARTITION, "pendingSince": now_iso()}
        values = {"username": sign_up.username, "email": sign_up.email.lower()}
        same_claim = "attribute_not_exists(PK) OR (attribute_not_exists(#sub) AND username = :u AND email = :e)"
        condition = {
            "ConditionExpression": same_claim,
            "ExpressionAttributeNames": {"#sub": "sub"},
            "ExpressionAttributeValues": {":u": {"S": sign_up.username}, ":e": {"S": sign_up.email.lower()}},
        }
        try:
            self._table.transact(
                [
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": to_attributes(
                                {"PK": t.username_pk(sign_up.username), "SK": t.USERNAME_SK, **values, **pending}
                            ),
                            **condition,
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": to_attributes(
                                {"PK": t.email_pk(sign_up.email), "SK": t.EMAIL_SK, **values, **pending}
                            ),
                            **condition,
                        }
                    },
                ]
            )
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise ValidationError("username", f"'{sign_up.username}' is taken") from exc
            if codes[1:2] == ["ConditionalCheckFailed"]:
                raise ValidationError("email", "is already registered") from exc
            if "TransactionConflict" in codes:
                raise ValidationError("email", "is being registered by another sign-up") from exc
            raise

    def confirm(self, username: str, email: str | None, sub: str) -> None:
        """PostConfirmation: the reservations now belong to this user for good."""
        for pk, sk in (
            (t.username_pk(username), t.USERNAME_SK),
            *(((t.email_pk(email), t.EMAIL_SK),) if email else ()),
        ):
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": pk}, "SK": {"S": sk}},
                UpdateExpression=(
                    "SET #sub = :sub, username = if_not_exists(username, :u) REMOVE pendingKey, pendingSince"
                ),
                ConditionExpression="attribute_not_exists(#sub) OR #sub = :sub",
                ExpressionAttributeNames={"#sub": "sub"},
                ExpressionAttributeValues={":sub": {"S": sub}, ":u": {"S": username}},
            )

    def reserve_rename(self, sub: str, new_username: str) -> None:
        """Take a new name for an existing user (changeUsername): same rules as sign-up."""
        check_username(new_username)
        try:
            self._table.client.put_item(
                TableName=self._table.name,
                Item=to_attributes(
                    {"PK": t.username_pk(new_username), "SK": t.USERNAME_SK, "username": new_username, "sub": sub}
                ),
                ConditionExpression="attribute_not_exists(PK) OR #sub = :sub",
                ExpressionAttributeNames={"#sub": "sub"},
                ExpressionAttributeValues={":sub": {"S": sub}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ValidationError("username", f"'{new_username}' is taken") from exc
            raise

    def release(self, usernames: list[str], email: str | None, sub: str | None = None) -> None:
        """Free reservations (account deletion, expired sign-ups); never another user's."""
        keys = [(t.username_pk(u), t.USERNAME_SK) for u in usernames] + (
            [(t.email_pk(email), t.EMAIL_SK)] if email else []
        )
        for pk, sk in keys:
            condition: dict[str, Any] = {
                "ConditionExpression": "attribute_not_exists(#sub)",
                "ExpressionAttributeNames": {"#sub": "sub"},
            }
            if sub:
                condition["ConditionExpression"] += " OR #sub = :sub"
                condition["ExpressionAttributeValues"] = {":sub": {"S": sub}}
            try:
                self._table.client.delete_item(
                    TableName=self._table.name, Key={"PK": {"S": pk}, "SK": {"S": sk}}, **condition
                )
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise

    def expired_pending(self) -> list[tuple[str, str | None]]:
        """(username, e-mail) of sign-up reservations pending for more than 24 h."""
        cutoff = _iso_ago(self._clock(), PENDING_TTL_SECONDS)
        found: dict[str, str | None] = {}
        for item in self._table.query_all(
            IndexName=t.PENDING.name,
            KeyConditionExpression="pendingKey = :p AND pendingSince < :cutoff",
            ExpressionAttributeValues={":p": {"S": t.PENDING_PARTITION}, ":cutoff": {"S": cutoff}},
        ):
            username = item.get("username", {}).get("S")
            if username:
                found.setdefault(username, item.get("email", {}).get("S"))
        return list(found.items())


def _iso_ago(now: float, seconds: int) -> str:
    return iso(datetime.fromtimestamp(now - seconds, UTC))
