"""IVS stream keys and streams, which moto does not keep.

moto's CreateChannel returns a stream key but stores none, and moto has no stream-key operations.
Here CreateChannel's key is recorded, the four stream-key operations are answered from that record,
and DeleteChannel drops the channel's keys, as IVS does. Channels themselves stay moto's.

IVS allows one stream key per channel: CreateStreamKey on a channel that has one fails with
ServiceQuotaExceededException; resetting a key is DeleteStreamKey then CreateStreamKey.

Streams: `IvsStore.live` holds the stream of each channel that is broadcasting (whatever starts
one puts a `LiveStream` there). GetStream and StopStream answer from it; a channel with no stream
answers ChannelNotBroadcasting, and a live channel cannot be deleted (ConflictException), as in IVS.
"""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.ivs.exceptions import ResourceNotFoundException as MotoResourceNotFound
from moto.ivs.models import ivs_backends

from emulator.local_aws.messages import AwsRequest, AwsResponse, ServiceError
from emulator.local_aws.registry import HandlerContext, Registry

SERVICE = "ivs"
STREAM_KEYS_PER_CHANNEL = 1
DEFAULT_LIST_LIMIT = 1  # ListStreamKeys' documented default for maxResults

_ALPHANUMERIC = string.ascii_letters + string.digits


@dataclass(frozen=True)
class StreamKeyRecord:
    arn: str
    channel_arn: str
    value: str
    tags: dict[str, str]

    def summary(self) -> dict[str, Any]:
        return {"arn": self.arn, "channelArn": self.channel_arn, "tags": self.tags}

    def full(self) -> dict[str, Any]:
        return {**self.summary(), "value": self.value}


@dataclass(frozen=True)
class LiveStream:
    """The stream a channel is broadcasting (IVS's Stream shape)."""

    channel_arn: str
    stream_id: str
    playback_url: str
    start_time: datetime
    state: str = "LIVE"
    health: str = "HEALTHY"
    viewer_count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "channelArn": self.channel_arn,
            "streamId": self.stream_id,
            "playbackUrl": self.playback_url,
            "startTime": self.start_time.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "state": self.state,
            "health": self.health,
            "viewerCount": self.viewer_count,
        }


@dataclass
class IvsStore:
    # Insertion-ordered, so listings are stable and pagination tokens stay valid between pages.
    stream_keys: dict[str, StreamKeyRecord] = field(default_factory=dict)
    # channel ARN → its current stream; a channel absent here is offline.
    live: dict[str, LiveStream] = field(default_factory=dict)

    def keys_of(self, channel_arn: str) -> list[StreamKeyRecord]:
        return [key for key in self.stream_keys.values() if key.channel_arn == channel_arn]

    def drop_channel(self, channel_arn: str) -> None:
        for key in self.keys_of(channel_arn):
            del self.stream_keys[key.arn]


def install(registry: Registry) -> None:
    registry.add(SERVICE, "CreateChannel", create_channel)
    registry.add(SERVICE, "DeleteChannel", delete_channel)
    registry.add(SERVICE, "CreateStreamKey", create_stream_key)
    registry.add(SERVICE, "GetStreamKey", get_stream_key)
    registry.add(SERVICE, "ListStreamKeys", list_stream_keys)
    registry.add(SERVICE, "DeleteStreamKey", delete_stream_key)
    registry.add(SERVICE, "GetStream", get_stream)
    registry.add(SERVICE, "StopStream", stop_stream)


# --- channels (moto's), wrapped -----------------------------------------------------------------
def create_channel(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsStore) as store:
        response = ctx.forward()
        if response.ok:
            raw = response.json_body()["streamKey"]
            store.stream_keys[raw["arn"]] = StreamKeyRecord(
                arn=raw["arn"], channel_arn=raw["channelArn"], value=raw["value"], tags=dict(raw.get("tags") or {})
            )
        return response


