"""Stream actions (overlays): validated on the server, sent to viewers as IVS timed metadata in a
compact encoding within IVS's 1 KB, and stored (one active action per channel, with its expiry) so
dashboards and late joiners see the overlay that is on."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from core import table as t
from core.accounts import Accounts
from core.errors import Conflict, DomainError, NotFound, ValidationError
from core.models import AccountItem, from_attributes, to_attributes
from core.store import Table, error_code
from core.text import check_printable
from core.timefmt import iso

METADATA_LIMIT_BYTES = 1024
MAX_PRESETS = 20
# IVS allows 5 PutMetadata calls per second per channel: retry a throttled send a few times.
RETRY_DELAYS = (0.2, 0.4, 0.8)
CELEBRATION_SECONDS = 10
TYPENAMES = {
    "QUIZ": "QuizAction",
    "PRODUCT": "ProductAction",
    "AMAZON_PRODUCT": "AmazonProductAction",
    "NOTICE": "NoticeAction",
    "CELEBRATION": "CelebrationAction",
}
_INPUT_KEYS = {"quiz": "QUIZ", "product": "PRODUCT", "amazonProduct": "AMAZON_PRODUCT", "notice": "NOTICE",
               "celebration": "CELEBRATION"}  # fmt: skip


class ChannelNotLive(DomainError):
    def __init__(self) -> None:
        super().__init__("the channel is not live: overlays are sent with the stream")


class StreamActionThrottled(DomainError):
    def __init__(self) -> None:
        super().__init__("too many overlays sent in a second (IVS allows 5): try again in a moment")


def _text(field: str, value: Any, longest: int, *, shortest: int = 1) -> str:
    if not isinstance(value, str) or not shortest <= len(value.strip()) <= longest:
        raise ValidationError(field, f"must be {shortest}-{longest} characters")
    return check_printable(field, value.strip())


def _seconds(field: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(field, f"must be {low}-{high} seconds")
    return value


def _https(field: str, value: Any, longest: int = 256) -> str:
    url = _text(field, value, longest)
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValidationError(field, "must be an https URL")
    return url


def validate(action: Mapping[str, Any], *, amazon_enabled: bool) -> tuple[str, dict[str, Any]]:
    """(type, payload) of the one overlay the input describes; refusals name the field."""
    given = [key for key in _INPUT_KEYS if action.get(key) not in (None, False)]
    if len(given) != 1:
        raise ValidationError("input", "give exactly one of quiz, product, amazonProduct, notice, celebration")
    key = given[0]
    kind, value = _INPUT_KEYS[key], action[key]
    if kind == "QUIZ":
        answers = [a.strip() for a in value.get("answers") or [] if isinstance(a, str) and a.strip()]
        if not 3 <= len(answers) <= 5:
            raise ValidationError("input.quiz.answers", "give 3-5 answers")
        for i, answer in enumerate(answers):
            _text(f"input.quiz.answers[{i}]", answer, 128)
        if len({a.lower() for a in answers}) != len(answers):
            raise ValidationError("input.quiz.answers", "must be different from each other")
        correct = value.get("correctAnswerIndex")
        if not isinstance(correct, int) or not 0 <= correct < len(answers):
            raise ValidationError("input.quiz.correctAnswerIndex", f"must be 0-{len(answers) - 1}")
        return kind, {
            "question": _text("input.quiz.question", value.get("question"), 256),
            "answers": answers,
            "correctAnswerIndex": correct,
            "duration": _seconds("input.quiz.duration", value.get("duration", 15), 5, 30),
        }
    if kind == "PRODUCT":
        return kind, {
            "title": _text("input.product.title", value.get("title"), 32),
            "price": _text("input.product.price", value.get("price"), 10),
            "imageUrl": _https("input.product.imageUrl", value.get("imageUrl")),
            "description": _text("input.product.description", value.get("description", ""), 256, shortest=0),
        }
    if kind == "NOTICE":
        return kind, {
            "title": _text("input.notice.title", value.get("title"), 24),
            "message": _text("input.notice.message", value.get("message"), 256),
            "duration": _seconds("input.notice.duration", value.get("duration", 15), 5, 30),
        }
    if kind == "CELEBRATION":
        return kind, {"duration": CELEBRATION_SECONDS}
    if not amazon_enabled:
        raise ValidationError("input.amazonProduct", "the Amazon product overlay is not enabled on this stack")
    return kind, {
        "asin": _text("input.amazonProduct.asin", value.get("asin"), 20),
        "title": _text("input.amazonProduct.title", value.get("title"), 256),
        "price": value.get("price") and _text("input.amazonProduct.price", value.get("price"), 32),
        "imageUrl": value.get("imageUrl") and _https("input.amazonProduct.imageUrl", value.get("imageUrl"), 1024),
        "productUrl": _https("input.amazonProduct.productUrl", value.get("productUrl"), 1024),
    }


@dataclass(frozen=True)
class Action:
    id: str
    channel_id: str
    type: str
    started_at: str
    expires_at: str | None
    payload: dict[str, Any]

    def is_active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > iso(now)

    def json(self, now: datetime, *, stopped: bool = False) -> dict[str, Any]:
        return {
            "id": self.id,
            "channelId": self.channel_id,
            "type": self.type,
            "startedAt": self.started_at,
            "expiresAt": self.expires_at,
            "isActive": not stopped and self.is_active(now),
            "payload": {"__typename": TYPENAMES[self.type], **self.payload},
        }

    def stored(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "startedAt": self.started_at, "expiresAt": self.expires_at,
                "payload": self.payload}  # fmt: skip

    @staticmethod
    def from_stored(channel_id: str, raw: Mapping[str, Any]) -> Action:
        return Action(str(raw["id"]), channel_id, str(raw["type"]), str(raw["startedAt"]), raw.get("expiresAt"),
                      dict(raw["payload"]))  # fmt: skip


# Cue keys are one letter so that every overlay the field limits allow fits IVS's 1 KB in ASCII
# (the largest quiz is ~960 bytes); players expand them with this same table.
CUE_KEYS = {
    "question": "q",
    "answers": "a",
    "correctAnswerIndex": "c",
    "duration": "d",
    "title": "t",
    "price": "p",
    "imageUrl": "i",
    "description": "s",
    "message": "m",
    "asin": "n",
    "productUrl": "u",
}


def encode(action: Action | None, stop_id: str | None = None) -> str:
    """The timed-metadata cue viewers' players receive: compact JSON (a stop cue names the action)."""
    if action is None:
        return json.dumps({"v": 1, "stop": stop_id}, separators=(",", ":"))
    expires = (
        int(datetime.fromisoformat(action.expires_at.replace("Z", "+00:00")).timestamp()) if action.expires_at else None
    )
    payload = {CUE_KEYS[k]: v for k, v in action.payload.items() if v is not None}
    cue = {"v": 1, "id": action.id, "k": action.type, "x": expires, "o": payload}
    return json.dumps(cue, separators=(",", ":"), ensure_ascii=False)


