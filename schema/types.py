"""Object, input and enum types of the API."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.directives import PUBLIC, USER
from schema.lambdas import lambda_field
from schema.scalars import AWSJSON, AWSURL, AWSDateTime, AWSEmail


@strawberry.enum(description="The IVS channel type, which sets the ingest and transcoding limits")
class ChannelType(Enum):
    BASIC = "BASIC"
    STANDARD = "STANDARD"
    ADVANCED_SD = "ADVANCED_SD"
    ADVANCED_HD = "ADVANCED_HD"


@strawberry.enum(description="IVS playback latency")
class LatencyMode(Enum):
    NORMAL = "NORMAL"
    LOW = "LOW"


@strawberry.enum(description="What a chat token allows")
class ChatCapability(Enum):
    VIEW_MESSAGE = "VIEW_MESSAGE"
    SEND_MESSAGE = "SEND_MESSAGE"
    DELETE_MESSAGE = "DELETE_MESSAGE"
    DISCONNECT_USER = "DISCONNECT_USER"


@strawberry.enum(description="Which profile image an upload replaces")
class ImageKind(Enum):
    AVATAR = "AVATAR"
    BANNER = "BANNER"


@strawberry.type(directives=PUBLIC, description="A user's public channel page")
class Channel:
    id: strawberry.ID = strawberry.field(description="The IVS channel id; stable for the channel's life")
    username: str
    avatar: str = strawberry.field(description="Avatar preset name")
    color: str = strawberry.field(description="Profile color preset name")
    avatar_url: AWSURL | None
    banner_url: AWSURL | None
    playback_url: AWSURL | None = strawberry.field(description="Null for a private channel")
    is_live: bool
    live_since: AWSDateTime | None
    is_private: bool
    follower_count: int
    viewer_is_following: bool | None = lambda_field(
        max_batch_size=50, description="Whether the caller follows this channel; null when anonymous"
    )
    viewer_is_banned: bool | None = lambda_field(
        max_batch_size=50, description="Whether the caller is banned from this channel; null when anonymous"
    )


@strawberry.type(directives=PUBLIC, description="A page of channels")
class ChannelConnection:
    items: list[Channel]
    next_token: str | None = strawberry.field(description="Opaque; pass it back to get the next page")


@strawberry.type(directives=USER, description="A user banned from the caller's channel")
class BannedUser:
    id: strawberry.ID
    username: str
    banned_at: AWSDateTime


@strawberry.type(directives=USER, description="The signed-in user's own account")
class Account:
    id: strawberry.ID = strawberry.field(description="The Cognito user's sub")
    username: str
    email: AWSEmail | None
    channel: Channel
    ingest_endpoint: str | None
    ingest_server_url: str | None = strawberry.field(description="RTMPS URL for broadcasting software")
    stream_key: str | None = strawberry.field(description="Secret: whoever has it can stream as you")
    channel_type: ChannelType
    latency_mode: LatencyMode
    is_private: bool
    created_at: AWSDateTime
    banned_users: list[BannedUser] = lambda_field(description="Users banned from this channel, newest first")


@strawberry.type(directives=PUBLIC, description="A single-use IVS Chat token for the channel's room")
class ChatToken:
    token: str
    session_expiration_time: AWSDateTime
    token_expiration_time: AWSDateTime
    capabilities: list[ChatCapability]


@strawberry.type(directives=USER, description="A presigned S3 POST: send `fields` and then the file")
class UploadUrl:
    url: AWSURL
    fields: AWSJSON
    expires_at: AWSDateTime
    max_bytes: int


@strawberry.input(description="Channel settings to change; omitted fields are left as they are")
class ChannelConfigurationInput:
    type: ChannelType | None = strawberry.UNSET
    latency_mode: LatencyMode | None = strawberry.UNSET
    is_private: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Private channels need a playback token"
    )


@strawberry.input(description="Profile presets to change; omitted fields are left as they are")
class PreferencesInput:
    color: str | None = strawberry.UNSET
    avatar: str | None = strawberry.UNSET
