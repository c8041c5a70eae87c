"""Object, input and enum types of the API."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from schema.directives import BACKEND, PUBLIC, USER
from schema.lambdas import lambda_field, resolved_by_lambda
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


@strawberry.enum(description="Where a broadcast's recording is")
class RecordingStatus(Enum):
    RECORDING = "RECORDING"
    AVAILABLE = "AVAILABLE"
    FAILED = "FAILED"


@strawberry.type(
    directives=PUBLIC,
    description="A broadcast's recording (stages with `recording`). Its URLs are signed CloudFront URLs, valid "
    "for hours: a player appends the query of `playbackUrl` to every request under the recording",
)
class Recording:
    session_id: strawberry.ID = strawberry.field(description="The stream session recorded")
    started_at: AWSDateTime | None
    ended_at: AWSDateTime | None
    status: RecordingStatus
    playback_url: AWSURL | None = strawberry.field(
        description="The HLS master playlist once AVAILABLE; null while recording, after a failure, or for a "
        "viewer a private channel refuses"
    )
    duration_seconds: int | None = strawberry.field(description="Once AVAILABLE")
    thumbnail_urls: list[AWSURL] = strawberry.field(description="Oldest first, once AVAILABLE")


@strawberry.type(directives=PUBLIC, description="A page of recordings")
class RecordingConnection:
    items: list[Recording]
    next_token: str | None = strawberry.field(description="Opaque; pass it back to get the next page")


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
    active_stream_action: StreamAction | None = strawberry.field(description="The overlay on now, for late joiners")
    viewer_is_banned: bool | None = lambda_field(
        max_batch_size=50, description="Whether the caller is banned from this channel; null when anonymous"
    )
    thumbnail_url: AWSURL | None = lambda_field(
        max_batch_size=50,
        description="The latest thumbnail while live (stages with `recording`); null when offline, or for a "
        "viewer a private channel refuses",
    )

    @lambda_field(
        directives=PUBLIC,
        description="Past broadcasts' recordings, newest first. A private channel's reach only its owner and "
        "its followers who are not banned; anyone else gets an error",
    )
    def recordings(
        self, limit: int | None = strawberry.UNSET, next_token: str | None = strawberry.UNSET
    ) -> RecordingConnection:
        return resolved_by_lambda()


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
    stream_action_presets: list[StreamActionPreset] = lambda_field(description="Saved overlays, newest first")


@strawberry.type(directives=PUBLIC, description="A single-use IVS Chat token for the channel's room")
class ChatToken:
    token: str
    session_expiration_time: AWSDateTime
    token_expiration_time: AWSDateTime
    capabilities: list[ChatCapability]


@strawberry.type(directives=USER, description="Lets one viewer start playing a private channel for a few minutes")
class PlaybackToken:
    token: str = strawberry.field(description="ES384 JWT for IVS playback authorization")
    expires_at: AWSDateTime = strawberry.field(description="Start playback before this; ask again afterwards")
    playback_url: AWSURL = strawberry.field(description="The channel's playback URL with ?token=")


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


@strawberry.enum(description="IVS stream health metrics (CloudWatch AWS/IVS)")
class MetricName(Enum):
    INGEST_VIDEO_BITRATE = "INGEST_VIDEO_BITRATE"
    INGEST_FRAMERATE = "INGEST_FRAMERATE"
    CONCURRENT_VIEWS = "CONCURRENT_VIEWS"
    KEYFRAME_INTERVAL = "KEYFRAME_INTERVAL"


@strawberry.type(directives=(*USER, *BACKEND), description="One measurement")
class MetricPoint:
    timestamp: AWSDateTime
    value: float


@strawberry.type(directives=(*USER, *BACKEND), description="A metric over time at one resolution")
class MetricSeries:
    name: MetricName
    period: int = strawberry.field(description="Seconds between points")
    points: list[MetricPoint]


@strawberry.type(directives=(*USER, *BACKEND), description="Something that happened to a stream")
class StreamEvent:
    id: strawberry.ID
    channel_id: strawberry.ID
    session_id: strawberry.ID
    name: str = strawberry.field(description="IVS event or limit name, e.g. Stream Start, Starvation Start")
    type: str = strawberry.field(description="IVS detail-type, e.g. IVS Stream State Change")
    event_time: AWSDateTime
    is_error: bool


@strawberry.type(description="Video and audio settings the broadcaster sent")
class IngestVideo:
    avc_level: str | None
    avc_profile: str | None
    codec: str | None
    encoder: str | None
    target_bitrate: int | None
    target_framerate: int | None
    video_height: int | None
    video_width: int | None


@strawberry.type(description="Audio settings the broadcaster sent")
class IngestAudio:
    channels: int | None
    codec: str | None
    sample_rate: int | None
    target_bitrate: int | None


@strawberry.type(description="The ingest configuration of a stream session")
class IngestConfiguration:
    video: IngestVideo | None
    audio: IngestAudio | None


@strawberry.type(directives=USER, description="One broadcast of the caller's channel")
class StreamSession:
    id: strawberry.ID
    channel_id: strawberry.ID
    started_at: AWSDateTime | None
    ended_at: AWSDateTime | None
    is_live: bool
    is_healthy: bool
    has_error_event: bool
    ingest_configuration: IngestConfiguration | None
    events: list[StreamEvent] = lambda_field(max_batch_size=50, description="Oldest first")
    metrics: list[MetricSeries] = lambda_field(description="Health metrics at the resolution the age allows")
    recording: Recording | None = strawberry.field(description="Null when the session was not recorded")


@strawberry.type(directives=USER, description="A page of stream sessions")
class StreamSessionConnection:
    items: list[StreamSession]
    next_token: str | None


@strawberry.type(directives=(*USER, *BACKEND), description="A live push of the latest metric points")
class StreamMetrics:
    channel_id: strawberry.ID
    session_id: strawberry.ID
    series: list[MetricSeries]


@strawberry.type(directives=(*PUBLIC, *BACKEND), description="A channel went live or offline")
class ChannelState:
    channel_id: strawberry.ID
    username: str
    is_live: bool
    live_since: AWSDateTime | None
    session_id: strawberry.ID | None


@strawberry.input
class ChannelStateInput:
    channel_id: strawberry.ID
    username: str
    is_live: bool
    live_since: AWSDateTime | None = strawberry.UNSET
    session_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class StreamEventInput:
    id: strawberry.ID
    channel_id: strawberry.ID
    session_id: strawberry.ID
    name: str
    type: str
    event_time: AWSDateTime
    is_error: bool


@strawberry.input
class MetricPointInput:
    timestamp: AWSDateTime
    value: float


@strawberry.input
class MetricSeriesInput:
    name: MetricName
    period: int
    points: list[MetricPointInput]


@strawberry.input
class StreamMetricsInput:
    channel_id: strawberry.ID
    session_id: strawberry.ID
    series: list[MetricSeriesInput]


@strawberry.enum(description="Overlay kinds a streamer can show over the video")
class StreamActionType(Enum):
    QUIZ = "QUIZ"
    PRODUCT = "PRODUCT"
    AMAZON_PRODUCT = "AMAZON_PRODUCT"
    NOTICE = "NOTICE"
    CELEBRATION = "CELEBRATION"


@strawberry.type(directives=(*PUBLIC, *BACKEND))
class QuizAction:
    question: str
    answers: list[str]
    correct_answer_index: int
    duration: int = strawberry.field(description="Seconds")


@strawberry.type(directives=(*PUBLIC, *BACKEND))
class ProductAction:
    title: str
    price: str
    image_url: AWSURL
    description: str


@strawberry.type(directives=(*PUBLIC, *BACKEND))
class AmazonProductAction:
    asin: str
    title: str
    price: str | None
    image_url: AWSURL | None
    product_url: AWSURL


@strawberry.type(directives=(*PUBLIC, *BACKEND))
class NoticeAction:
    title: str
    message: str
    duration: int


@strawberry.type(directives=(*PUBLIC, *BACKEND))
class CelebrationAction:
    duration: int


StreamActionPayload = Annotated[
    QuizAction | ProductAction | AmazonProductAction | NoticeAction | CelebrationAction,
    strawberry.union("StreamActionPayload", description="What the overlay shows"),
]


@strawberry.type(directives=(*PUBLIC, *BACKEND), description="An overlay on a channel's stream")
class StreamAction:
    id: strawberry.ID
    channel_id: strawberry.ID
    type: StreamActionType
    started_at: AWSDateTime
    expires_at: AWSDateTime | None = strawberry.field(description="Null for overlays shown until stopped")
    is_active: bool
    payload: StreamActionPayload


@strawberry.type(directives=USER, description="A saved overlay configuration")
class StreamActionPreset:
    id: strawberry.ID
    name: str
    type: StreamActionType
    payload: StreamActionPayload


@strawberry.type(directives=USER, description="A product from the Product Advertising API")
class Product:
    asin: str
    title: str | None
    price: str | None
    image_url: AWSURL | None
    product_url: AWSURL | None


@strawberry.type(directives=USER)
class ProductSearchResult:
    items: list[Product]
    total_results: int | None
    page: int


@strawberry.input
class QuizInput:
    question: str
    answers: list[str]
    correct_answer_index: int
    duration: int = strawberry.field(default=15, description="5-30 seconds")


@strawberry.input
class ProductInput:
    title: str
    price: str
    image_url: str
    description: str


@strawberry.input(description="An item as searchProducts returned it")
class AmazonProductInput:
    asin: str
    title: str
    price: str | None = strawberry.UNSET
    image_url: str | None = strawberry.UNSET
    product_url: str


@strawberry.input
class NoticeInput:
    title: str
    message: str
    duration: int = strawberry.field(default=15, description="5-30 seconds")


@strawberry.input(description="Exactly one overlay")
class SendStreamActionInput:
    quiz: QuizInput | None = strawberry.UNSET
    product: ProductInput | None = strawberry.UNSET
    amazon_product: AmazonProductInput | None = strawberry.UNSET
    notice: NoticeInput | None = strawberry.UNSET
    celebration: bool | None = strawberry.field(default=strawberry.UNSET, description="true: 10 s of confetti")


@strawberry.input
class StreamActionPresetInput:
    name: str
    action: SendStreamActionInput
