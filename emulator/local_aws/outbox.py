"""The local outbox: every e-mail the local Cognito would send, kept instead of sent.

There is no mail server on a laptop, so each message Cognito sends (verification and password-reset
codes, invitations), after the CustomMessage trigger shaped it, is stored here and logged to stderr
on one line: `[mail] to alice@example.com: your code is 123456 (CustomMessage_SignUp, "Subject")`.

Endpoint, on the local AWS's own address:

    GET /_local/outbox[?username=<name>][&email=<address>]

answers a JSON list, oldest first (newest last), of
`{"time", "to", "username", "triggerSource", "subject", "message", "code"}`: `time` is ISO 8601 UTC,
`message` the body as sent (HTML or text), `code` the code or temporary password it carries.
`username` and `email` filter case-insensitively (Cognito user names are case-insensitive in the
project's pool, and mailbox look-ups should not depend on how an address was typed).
`POST /moto-api/reset` empties it along with everything else.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulator.local_aws.messages import AwsResponse, HttpRequest
from emulator.local_aws.registry import HandlerContext, Registry
from emulator.local_aws.state import LocalState

OUTBOX_PATH = "outbox"


@dataclass(frozen=True)
class Mail:
    to: str
    username: str | None
    trigger_source: str | None
    subject: str
    message: str
    code: str | None
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "to": self.to,
            "username": self.username,
            "triggerSource": self.trigger_source,
            "subject": self.subject,
            "message": self.message,
            "code": self.code,
        }

    def summary(self) -> str:
        what = f"your code is {self.code}" if self.code else self.subject
        return f'[mail] to {self.to}: {what} ({self.trigger_source or "message"}, "{self.subject}")'


@dataclass
class Outbox:
    mails: list[Mail] = field(default_factory=list)

    def matching(self, username: str | None, email: str | None) -> list[Mail]:
        return [
            mail
            for mail in self.mails
            if (username is None or (mail.username or "").casefold() == username.casefold())
            and (email is None or mail.to.casefold() == email.casefold())
        ]


def send(state: LocalState, mail: Mail) -> None:
    """Keep `mail` and say so on stderr, where `ugc dev` users look for their codes."""
    with state.store(Outbox) as outbox:
        outbox.mails.append(mail)
    # One write per line so concurrent requests do not interleave their lines.
    sys.stderr.write(mail.summary() + "\n")
    sys.stderr.flush()


def list_mail(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(Outbox) as outbox:
        mails = outbox.matching(request.query_value("username"), request.query_value("email"))
    body = json.dumps([mail.to_json() for mail in mails]).encode()
    return AwsResponse(200, [("Content-Type", "application/json")], body)


def install(registry: Registry) -> None:
    registry.add_local(OUTBOX_PATH, list_mail)
