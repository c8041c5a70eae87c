"""Typed table items and their DynamoDB representation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Literal, Self

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from core import table
from core.presets import DEFAULT_AVATAR, DEFAULT_COLOR
from core.settings import ChannelType, LatencyMode

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attributes(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


class Item(BaseModel, ABC):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    @abstractmethod
    def keys(self) -> dict[str, str]:
        """The table and index key attributes of this item."""

    def to_item(self) -> dict[str, Any]:
        return to_attributes({**self.model_dump(by_alias=True, mode="json"), **self.keys()})

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Self:
        return cls.model_validate(from_attributes(item))


class AccountItem(Item):
    """One per user: the profile, its IVS channel and its live state."""

    sub: str
    username: str
    email: str | None = None
    avatar: str = DEFAULT_AVATAR
    color: str = DEFAULT_COLOR
    status: Literal["PROVISIONING", "READY"] = "PROVISIONING"
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
    avatar_url: str | None = None
    banner_url: str | None = None
    created_at: str

    @property
    def ready(self) -> bool:
        return self.status == "READY" and self.channel_id is not None

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


class FollowItem(Item):
    follower_sub: str
    channel_id: str
    owner_sub: str
    followed_at: str
    follow_order: str

    def keys(self) -> dict[str, str]:
        return {"PK": table.user_pk(self.follower_sub), "SK": table.follow_sk(self.channel_id)}
