"""IVS stream keys, streams, stream sessions and timed metadata, which moto does not keep.

Stream keys: moto's CreateChannel returns a stream key but stores none, and moto has no stream-key
operations. Here CreateChannel's key is recorded, the four stream-key operations are answered from
that record, and DeleteChannel drops the channel's keys, as IVS does. Channels themselves stay
moto's. IVS allows one stream key per channel: CreateStreamKey on a channel that has one fails with
ServiceQuotaExceededException; resetting a key is DeleteStreamKey then CreateStreamKey.

Streams: nothing encodes video locally, so a broadcast is started and ended through local endpoints
(the stream simulator, `ugc simulate`, does this), and the IVS API reports it as IVS would:

    POST   /_local/ivs/streams               {"channelArn", "ingestConfiguration"?: {"video", "audio"},
                                              "viewerCount"?}
           → 201 {"stream": <GetStream's Stream>}; 404 unknown channel, 409 already live
    PATCH  /_local/ivs/streams/<channel id>  {"streamId"?, "viewerCount"?}
           → 200 {"stream": ...}; 404 not live, 409 the channel broadcasts another stream than streamId
    DELETE /_local/ivs/streams/<channel id>  the encoder disconnects: the session ends, no events are
           sent (whoever plays the broadcast sends IVS's end events) → 200 {"stream": ...}; 404 not live
    GET    /_local/ivs/streams               → {"streams": [<Stream>...]} every live stream
    GET    /_local/ivs/metadata/<channel id> → [{"time", "streamId", "metadata"}...] oldest first:
           what PutMetadata inserted into the channel's streams (kept after they end)

While a channel is live: GetStream and ListStreams show its stream (`health` follows the Starvation
events, `viewerCount` what PATCH set), GetStreamSession and ListStreamSessions its session, whose
`truncatedEvents` are the IVS events put on the local EventBridge bus for that stream (see
`services.events`), and PutMetadata takes at most 1 KB per call and 5 calls per second per channel.
Playback key pairs (private channels): ImportPlaybackKeyPair takes a PEM EC P-384 public key, each
public key once (ConflictException). IVS's quota of 3 key pairs per region is not enforced: every
local stack bootstrapped into one local AWS (the tests start many) imports its own key. And
GetPlaybackKeyPair and ListPlaybackKeyPairs answer from that record as IVS does, without the key. IVS
itself checks playback tokens when a player starts a private channel; nothing plays locally, so
whoever wants that check (`ugc verify-playback-token`) reads the imported public keys from

    GET    /_local/ivs/playback-keys        → {"keyPairs": [{"arn", "name", "fingerprint",
                                              "publicKeyMaterial"}...]} every imported key pair

StopStream ends the stream and, as IVS does, sends "Stream End" then "Session Ended" to EventBridge.
A live channel cannot be deleted (ConflictException). Errors are IVS's: ChannelNotBroadcasting (404)
for an offline channel, ResourceNotFoundException (404), ValidationException (400),
ThrottlingException (429).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from moto.ivs.exceptions import ResourceNotFoundException as MotoResourceNotFound
from moto.ivs.models import ivs_backends

from emulator.local_aws import eventbus, ivs_events, recorder
from emulator.local_aws.messages import AwsRequest, AwsResponse, HttpRequest, ServiceError
from emulator.local_aws.registry import LOCAL_PREFIX, HandlerContext, Registry
from emulator.local_aws.services import ivs_configs
from emulator.local_aws.services.common import InvalidPageToken, page_offset
from emulator.local_aws.services.common import iso as _iso
from emulator.local_aws.services.common import now as _now
from emulator.local_aws.services.common import page_token as _token
from emulator.local_aws.services.common import random_id as _random
from emulator.local_aws.state import LocalState

SERVICE = "ivs"
STREAMS_PATH = "ivs/streams"
METADATA_PATH = "ivs/metadata"
PLAYBACK_KEYS_PATH = "ivs/playback-keys"
PLAYBACK_KEY_CURVE = "secp384r1"  # IVS accepts only P-384 (ES384) playback keys
STREAM_KEYS_PER_CHANNEL = 1
DEFAULT_LIST_LIMIT = 1  # ListStreamKeys' documented default for maxResults
DEFAULT_STREAMS_LIMIT = 100  # ListStreams' and ListStreamSessions' documented default
MAX_METADATA_BYTES = 1024
METADATA_CALLS_PER_SECOND = 5
MAX_TRUNCATED_EVENTS = 500
STREAM_ID_LENGTH = 26  # "st-" and 23 letters or digits, the model's StreamId

# What an OBS-like encoder announces for 1080p30 at 3.5 Mbps: the session's ingest configuration
# when whoever starts the broadcast gives none.
DEFAULT_INGEST: dict[str, dict[str, Any]] = {
    "video": {
        "avcProfile": "Main",
        "avcLevel": "4.1",
        "codec": "avc1.4D4029",
        "encoder": "obs-output module (libobs version 30.0.2)",
        "targetBitrate": 3500000,
        "targetFramerate": 30,
        "videoHeight": 1080,
        "videoWidth": 1920,
    },
    "audio": {"codec": "mp4a.40.2", "targetBitrate": 160000, "sampleRate": 48000, "channels": 2},
}

_ONE_SECOND = 1.0


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
class PlaybackKeyPairRecord:
    arn: str
    name: str
    fingerprint: str
    public_key_pem: str
    tags: dict[str, str]

    def summary(self) -> dict[str, Any]:
        return {"arn": self.arn, "name": self.name, "tags": self.tags}

    def full(self) -> dict[str, Any]:
        return {**self.summary(), "fingerprint": self.fingerprint}


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
            "startTime": _iso(self.start_time),
            "state": self.state,
            "health": self.health,
            "viewerCount": self.viewer_count,
        }

    def summary(self) -> dict[str, Any]:
        out = self.to_json()
        del out["playbackUrl"]  # StreamSummary has no playback URL
        return out


@dataclass(frozen=True)
class StreamEvent:
    name: str
    type: str
    event_time: datetime

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "eventTime": _iso(self.event_time)}

    @property
    def is_error(self) -> bool:
        return self.type == ivs_events.LIMIT_BREACH or self.name in ivs_events.FAILURE_EVENTS


@dataclass
class StreamSession:
    """One broadcast of a channel, from the encoder connecting to it disconnecting."""

    channel_arn: str
    stream_id: str
    start_time: datetime
    ingest: dict[str, Any]
    end_time: datetime | None = None
    events: list[StreamEvent] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "streamId": self.stream_id,
            "startTime": _iso(self.start_time),
            "hasErrorEvent": any(event.is_error for event in self.events),
        }
        if self.end_time is not None:
            out["endTime"] = _iso(self.end_time)
        return out

    def full(self, channel: Mapping[str, Any]) -> dict[str, Any]:
        out = self.summary()
        del out["hasErrorEvent"]
        # Newest first; of events with the same time (second precision), the later-recorded first.
        order = sorted(range(len(self.events)), key=lambda i: (self.events[i].event_time, i), reverse=True)
        newest_first = [self.events[i] for i in order]
        out.update(
            channel=copy.deepcopy(dict(channel)),
            ingestConfiguration=copy.deepcopy(self.ingest),
            truncatedEvents=[event.to_json() for event in newest_first[:MAX_TRUNCATED_EVENTS]],
        )
        return out


@dataclass(frozen=True)
class MetadataRecord:
    time: datetime
    stream_id: str
    metadata: str

    def to_json(self) -> dict[str, Any]:
        return {"time": _iso(self.time), "streamId": self.stream_id, "metadata": self.metadata}


@dataclass
class IvsStore:
    # Insertion-ordered, so listings are stable and pagination tokens stay valid between pages.
    stream_keys: dict[str, StreamKeyRecord] = field(default_factory=dict)
    # channel ARN → its current stream; a channel absent here is offline.
    live: dict[str, LiveStream] = field(default_factory=dict)
    # channel ARN → its sessions, oldest first.
    sessions: dict[str, list[StreamSession]] = field(default_factory=dict)
    # channel ARN → what PutMetadata inserted, oldest first.
    metadata: dict[str, list[MetadataRecord]] = field(default_factory=dict)
    # channel ARN → monotonic times of the PutMetadata calls accepted in the last second.
    metadata_calls: dict[str, deque[float]] = field(default_factory=dict)
    # playback key pair ARN → the imported public key.
    playback_keys: dict[str, PlaybackKeyPairRecord] = field(default_factory=dict)

    def keys_of(self, channel_arn: str) -> list[StreamKeyRecord]:
        return [key for key in self.stream_keys.values() if key.channel_arn == channel_arn]

    def session(self, channel_arn: str, stream_id: str) -> StreamSession | None:
        return next((s for s in self.sessions.get(channel_arn, []) if s.stream_id == stream_id), None)

    def drop_channel(self, channel_arn: str) -> None:
        for key in self.keys_of(channel_arn):
            del self.stream_keys[key.arn]
        for per_channel in (self.sessions, self.metadata, self.metadata_calls):
            per_channel.pop(channel_arn, None)


def install(registry: Registry) -> None:
    registry.add(SERVICE, "CreateChannel", create_channel)
    registry.add(SERVICE, "DeleteChannel", delete_channel)
    registry.add(SERVICE, "CreateStreamKey", create_stream_key)
    registry.add(SERVICE, "GetStreamKey", get_stream_key)
    registry.add(SERVICE, "ListStreamKeys", list_stream_keys)
    registry.add(SERVICE, "DeleteStreamKey", delete_stream_key)
    registry.add(SERVICE, "GetStream", get_stream)
    registry.add(SERVICE, "ListStreams", list_streams)
    registry.add(SERVICE, "GetStreamSession", get_stream_session)
    registry.add(SERVICE, "ListStreamSessions", list_stream_sessions)
    registry.add(SERVICE, "StopStream", stop_stream)
    registry.add(SERVICE, "PutMetadata", put_metadata)
    registry.add(SERVICE, "ImportPlaybackKeyPair", import_playback_key_pair)
    registry.add(SERVICE, "GetPlaybackKeyPair", get_playback_key_pair)
    registry.add(SERVICE, "ListPlaybackKeyPairs", list_playback_key_pairs)
    registry.add_local(PLAYBACK_KEYS_PATH, playback_keys, method="GET")
    registry.add_local(STREAMS_PATH, start_broadcast, method="POST")
    registry.add_local(STREAMS_PATH, update_broadcast, method="PATCH")
    registry.add_local(STREAMS_PATH, end_broadcast, method="DELETE")
    registry.add_local(STREAMS_PATH, list_broadcasts, method="GET")
    registry.add_local(METADATA_PATH, metadata_records, method="GET")


# --- channels (moto's), wrapped -----------------------------------------------------------------
def create_channel(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    ivs_configs.check_policy(ctx, request)
    with ctx.state.store(IvsStore) as store:
        response = ctx.forward()
        if not response.ok:
            return response
        raw = response.json_body()["streamKey"]
        store.stream_keys[raw["arn"]] = StreamKeyRecord(
            arn=raw["arn"], channel_arn=raw["channelArn"], value=raw["value"], tags=dict(raw.get("tags") or {})
        )
        channel_arn = raw["channelArn"]
    return ivs_configs.with_policy(response, ivs_configs.bind_policy(ctx, request, channel_arn))


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
    ivs_configs.drop_channel(ctx, request.params["arn"])
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
    with ctx.state.store(IvsStore) as store:
        _require_channel(request, channel_arn)
        keys = store.keys_of(channel_arn)
    return AwsResponse.json(_page(request, "streamKeys", [key.summary() for key in keys], DEFAULT_LIST_LIMIT))


def delete_stream_key(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsStore) as store:
        key = _find_key(store, request.params["arn"])
        del store.stream_keys[key.arn]
    return AwsResponse.empty(204)


# --- playback key pairs (ours) ------------------------------------------------------------------
def import_playback_key_pair(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    pem, fingerprint = _public_key(str(request.params["publicKeyMaterial"]))
    with ctx.state.store(IvsStore) as store:
        own = _own_key_pairs(store, request)
        if any(pair.fingerprint == fingerprint for pair in own):
            raise _error("ConflictException", "A playback key pair with this public key already exists", 409)
        pair = PlaybackKeyPairRecord(
            arn=f"arn:aws:ivs:{request.region}:{request.account_id}:playback-key/{_random(12)}",
            name=str(request.params.get("name") or ""),
            fingerprint=fingerprint,
            public_key_pem=pem,
            tags=dict(request.params.get("tags") or {}),
        )
        store.playback_keys[pair.arn] = pair
    return AwsResponse.json({"keyPair": pair.full()})


def get_playback_key_pair(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsStore) as store:
        pair = store.playback_keys.get(request.params["arn"])
    if pair is None:
        raise _not_found(request.params["arn"])
    return AwsResponse.json({"keyPair": pair.full()})


def list_playback_key_pairs(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsStore) as store:
        pairs = [pair.summary() for pair in _own_key_pairs(store, request)]
    return AwsResponse.json(_page(request, "keyPairs", pairs, DEFAULT_STREAMS_LIMIT))


def playback_keys(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsStore) as store:
        pairs = [{**pair.full(), "publicKeyMaterial": pair.public_key_pem} for pair in store.playback_keys.values()]
    return AwsResponse.json({"keyPairs": pairs})


def _own_key_pairs(store: IvsStore, request: AwsRequest) -> list[PlaybackKeyPairRecord]:
    own = f"arn:aws:ivs:{request.region}:{request.account_id}:playback-key/"
    return [pair for arn, pair in store.playback_keys.items() if arn.startswith(own)]


def _public_key(material: str) -> tuple[str, str]:
    """The PEM, normalised, and IVS-style fingerprint (colon-separated MD5 of the DER public key) of
    imported key material; refused as IVS refuses it unless it is a PEM EC P-384 public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_pem_public_key(material.encode())
    except ValueError:
        raise _error("ValidationException", "publicKeyMaterial is not a PEM public key", 400) from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != PLAYBACK_KEY_CURVE:
        raise _error("ValidationException", "publicKeyMaterial must be an EC P-384 (secp384r1) public key", 400)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    digest = hashlib.md5(der, usedforsecurity=False).hexdigest()
    return pem, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


