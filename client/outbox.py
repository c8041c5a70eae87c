"""The local stack's outbox: the e-mails Cognito would have sent (codes and links), kept for reading.

The local AWS sends no mail; it stores each message its Cognito triggers produce and serves them at
`GET <custom.ugc.aws_endpoint_url>/_local/outbox` as a JSON list, newest last, optionally filtered
with `?username=` and `?email=`. A deployed stack has no such endpoint: its mail really goes out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from client.errors import ConfigError, TransportError

if TYPE_CHECKING:
    from client.outputs import AmplifyOutputs

OUTBOX_PATH = "/_local/outbox"
TIMEOUT_SECONDS = 10
_LINK = re.compile(r"https?://[^\s\"'<>]+")
_TAG = re.compile(r"<[^>]*>")
# Epoch numbers above this are milliseconds (it is the year 5138 in seconds).
_MILLISECONDS_FROM = 10**11


@dataclass(frozen=True)
class Mail:
    """One stored message, as the CustomMessage trigger (or Cognito's default text) produced it."""

    time: datetime
    to: str
    username: str | None
    trigger_source: str | None
    """Cognito's triggerSource: CustomMessage_SignUp, CustomMessage_ResendCode, CustomMessage_ForgotPassword..."""
    subject: str
    message: str
    """The body as sent: plain text or HTML."""
    code: str | None

    @property
    def link(self) -> str | None:
        """The first http(s) link in the body (the verification or reset link), entities decoded."""
        match = _LINK.search(self.message)
        return html.unescape(match.group()) if match else None

    @property
    def first_line(self) -> str:
        """The first line of text of the body, HTML tags removed."""
        text = html.unescape(_TAG.sub("\n", self.message))
        return next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")

    @classmethod
    def from_json(cls, raw: Any) -> Mail:
        if not isinstance(raw, Mapping):
            raise ValueError(f"an entry is not an object: {raw!r}")
        return cls(
            time=_parse_time(raw.get("time")),
            to=_text(raw, "to"),
            username=_optional_text(raw, "username"),
            trigger_source=_optional_text(raw, "triggerSource"),
            subject=_optional_text(raw, "subject") or "",
            message=_optional_text(raw, "message") or "",
            code=_code(raw.get("code")),
        )


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = _optional_text(raw, key)
    if value is None:
        raise ValueError(f"{key} is missing")
    return value


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, got {value!r}")
    return value


def _code(value: Any) -> str | None:
    # Codes are strings (a number would lose leading zeros), but a numeric one is still shown.
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, str | int):
        return str(value)
    raise ValueError(f"code must be a string, got {value!r}")


def _parse_time(value: Any) -> datetime:
    """ISO 8601 (zone optional, UTC assumed) or epoch seconds/milliseconds, as an aware UTC time."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value >= _MILLISECONDS_FROM else value
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        moment = datetime.fromisoformat(value.strip())
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ValueError(f"time must be ISO 8601 or epoch seconds, got {value!r}")


def outbox_url(outputs: AmplifyOutputs) -> str:
    endpoint = outputs.aws_endpoint_url
    if not endpoint:
        raise ConfigError(
            f"{outputs.source} describes a deployed stack (no custom.ugc.aws_endpoint_url): its e-mails "
            "are really sent, so read the code in the mailbox; the outbox exists only on the local stack"
        )
    return endpoint.rstrip("/") + OUTBOX_PATH


def local_outbox(outputs: AmplifyOutputs, username: str | None = None, email: str | None = None) -> list[Mail]:
    """The local stack's stored messages, newest last, for `username` and/or `email` if given."""
    import requests  # only this command needs it; keeps `ugc --help` light

    url = outbox_url(outputs)
    params = {key: value for key, value in (("username", username), ("email", email)) if value is not None}
    try:
        response = requests.get(url, params=params, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise TransportError(f"cannot reach the local AWS at {url} (is `ugc dev` running?): {exc}") from exc
    if response.status_code == 404:
        raise TransportError(f"{url}: not found; this local AWS keeps no outbox (is it an older `ugc dev`?)")
    if not response.ok:
        raise TransportError(f"{url}: HTTP {response.status_code}: {response.text.strip()[:200]}")
    try:
        body = response.json()
    except ValueError as exc:
        raise TransportError(f"{url}: did not return JSON: {exc}") from exc
    if not isinstance(body, list):
        raise TransportError(f"{url}: expected a JSON list of messages, got {type(body).__name__}")
    try:
        return [Mail.from_json(entry) for entry in body]
    except ValueError as exc:
        raise TransportError(f"{url}: unexpected message: {exc}") from exc


def latest_code(outputs: AmplifyOutputs, username: str) -> str | None:
    """The code in the newest message to `username` that carries one (None when there is none)."""
    return next((mail.code for mail in reversed(local_outbox(outputs, username=username)) if mail.code), None)
