"""Root types. Each Lambda-resolved field is a signature: its parameters declare the arguments."""

from __future__ import annotations

from collections.abc import AsyncIterator

import strawberry

from schema.directives import BACKEND, PUBLIC, USER, Subscribe
from schema.lambdas import METADATA_KEY, LambdaResolver, lambda_field, local_field, resolved_by_lambda
from schema.types import (
    Account,
    Channel,
    ChannelConfigurationInput,
    ChannelConnection,
    ChannelState,
    ChannelStateInput,
    ChatToken,
    ImageKind,
    PlaybackToken,
    PreferencesInput,
    ProductSearchResult,
    SendStreamActionInput,
    StreamAction,
    StreamActionPresetInput,
    StreamEvent,
    StreamEventInput,
    StreamMetrics,
    StreamMetricsInput,
    StreamSession,
    StreamSessionConnection,
    UploadUrl,
)


@strawberry.type
class Query:
    @lambda_field(directives=USER, description="The caller's account; null before first provisioning")
    def me(self) -> Account | None:
        return resolved_by_lambda()

    @lambda_field(directives=PUBLIC, description="A channel page; null when there is no such user")
    def channel(self, username: str) -> Channel | None:
        return resolved_by_lambda()

    @lambda_field(directives=PUBLIC, description="Live channels, newest start first, at most 50 a page")
    def live_channels(
        self, limit: int | None = strawberry.UNSET, next_token: str | None = strawberry.UNSET
    ) -> ChannelConnection:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="The caller's stream sessions, newest first")
    def stream_sessions(
        self, limit: int | None = strawberry.UNSET, next_token: str | None = strawberry.UNSET
    ) -> StreamSessionConnection:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="One of the caller's sessions; another user's is not found")
    def stream_session(self, id: strawberry.ID) -> StreamSession | None:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Products for the AMAZON_PRODUCT overlay (when enabled)")
    def search_products(self, keywords: str, page: int | None = strawberry.UNSET) -> ProductSearchResult:
        return resolved_by_lambda()

    @lambda_field(
        directives=USER,
        description="Followed channels: live ones first by newest start, then offline ones by newest follow",
    )
    def following(
        self, limit: int | None = strawberry.UNSET, next_token: str | None = strawberry.UNSET
    ) -> ChannelConnection:
        return resolved_by_lambda()


@strawberry.type
class Mutation:
    @lambda_field(directives=USER, description="Provision the caller's channel; idempotent")
    def create_resources(self) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Change color and/or avatar presets")
    def update_preferences(self, input: PreferencesInput) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Follow a channel; idempotent")
    def follow(self, username: str) -> Channel:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Stop following a channel; idempotent")
    def unfollow(self, username: str) -> Channel:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Rename: same rules as sign-up; sign in with the new name after")
    def change_username(self, username: str) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="A new stream key; the old one stops working")
    def reset_stream_key(self) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Channel type, latency mode and privacy")
    def update_channel_configuration(self, input: ChannelConfigurationInput) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="A presigned upload for an avatar (1 MB) or banner (5 MB), jpeg/png")
    def create_upload_url(self, kind: ImageKind, content_type: str) -> UploadUrl:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Delete the caller's account and everything that belongs to it")
    def delete_account(self) -> bool:
        return resolved_by_lambda()

    @lambda_field(
        directives=USER,
        description="Delete the recording of one of the caller's sessions (not while it records); the session stays",
    )
    def delete_recording(self, session_id: strawberry.ID) -> StreamSession:
        return resolved_by_lambda()

    @lambda_field(directives=PUBLIC, description="Anonymous: view; signed in: send; owner: moderate; banned: refused")
    def create_chat_token(self, channel_id: strawberry.ID) -> ChatToken:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Owner or follower of a private channel: a playback token")
    def create_playback_token(self, channel_id: strawberry.ID) -> PlaybackToken:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Ban a user from the caller's channel; disconnects them from chat")
    def ban_user(self, username: str) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Lift a ban on the caller's channel")
    def unban_user(self, username: str) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Delete a message from the caller's chat room")
    def delete_chat_message(self, message_id: strawberry.ID, reason: str | None = strawberry.UNSET) -> bool:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Show an overlay on the caller's live stream; replaces any active one")
    def send_stream_action(self, input: SendStreamActionInput) -> StreamAction:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="End the active overlay; null when none is active")
    def stop_stream_action(self) -> StreamAction | None:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Save an overlay configuration for later")
    def save_stream_action_preset(self, input: StreamActionPresetInput) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Delete a saved overlay configuration")
    def delete_stream_action_preset(self, id: strawberry.ID) -> Account:
        return resolved_by_lambda()

    # Operator actions (IAM only: an operator's AWS credentials, never a user's token).
    @lambda_field(
        directives=BACKEND,
        description="Operator: disable an account. Its tokens are refused at once, sign-in is refused, its "
        "stream is stopped, its stream key replaced and its channel hidden. False when already disabled",
    )
    def disable_account(self, username: str) -> bool:
        return resolved_by_lambda()

    @lambda_field(
        directives=BACKEND,
        description="Operator: enable a disabled account again (by any name it held). False when it was not disabled",
    )
    def enable_account(self, username: str) -> bool:
        return resolved_by_lambda()

    # Publish-only mutations: a local resolver returns `input` to their subscribers, no Lambda invoked.
    @local_field(directives=BACKEND, description="Back-end fan-out of live/offline changes (IAM only)")
    def publish_channel_state(self, input: ChannelStateInput) -> ChannelState | None:
        return resolved_by_lambda()

    @local_field(directives=BACKEND, description="Back-end fan-out of stream events (IAM only)")
    def publish_stream_event(self, input: StreamEventInput) -> StreamEvent | None:
        return resolved_by_lambda()

    @local_field(directives=BACKEND, description="Back-end fan-out of live metric points (IAM only)")
    def publish_stream_metrics(self, input: StreamMetricsInput) -> StreamMetrics | None:
        return resolved_by_lambda()


@strawberry.type
class Subscription:
    @strawberry.subscription(
        directives=[*PUBLIC, Subscribe(mutations=["publishChannelState"])],
        description="Live/offline changes; no argument = every channel",
    )
    async def on_channel_state(
        self, channel_id: strawberry.ID | None = strawberry.UNSET
    ) -> AsyncIterator[ChannelState | None]:
        yield resolved_by_lambda()

    @strawberry.subscription(
        directives=[*PUBLIC, Subscribe(mutations=["sendStreamAction", "stopStreamAction"])],
        description="Overlays of a channel as they start and stop",
    )
    async def on_stream_action(self, channel_id: strawberry.ID) -> AsyncIterator[StreamAction | None]:
        yield resolved_by_lambda()

    @strawberry.subscription(
        directives=[*USER, Subscribe(mutations=["publishStreamEvent"])],
        description="Stream events of a channel; only its owner may subscribe",
        metadata={METADATA_KEY: LambdaResolver()},
    )
    async def on_stream_event(self, channel_id: strawberry.ID) -> AsyncIterator[StreamEvent | None]:
        yield resolved_by_lambda()

    @strawberry.subscription(
        directives=[*USER, Subscribe(mutations=["publishStreamMetrics"])],
        description="Live metric points of a channel; only its owner may subscribe",
        metadata={METADATA_KEY: LambdaResolver()},
    )
    async def on_stream_metrics(self, channel_id: strawberry.ID) -> AsyncIterator[StreamMetrics | None]:
        yield resolved_by_lambda()
