"""Typed table items and their DynamoDB representation.

Plain dataclasses with explicit conversion: items are read on every request, and pydantic's import
cost does not fit the cold-start budget (docs/decisions.md). Conversion is strict: an item that does
not match its type fails loudly instead of flowing on half-read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any, ClassVar, Literal, Self

from core import table
from core.attributes import deserialize, serialize
from core.presets import DEFAULT_AVATAR, DEFAULT_COLOR
from core.settings import ChannelType, LatencyMode


def to_attributes(values: dict[str, Any]) -> dict[str, Any]:
    return {k: serialize(v) for k, v in values.items() if v is not None}


def from_attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {k: deserialize(v) for k, v in item.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class ItemError(ValueError):
    """A stored item does not have the shape its type requires."""


@dataclass(frozen=True)
class Item(ABC):
    # Fields whose stored values are converted on read (numbers arrive as Decimal, enums as str).
    _converters: ClassVar[dict[str, Any]] = {}

    @abstractmethod
    def keys(self) -> dict[str, str]:
        """The table and index key attributes of this item."""

    def attributes(self) -> dict[str, Any]:
        """Field values under their stored (camelCase) names."""
        values = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, ChannelType | LatencyMode):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value) if value else None  # DynamoDB stores lists; an empty one is left out
            values[_camel(f.name)] = value
        return values

    def to_item(self) -> dict[str, Any]:
        return to_attributes({**self.attributes(), **self.keys()})

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Self:
        return cls.from_values(from_attributes(item))

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Self:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            key = _camel(f.name)
            if key not in values:
                continue
            value = values[key]
            convert = cls._converters.get(f.name)
            try:
                kwargs[f.name] = convert(value) if convert and value is not None else value
            except (ValueError, TypeError) as exc:
                raise ItemError(f"{cls.__name__}.{key}: {value!r} is not valid") from exc
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ItemError(f"{cls.__name__}: {exc}") from exc

    def evolve(self, **changes: Any) -> Self:
        return replace(self, **changes)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or int(value) != value:
        raise ValueError(value)
    return int(value)


# Account states whose tokens are refused: a token outlives its account by up to its validity.
REVOKED_STATUSES = ("DELETING", "DELETED", "DISABLED")


@dataclass(frozen=True)
class AccountItem(Item):
    """One per user: the profile, its IVS channel and its live state."""

    sub: str
    username: str
    created_at: str
    email: str | None = None
    avatar: str = DEFAULT_AVATAR
    color: str = DEFAULT_COLOR
    # DELETING while deleteAccount runs; DELETED is the tombstone it leaves (core.deletion); DISABLED by an
    # operator. Tokens issued before any of these are refused (`revoked`).
    status: Literal["PROVISIONING", "READY", "DELETING", "DELETED", "DISABLED"] = "PROVISIONING"
    lease_id: str | None = None
    lease_expires: int | None = None
    channel_id: str | None = None
    channel_arn: str | None = None
    ingest_endpoint: str | None = None
    playback_url: str | None = None
    stream_key_arn: str | None = None
    stream_key_value: str | None = None
    channel_type: ChannelType = ChannelType.BASIC
    latency_mode: LatencyMode = LatencyMode.LOW
    is_private: bool = False
    follower_count: int = 0
    live_since: str | None = None
    # The key prefix of the live broadcast's recording (stages with `recording`): where its latest thumbnail is.
    live_recording_prefix: str | None = None
    # Goes up by one with every live-state change; `following` re-ranking orders itself by it (core/ranking.py).
    rank_version: int = 0
    avatar_url: str | None = None
    banner_url: str | None = None
    chat_room_arn: str | None = None
    # Every name this account has held: all stay reserved until the account is deleted.
    reserved_names: tuple[str, ...] = ()
    # S3 event sequencers of the current avatar and banner (newer uploads win, late events lose).
    avatar_sequencer: str | None = None
    banner_sequencer: str | None = None
    # The overlay on now (core.actions), with its expiry.
    active_action: dict[str, Any] | None = None

    _converters: ClassVar[dict[str, Any]] = {
        "lease_expires": _int,
        "follower_count": _int,
        "rank_version": _int,
        "channel_type": ChannelType,
        "latency_mode": LatencyMode,
        "reserved_names": tuple,
    }

    @property
    def ready(self) -> bool:
        return self.status == "READY" and self.channel_id is not None

    @property
    def revoked(self) -> bool:
        return self.status in REVOKED_STATUSES

    def keys(self) -> dict[str, str]:
        keys = {"PK": table.user_pk(self.sub), "SK": table.ACCOUNT_SK}
        if self.ready:
            keys["usernameKey"] = self.username.lower()
        if self.live_since:
            keys["liveKey"] = table.LIVE_PARTITION
        return keys


def follow_order(live_since: str | None, followed_at: str) -> str:
    """Sort key of the `following` index: live channels (newest start) above offline ones (newest follow)."""
    return f"1#{live_since}" if live_since else f"0#{followed_at}"


@dataclass(frozen=True)
class BanItem(Item):
    owner_sub: str
    banned_sub: str
    banned_username: str
    banned_at: str

    def keys(self) -> dict[str, str]:
        return {"PK": table.user_pk(self.owner_sub), "SK": table.ban_sk(self.banned_sub), "bannedSub": self.banned_sub}


@dataclass(frozen=True)
class FollowItem(Item):
    follower_sub: str
    # Not `channelId`: that would put every follow in the byChannel index of accounts.
    followed_channel: str
    owner_sub: str
    followed_at: str
    follow_order: str
    # The channel's `rank_version` that `follow_order` reflects (core/ranking.py).
    rank_version: int = 0

    _converters: ClassVar[dict[str, Any]] = {"rank_version": _int}

    def keys(self) -> dict[str, str]:
        return {
            "PK": table.user_pk(self.follower_sub),
            "SK": table.follow_sk(self.followed_channel),
            "followersKey": table.followers_key(self.followed_channel, table.follower_shard(self.follower_sub)),
        }
