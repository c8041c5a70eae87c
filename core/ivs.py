"""IVS adapter: the few channel operations the domain needs, behind one seam."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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

    def create_channel(
        self, name: str, channel_type: str, latency_mode: str, tags: dict[str, str]
    ) -> tuple[IvsChannel, StreamKey]:
        out = self._client.create_channel(name=name, type=channel_type, latencyMode=latency_mode, tags=tags)
        key = out["streamKey"]
        return _channel(out["channel"]), StreamKey(arn=key["arn"], value=key["value"])

    def stream_key(self, channel_arn: str) -> StreamKey:
        """The channel's stream key, creating one if it has none."""
        keys = self._client.list_stream_keys(channelArn=channel_arn)["streamKeys"]
        if keys:
            raw = self._client.get_stream_key(arn=keys[0]["arn"])["streamKey"]
        else:
            raw = self._client.create_stream_key(channelArn=channel_arn)["streamKey"]
        return StreamKey(arn=raw["arn"], value=raw["value"])