def delete_channel(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    # Held across moto's delete so no CreateStreamKey slips in between the two.
    with ctx.state.store(IvsStore) as store:
        channel_arn = request.params["arn"]
        if channel_arn in store.live:
            raise _error("ConflictException", f"Channel {channel_arn} is live; stop its stream first", 409)
        response = ctx.forward()
        if not response.ok:
            return response
        store.drop_channel(request.params["arn"])
    # moto answers 200 with an HTML content type; IVS answers 204 with no body.
    return AwsResponse.empty(204)


# --- stream keys (ours) -------------------------------------------------------------------------
def create_stream_key(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    with ctx.state.store(IvsStore) as store:
        _require_channel(request, channel_arn)
        if len(store.keys_of(channel_arn)) >= STREAM_KEYS_PER_CHANNEL:
            raise _error(
                "ServiceQuotaExceededException",
                f"Channel {channel_arn} already has {STREAM_KEYS_PER_CHANNEL} stream key(s), the maximum",
                402,
            )
        key = StreamKeyRecord(
            arn=f"arn:aws:ivs:{request.region}:{request.account_id}:stream-key/{_random(12)}",
            channel_arn=channel_arn,
            value=f"sk_{request.region}_{_random(36)}",
            tags=dict(request.params.get("tags") or {}),
        )
        store.stream_keys[key.arn] = key
    return AwsResponse.json({"streamKey": key.full()})


def get_stream_key(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsStore) as store:
        key = _find_key(store, request.params["arn"])
    return AwsResponse.json({"streamKey": key.full()})


def list_stream_keys(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    limit = int(request.params.get("maxResults") or DEFAULT_LIST_LIMIT)
    start = _offset(request.params.get("nextToken"))
    with ctx.state.store(IvsStore) as store:
        _require_channel(request, channel_arn)
        keys = store.keys_of(channel_arn)
    page = keys[start : start + limit]
    out: dict[str, Any] = {"streamKeys": [key.summary() for key in page]}
    if start + limit < len(keys):
        out["nextToken"] = _token(start + limit)
    return AwsResponse.json(out)


def delete_stream_key(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsStore) as store:
        key = _find_key(store, request.params["arn"])
        del store.stream_keys[key.arn]
    return AwsResponse.empty(204)


# --- streams (ours) ------------------------------------------------------------------------------
def get_stream(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    with ctx.state.store(IvsStore) as store:
        _require_channel(request, channel_arn)
        stream = store.live.get(channel_arn)
    if stream is None:
        raise _offline(channel_arn)
    return AwsResponse.json({"stream": stream.to_json()})


def stop_stream(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    with ctx.state.store(IvsStore) as store:
        _require_channel(request, channel_arn)
        if store.live.pop(channel_arn, None) is None:
            raise _offline(channel_arn)
    return AwsResponse.json({})


# --- helpers ------------------------------------------------------------------------------------
def _offline(channel_arn: str) -> ServiceError:
    return _error("ChannelNotBroadcasting", f"Channel {channel_arn} is not broadcasting", 404)


def _error(code: str, message: str, status: int) -> ServiceError:
    # IVS's error shapes name the message `exceptionMessage`; `message` is what botocore shows.
    return ServiceError(code, message, status, fields={"exceptionMessage": message})


def _not_found(arn: str) -> ServiceError:
    return _error("ResourceNotFoundException", f"Resource: {arn} not found", 404)


def _require_channel(request: AwsRequest, channel_arn: str) -> None:
    try:
        ivs_backends[request.account_id][request.region].get_channel(channel_arn)
    except MotoResourceNotFound:
        raise _not_found(channel_arn) from None


def _find_key(store: IvsStore, arn: str) -> StreamKeyRecord:
    key = store.stream_keys.get(arn)
    if key is None:
        raise _not_found(arn)
    return key


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "offset" and value.isdigit():
            return int(value)
    except ValueError:
        pass
    raise _error("ValidationException", "The nextToken is not valid", 400)
