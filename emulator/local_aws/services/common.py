"""Small helpers the local services share: times, random ids and offset page tokens."""

from __future__ import annotations

import base64
import secrets
import string
from datetime import UTC, datetime

ALPHANUMERIC = string.ascii_letters + string.digits


class InvalidPageToken(ValueError):
    """A nextToken this service did not issue; each service answers with its own error shape."""


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def random_id(length: int) -> str:
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def page_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
    except ValueError as exc:
        raise InvalidPageToken(token) from exc
    if kind != "offset" or not value.isdigit():
        raise InvalidPageToken(token)
    return int(value)