# --- streams and sessions (ours) ----------------------------------------------------------------
def get_stream(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    with ctx.state.store(IvsStore) as store:
        _require_channel(request, channel_arn)
        stream = store.live.get(channel_arn)
    if stream is None:
        raise _offline(channel_arn)
    return AwsResponse.json({"stream": stream.to_json()})


def list_streams(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    health = (request.params.get("filterBy") or {}).get("health")
    own = f"arn:aws:ivs:{request.region}:{request.account_id}:channel/"
    with ctx.state.store(IvsStore) as store:
        streams = [
            stream.summary()
            for arn, stream in store.live.items()
            if arn.startswith(own) and (health is None or stream.health == health)
        ]
    return AwsResponse.json(_page(request, "streams", streams, DEFAULT_STREAMS_LIMIT))


def get_stream_session(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    stream_id = request.params.get("streamId")
    channel = _require_channel(request, channel_arn)
    with ctx.state.store(IvsStore) as store:
        sessions = store.sessions.get(channel_arn, [])
        # Without a stream id IVS answers the channel's most recent session.
        session = store.session(channel_arn, stream_id) if stream_id else (sessions[-1] if sessions else None)
        if session is None:
            raise _not_found(f"{channel_arn} stream session {stream_id or '(latest)'}")
        body = {"streamSession": session.full(channel)}
    return AwsResponse.json(body)


def list_stream_sessions(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    _require_channel(request, channel_arn)
    with ctx.state.store(IvsStore) as store:
        newest_first = sorted(store.sessions.get(channel_arn, []), key=lambda s: s.start_time, reverse=True)
        summaries = [session.summary() for session in newest_first]
    return AwsResponse.json(_page(request, "streamSessions", summaries, DEFAULT_STREAMS_LIMIT))


def stop_stream(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    channel = _require_channel(request, channel_arn)
    with ctx.state.store(IvsStore) as store:
        stream = _end(store, channel_arn)
        if stream is None:
            raise _offline(channel_arn)
        now = _now()
        events = [
            eventbus.event_json(
                ivs_events.stream_entry(
                    ivs_events.STATE_CHANGE,
                    name,
                    channel_arn=channel_arn,
                    channel_name=str(channel.get("name") or ""),
                    stream_id=stream.stream_id,
                    time=now,
                ),
                event_id=str(uuid.uuid4()),
                account_id=request.account_id,
                region=request.region,
            )
            for name in (ivs_events.STREAM_END, ivs_events.SESSION_ENDED)
        ]
        for event in events:
            record_event(ctx.state, event)
    for event in events:
        eventbus.publish(ctx.functions, event)
    _recording_ended(ctx, channel)
    return AwsResponse.json({})


def put_metadata(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    channel_arn = request.params["channelArn"]
    metadata = str(request.params["metadata"])
    _require_channel(request, channel_arn)
    size = len(metadata.encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise _error("ValidationException", f"metadata is {size} bytes; the maximum is {MAX_METADATA_BYTES} bytes", 400)
    with ctx.state.store(IvsStore) as store:
        stream = store.live.get(channel_arn)
        if stream is None:
            raise _offline(channel_arn)
        calls = store.metadata_calls.setdefault(channel_arn, deque())
        now = time.monotonic()
        while calls and now - calls[0] >= _ONE_SECOND:
            calls.popleft()
        if len(calls) >= METADATA_CALLS_PER_SECOND:
            raise _error(
                "ThrottlingException",
                f"PutMetadata is limited to {METADATA_CALLS_PER_SECOND} requests per second per channel",
                429,
            )
        calls.append(now)
        store.metadata.setdefault(channel_arn, []).append(MetadataRecord(_now(), stream.stream_id, metadata))
    return AwsResponse.empty(204)


def record_event(state: LocalState, event: Mapping[str, Any]) -> None:
    """Note an IVS event put on the bus in the session it names, as IVS lists it in the session's
    events, and follow Starvation events in the live stream's health. Events of streams this IVS
    never started (a replayed recording) have no session to go to and are only delivered."""
    detail = event.get("detail")
    resources = event.get("resources") or []
    if not isinstance(detail, Mapping) or not resources:
        return
    channel_arn, stream_id = str(resources[0]), str(detail.get("stream_id") or "")
    name = detail.get("limit_name") or detail.get("event_name")
    if not stream_id or not name:
        return
    recorded = StreamEvent(
        name=str(name), type=str(event.get("detail-type")), event_time=ivs_events.parse_event_time(str(event["time"]))
    )
    with state.store(IvsStore) as store:
        session = store.session(channel_arn, stream_id)
        if session is None:
            return
        session.events.append(recorded)
        stream = store.live.get(channel_arn)
        health = {ivs_events.STARVATION_START: "STARVING", ivs_events.STARVATION_END: "HEALTHY"}.get(recorded.name)
        if stream is not None and stream.stream_id == stream_id and health is not None:
            store.live[channel_arn] = replace(stream, health=health)


# --- the local broadcast endpoints ----------------------------------------------------------------
def start_broadcast(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    if request.path.rstrip("/") != LOCAL_PREFIX + STREAMS_PATH:
        raise ServiceError("NotFound", "start a broadcast with POST /_local/ivs/streams", 404)
    body = _json_body(request)
    channel_arn = body.get("channelArn")
    if not isinstance(channel_arn, str):
        raise ServiceError("ValidationException", "channelArn is required", 400)
    ingest = body.get("ingestConfiguration", DEFAULT_INGEST)
    if not isinstance(ingest, dict) or not all(isinstance(ingest.get(k, {}), dict) for k in ("video", "audio")):
        raise ServiceError("ValidationException", "ingestConfiguration must be {video: {...}, audio: {...}}", 400)
    channel = _channel_by_arn(channel_arn)
    now = _now()
    stream = LiveStream(
        channel_arn=channel_arn,
        stream_id=_stream_id(),
        playback_url=str(channel.get("playbackUrl") or ""),
        start_time=now,
        viewer_count=_viewer_count(body),
    )
    with ctx.state.store(IvsStore) as store:
        if channel_arn in store.live:
            # One broadcast per channel: IVS refuses a second encoder on the same stream key.
            raise ServiceError("ConflictException", f"channel {channel_arn} is already live", 409)
        store.live[channel_arn] = stream
        store.sessions.setdefault(channel_arn, []).append(
            StreamSession(channel_arn, stream.stream_id, now, copy.deepcopy(ingest))
        )
    _recording_started(ctx, channel, stream.stream_id, ingest)
    return AwsResponse.json({"stream": stream.to_json()}, 201)


def update_broadcast(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    channel_id = _channel_id(request, STREAMS_PATH)
    body = _json_body(request)
    with ctx.state.store(IvsStore) as store:
        channel_arn, stream = _live_by_id(store, channel_id, body.get("streamId"))
        if "viewerCount" in body:
            stream = replace(stream, viewer_count=_viewer_count(body))
            store.live[channel_arn] = stream
    recorder.tick(ctx.state, channel_arn, _account_of(channel_arn))
    return AwsResponse.json({"stream": stream.to_json()})


def end_broadcast(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    channel_id = _channel_id(request, STREAMS_PATH)
    stream_id = request.query_value("streamId")
    with ctx.state.store(IvsStore) as store:
        channel_arn, stream = _live_by_id(store, channel_id, stream_id)
        _end(store, channel_arn)
    _recording_ended(ctx, _channel_by_arn(channel_arn))
    return AwsResponse.json({"stream": {**stream.to_json(), "state": "OFFLINE"}})


def list_broadcasts(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsStore) as store:
        streams = [stream.to_json() for stream in store.live.values()]
    return AwsResponse.json({"streams": streams})


def metadata_records(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    channel_id = _channel_id(request, METADATA_PATH)
    with ctx.state.store(IvsStore) as store:
        records = [
            record.to_json()
            for arn, per_channel in store.metadata.items()
            if _id_of(arn) == channel_id
            for record in per_channel
        ]
    return AwsResponse(200, [("Content-Type", "application/json")], json.dumps(records).encode())


# --- recordings (emulator.local_aws.recorder) -----------------------------------------------------
def _account_of(arn: str) -> str:
    return arn.split(":")[4]


def _put_on_bus(ctx: HandlerContext, event: dict[str, Any] | None) -> None:
    if event is not None:
        record_event(ctx.state, event)
        eventbus.publish(ctx.functions, event)


def _recording_started(ctx: HandlerContext, channel: Mapping[str, Any], stream_id: str, ingest: dict[str, Any]) -> None:
    """A channel with an active recording configuration records its broadcast, as IVS does."""
    arn = str(channel.get("recordingConfigurationArn") or "")
    configuration = ivs_configs.recording_configuration(ctx, arn) if arn else None
    if configuration is None or configuration["state"] != "ACTIVE":
        return
    channel_arn = str(channel["arn"])
    event = recorder.start(
        ctx.state, configuration, dict(channel), stream_id, ingest, _account_of(channel_arn), channel_arn.split(":")[3]
    )
    _put_on_bus(ctx, event)


def _recording_ended(ctx: HandlerContext, channel: Mapping[str, Any]) -> None:
    channel_arn = str(channel["arn"])
    _put_on_bus(ctx, recorder.end(ctx.state, dict(channel), _account_of(channel_arn), channel_arn.split(":")[3]))


# --- helpers ------------------------------------------------------------------------------------
def _end(store: IvsStore, channel_arn: str) -> LiveStream | None:
    """Take the channel off the air and close its session; the stream that was live, if any."""
    stream = store.live.pop(channel_arn, None)
    if stream is None:
        return None
    store.metadata_calls.pop(channel_arn, None)
    session = store.session(channel_arn, stream.stream_id)
    if session is not None and session.end_time is None:
        session.end_time = _now()
    return stream


def _live_by_id(store: IvsStore, channel_id: str, stream_id: Any) -> tuple[str, LiveStream]:
    found = next(((arn, s) for arn, s in store.live.items() if _id_of(arn) == channel_id), None)
    if found is None:
        raise ServiceError("ChannelNotBroadcasting", f"channel {channel_id} is not live", 404)
    if stream_id and found[1].stream_id != stream_id:
        raise ServiceError(
            "ConflictException", f"channel {channel_id} broadcasts {found[1].stream_id}, not {stream_id}", 409
        )
    return found


def _channel_by_arn(channel_arn: str) -> dict[str, Any]:
    """The channel an ARN names, looked up in the account and region the ARN says."""
    parts = channel_arn.split(":")
    if len(parts) != 6 or parts[2] != SERVICE or not parts[5].startswith("channel/"):
        raise ServiceError("ValidationException", f"{channel_arn!r} is not an IVS channel ARN", 400)
    try:
        return dict(ivs_backends[parts[4]][parts[3]].get_channel(channel_arn))
    except MotoResourceNotFound:
        raise ServiceError("ResourceNotFoundException", f"no channel {channel_arn}", 404) from None


def _channel_id(request: HttpRequest, path: str) -> str:
    channel_id = request.path[len(LOCAL_PREFIX + path) :].strip("/")
    if not channel_id or "/" in channel_id:
        raise ServiceError("NotFound", f"expected {LOCAL_PREFIX}{path}/<channel id>", 404)
    return channel_id


def _id_of(channel_arn: str) -> str:
    return channel_arn.rsplit("/", 1)[-1]


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ServiceError("ValidationException", "the body is not JSON", 400) from None
    if not isinstance(body, dict):
        raise ServiceError("ValidationException", "the body must be a JSON object", 400)
    return body


def _viewer_count(body: Mapping[str, Any]) -> int:
    count = body.get("viewerCount", 0)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ServiceError("ValidationException", "viewerCount must be a whole number ≥ 0", 400)
    return count


def _stream_id() -> str:
    return "st-" + _random(STREAM_ID_LENGTH - 3)


def _page(request: AwsRequest, key: str, items: list[dict[str, Any]], default_limit: int) -> dict[str, Any]:
    limit = int(request.params.get("maxResults") or default_limit)
    start = _offset(request.params.get("nextToken"))
    out: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        out["nextToken"] = _token(start + limit)
    return out


def _offline(channel_arn: str) -> ServiceError:
    return _error("ChannelNotBroadcasting", f"Channel {channel_arn} is not broadcasting", 404)


def _error(code: str, message: str, status: int) -> ServiceError:
    # IVS's error shapes name the message `exceptionMessage`; `message` is what botocore shows.
    return ServiceError(code, message, status, fields={"exceptionMessage": message})


def _not_found(arn: str) -> ServiceError:
    return _error("ResourceNotFoundException", f"Resource: {arn} not found", 404)


def _require_channel(request: AwsRequest, channel_arn: str) -> dict[str, Any]:
    try:
        return dict(ivs_backends[request.account_id][request.region].get_channel(channel_arn))
    except MotoResourceNotFound:
        raise _not_found(channel_arn) from None


def _find_key(store: IvsStore, arn: str) -> StreamKeyRecord:
    key = store.stream_keys.get(arn)
    if key is None:
        raise _not_found(arn)
    return key


def _offset(token: str | None) -> int:
    try:
        return page_offset(token)
    except InvalidPageToken as exc:
        raise _error("ValidationException", "The nextToken is not valid", 400) from exc