class StreamActions:
    def __init__(
        self,
        table: Table,
        accounts: Accounts,
        ivs: Callable[[], Any],
        amazon_enabled: bool,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._accounts = accounts
        self._ivs = ivs
        self._amazon = amazon_enabled
        self._clock = clock
        self._sleep = sleep

    def send(self, owner_sub: str, action_input: Mapping[str, Any]) -> Action:
        kind, payload = validate(action_input, amazon_enabled=self._amazon)
        owner = self._accounts.require(owner_sub)
        if not owner.live_since or not owner.channel_arn or not owner.channel_id:
            raise ChannelNotLive
        now = self._clock()
        duration = payload.get("duration")
        action = Action(
            id=uuid.uuid4().hex[:16],
            channel_id=owner.channel_id,
            type=kind,
            started_at=iso(now),
            expires_at=iso(now + timedelta(seconds=duration)) if duration else None,
            payload=payload,
        )
        cue = encode(action)
        size = len(cue.encode())
        if size > METADATA_LIMIT_BYTES:
            raise ValidationError("input", f"the overlay is {size} bytes encoded; IVS timed metadata holds 1024")
        self._put_metadata(owner.channel_arn, cue)
        self._set_active(owner, action)
        return action

    def stop(self, owner_sub: str) -> Action | None:
        owner = self._accounts.require(owner_sub)
        active = self.active_of(owner)
        if active is None or not active.is_active(self._clock()):
            return None
        if owner.channel_arn and owner.live_since:
            self._put_metadata(owner.channel_arn, encode(None, active.id))
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(owner.sub)}, "SK": {"S": t.ACCOUNT_SK}},
                UpdateExpression="REMOVE activeAction",
                ConditionExpression="activeAction.id = :id",
                ExpressionAttributeValues={":id": {"S": active.id}},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return None  # replaced or stopped concurrently
        return active

    def active_of(self, account: AccountItem) -> Action | None:
        raw = self._table.get(t.user_pk(account.sub), t.ACCOUNT_SK)
        stored = from_attributes(raw).get("activeAction") if raw else None
        if not stored or not account.channel_id:
            return None
        return Action.from_stored(account.channel_id, stored)

    def _set_active(self, owner: AccountItem, action: Action) -> None:
        self._table.client.update_item(
            TableName=self._table.name,
            Key={"PK": {"S": t.user_pk(owner.sub)}, "SK": {"S": t.ACCOUNT_SK}},
            UpdateExpression="SET activeAction = :a",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":a": to_attributes({"a": action.stored()})["a"]},
        )

    def _put_metadata(self, channel_arn: str, metadata: str) -> None:
        client = self._ivs()
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                client.put_metadata(channelArn=channel_arn, metadata=metadata)
                return
            except ClientError as exc:
                code = error_code(exc)
                if code == "ChannelNotBroadcasting":
                    raise ChannelNotLive from exc
                if code == "ValidationException":
                    raise ValidationError("input", str(exc.response["Error"].get("Message", "refused by IVS"))) from exc
                if code != "ThrottlingException":
                    raise
                if attempt == len(RETRY_DELAYS):
                    raise StreamActionThrottled from exc
                self._sleep(RETRY_DELAYS[attempt])

    # --- presets -------------------------------------------------------------------------------
    def save_preset(self, owner_sub: str, name: str, action_input: Mapping[str, Any]) -> AccountItem:
        kind, payload = validate(action_input, amazon_enabled=self._amazon)
        label = _text("input.name", name, 40)
        owner = self._accounts.require(owner_sub)
        if len(self.presets(owner_sub)) >= MAX_PRESETS:
            raise Conflict(f"at most {MAX_PRESETS} presets: delete one first")
        item = {"PK": t.user_pk(owner_sub), "SK": f"PRESET#{uuid.uuid4().hex}", "name": label, "type": kind,
                "payload": payload, "savedAt": iso(self._clock())}  # fmt: skip
        self._table.client.put_item(TableName=self._table.name, Item=to_attributes(item))
        return owner

    def delete_preset(self, owner_sub: str, preset_id: str) -> AccountItem:
        owner = self._accounts.require(owner_sub)
        try:
            self._table.client.delete_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(owner_sub)}, "SK": {"S": f"PRESET#{preset_id}"}},
                ConditionExpression="attribute_exists(PK)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise NotFound(f"no preset '{preset_id}'") from exc
            raise
        return owner

    def presets(self, owner_sub: str) -> list[dict[str, Any]]:
        items = self._table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
            ExpressionAttributeValues={":pk": {"S": t.user_pk(owner_sub)}, ":p": {"S": "PRESET#"}},
        )
        presets = [from_attributes(i) for i in items]
        return [
            {
                "id": p["SK"].removeprefix("PRESET#"),
                "name": p["name"],
                "type": p["type"],
                "payload": {"__typename": TYPENAMES[p["type"]], **p["payload"]},
                "savedAt": p["savedAt"],
            }
            for p in sorted(presets, key=lambda p: p["savedAt"], reverse=True)
        ]
