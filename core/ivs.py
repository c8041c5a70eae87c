"""IVS adapter: the few channel operations the domain needs, behind one seam."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# Attempts to delete a channel IVS still reports live: a stopped stream takes a moment to end.
_DELETE_ATTEMPTS = 6


@dataclass(frozen=True)
class IvsChannel:
    arn: str
    ingest_endpoint: str
    playback_url: str

    @property
    def channel_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class StreamKey:
    arn: str
    value: str


def _channel(raw: dict[str, Any]) -> IvsChannel:
    return IvsChannel(arn=raw["arn"], ingest_endpoint=raw["ingestEndpoint"], playback_url=raw["playbackUrl"])


class Ivs:
    def __init__(self, client: Any) -> None:
        self._client = client

    def find_channel(self, name: str) -> IvsChannel | None:
        """The channel with this exact name, if one exists (adopts what an interrupted attempt created)."""
        pages = self._client.get_paginator("list_channels").paginate(filterByName=name)
        for page in pages:
            for summary in page["channels"]:
                if summary["name"] == name:
                    return _channel(self._client.get_channel(arn=summary["arn"])["channel"])
        return None

    def channel_summaries(self) -> Iterator[dict[str, Any]]:
        """Every channel of the account and region (ListChannels' summaries: arn, name, tags, ...)."""
        for page in self._client.get_paginator("list_channels").paginate():
            yield from page["channels"]

    def create_channel(
        self,
        name: str,
        channel_type: str,
        latency_mode: str,
        tags: dict[str, str],
        *,
        recording_configuration_arn: str = "",
        playback_restriction_policy_arn: str = "",
    ) -> tuple[IvsChannel, StreamKey]:
        """A new channel with its stream key; the recording configuration and restriction policy when given."""
        optional = {
            "recordingConfigurationArn": recording_configuration_arn,
            "playbackRestrictionPolicyArn": playback_restriction_policy_arn,
        }
        out = self._client.create_channel(
            name=name,
            type=channel_type,
            latencyMode=latency_mode,
            tags=tags,
            **{k: v for k, v in optional.items() if v},
        )
        key = out["streamKey"]
        return _channel(out["channel"]), StreamKey(arn=key["arn"], value=key["value"])

    def stream_key(self, channel_arn: str, tags: dict[str, str] | None = None) -> StreamKey:
        """The channel's stream key, creating one (with `tags`) if it has none."""
        keys = self._client.list_stream_keys(channelArn=channel_arn)["streamKeys"]
        if keys:
            raw = self._client.get_stream_key(arn=keys[0]["arn"])["streamKey"]
        else:
            raw = self._client.create_stream_key(channelArn=channel_arn, tags=tags or {})["streamKey"]
        return StreamKey(arn=raw["arn"], value=raw["value"])


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def has_video_settings(channel: dict[str, Any], recording_configuration_arn: str, policy_arn: str) -> bool:
    """Whether a channel (GetChannel's, or ListChannels' summary) has these recording configuration and
    playback restriction policy (blank: none)."""
    current = (channel.get("recordingConfigurationArn") or "", channel.get("playbackRestrictionPolicyArn") or "")
    return current == (recording_configuration_arn, policy_arn)


class IvsAdmin(Ivs):
    """The channel operations settings and account deletion need."""

    def __init__(self, client: Any, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(client)
        self._sleep = sleep

    def stop_stream(self, channel_arn: str) -> None:
        """Stop a live broadcast; a channel that is not live is already stopped."""
        try:
            self._client.stop_stream(channelArn=channel_arn)
        except self._client.exceptions.ClientError as exc:
            if _code(exc) not in ("ChannelNotBroadcasting", "ResourceNotFoundException"):
                raise

    def replace_stream_key(self, channel_arn: str, tags: dict[str, str] | None = None) -> StreamKey:
        """Delete every key of the channel, then create one (with `tags`): the old key stops working at once."""
        for summary in self._client.list_stream_keys(channelArn=channel_arn)["streamKeys"]:
            with contextlib.suppress(self._client.exceptions.ResourceNotFoundException):
                self._client.delete_stream_key(arn=summary["arn"])
        raw = self._client.create_stream_key(channelArn=channel_arn, tags=tags or {})["streamKey"]
        return StreamKey(arn=raw["arn"], value=raw["value"])

    def update_channel(self, channel_arn: str, channel_type: str, latency_mode: str, authorized: bool) -> None:
        self._client.update_channel(arn=channel_arn, type=channel_type, latencyMode=latency_mode, authorized=authorized)

    def align_video_settings(
        self, channel_arn: str, *, recording_configuration_arn: str, playback_restriction_policy_arn: str
    ) -> bool:
        """Switch the channel to these settings if it has others (one GetChannel when it has them): whether it
        was switched. A deployment switches the stage's channels, but IVS updates no live channel; this catches
        those once their broadcast is over."""
        try:
            channel = self._client.get_channel(arn=channel_arn)["channel"]
        except self._client.exceptions.ResourceNotFoundException:
            return False
        if has_video_settings(channel, recording_configuration_arn, playback_restriction_policy_arn):
            return False
        return self.set_video_settings(
            channel_arn,
            recording_configuration_arn=recording_configuration_arn,
            playback_restriction_policy_arn=playback_restriction_policy_arn,
        )

    def set_video_settings(
        self, channel_arn: str, *, recording_configuration_arn: str, playback_restriction_policy_arn: str
    ) -> bool:
        """Give the channel the stage's recording configuration (blank: none) and restriction policy. False
        when the channel is live: IVS updates no live channel (it is switched after its broadcast)."""
        try:
            self._client.update_channel(
                arn=channel_arn,
                recordingConfigurationArn=recording_configuration_arn,
                playbackRestrictionPolicyArn=playback_restriction_policy_arn,
            )
        except self._client.exceptions.ConflictException:
            return False
        return True

    def delete_channel(self, channel_arn: str) -> None:
        """Delete the channel (one already gone is fine). IVS refuses to delete a live channel, so its
        stream is stopped and the delete retried until the stream has ended."""
        for attempt in range(_DELETE_ATTEMPTS):
            try:
                self._client.delete_channel(arn=channel_arn)
                return
            except self._client.exceptions.ResourceNotFoundException:
                return
            except self._client.exceptions.ConflictException:
                if attempt == _DELETE_ATTEMPTS - 1:
                    raise
            self.stop_stream(channel_arn)
            self._sleep(0.5 * 2**attempt)
