"""IVS auto-record to S3, played by the local IVS for channels created with a recording configuration.

Nothing encodes video locally, so the recording is what IVS would leave in the bucket for a broadcast
of that length, laid out as IVS lays it out, under
`ivs/v1/<account>/<channel id>/<year>/<month>/<day>/<hour>/<minute>/<recording id>/` (the UTC time the
recording started, numbers not padded, as IVS's example shows):

- `events/recording-started.json` when the broadcast starts, `events/recording-ended.json` when it ends;
- `media/hls/master.m3u8` and `media/hls/<rendition>/playlist.m3u8`: valid HLS (VOD) that players parse,
  with one segment per 10 s of broadcast (`<N>.ts`: MPEG-TS null packets, valid and empty), and the
  byte-range variants IVS also writes (`byte-range-multivariant.m3u8`, `<rendition>/byte-range-variant.m3u8`);
- `media/thumbnails/thumb<N>.jpg` every `targetIntervalSeconds`, and with LATEST storage
  `media/latest_thumbnail/thumb.jpg`, rewritten while the channel is live.

The metadata files have the low-latency schema (thumbnails as `path` and resolution, no renditions). The
"IVS Recording State Change" events (Recording Start, Recording End, and Recording Start Failure when the
bucket is gone) go on the local bus as IVS sends them. The one rendition recorded is named after the
ingest: `<height>p<fps>`. File names IVS does not document (segments, thumbnails) follow what public
code shows.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.s3.models import s3_backends

from emulator.local_aws import eventbus, ivs_events
from emulator.local_aws.services.common import random_id
from emulator.local_aws.state import LocalState

SEGMENT_SECONDS = 10
LATEST_THUMBNAIL = "latest_thumbnail/thumb.jpg"
# A 1x1 mid-grey baseline JPEG (the standard tables; one block: DC 0, then end of block): every local thumbnail.
THUMBNAIL = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a"
    "1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f"
    "0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d010203"
    "00041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738"
    "393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3"
    "a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"
    "ffda0008010100003f002bffd9"
)
# One MPEG-TS packet of the null PID: 188 bytes, a segment players accept and play as nothing.
NULL_TS_PACKET = bytes([0x47, 0x1F, 0xFF, 0x10]) + bytes([0xFF] * 184)


@dataclass
class Recording:
    channel_arn: str
    stream_id: str
    bucket: str
    prefix: str
    rendition: str
    width: int
    height: int
    started: datetime
    thumbnail_seconds: int
    latest_thumbnail: bool
    thumbnails: int = 0
    last_thumbnail: float = field(default_factory=time.monotonic)


@dataclass
class Recordings:
    """A LocalState store: the recording of each live channel that records."""

    live: dict[str, Recording] = field(default_factory=dict)


# The Content-Type IVS gives each kind of file it writes (what CloudFront then serves to players).
CONTENT_TYPES = {
    ".m3u8": "application/x-mpegURL",
    ".ts": "video/MP2T",
    ".jpg": "image/jpeg",
    ".json": "application/json",
}


def _put(account_id: str, bucket: str, key: str, body: bytes) -> None:
    stored = s3_backends[account_id]["global"].put_object(bucket, key, body)
    content_type = next((t for suffix, t in CONTENT_TYPES.items() if key.endswith(suffix)), None)
    if content_type:
        stored.set_metadata({"Content-Type": content_type})


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _event(
    status: str,
    channel: dict[str, Any],
    stream_id: str,
    account_id: str,
    region: str,
    *,
    bucket: str,
    prefix: str = "",
    duration_ms: int = 0,
    reason: str = "",
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "channel_name": str(channel.get("name") or ""),
        "stream_id": stream_id,
        "recording_status": status,
        "recording_status_reason": reason,
        "recording_s3_bucket_name": bucket,
        "recording_s3_key_prefix": prefix,
        "recording_duration_ms": duration_ms,
        "recording_session_id": prefix.rsplit("/", 1)[-1] if prefix else random_id(16),
    }
    if status == "Recording End":
        detail["recording_session_stream_ids"] = [stream_id]  # only End lists them
    entry = ivs_events.entry(ivs_events.RECORDING_CHANGE, str(channel["arn"]), detail, datetime.now(UTC))
    return eventbus.event_json(entry, event_id=str(uuid.uuid4()), account_id=account_id, region=region)


def start(
    state: LocalState,
    configuration: dict[str, Any],
    channel: dict[str, Any],
    stream_id: str,
    ingest: dict[str, Any],
    account_id: str,
    region: str,
) -> dict[str, Any]:
    """Begin recording a broadcast; the Recording Start event to put on the bus (Recording Start Failure,
    and no recording, when the bucket is gone)."""
    now = datetime.now(UTC)
    bucket = configuration["destinationConfiguration"]["s3"]["bucketName"]
    if bucket not in s3_backends[account_id]["global"].buckets:
        return _event(
            "Recording Start Failure",
            channel,
            stream_id,
            account_id,
            region,
            bucket=bucket,
            reason="ValidationException",
        )
    channel_id = str(channel["arn"]).rsplit("/", 1)[-1]
    video = ingest.get("video") or {}
    height, width = int(video.get("videoHeight") or 1080), int(video.get("videoWidth") or 1920)
    fps = int(video.get("targetFramerate") or 30)
    thumbnails = configuration.get("thumbnailConfiguration") or {}
    recording = Recording(
        channel_arn=str(channel["arn"]),
        stream_id=stream_id,
        bucket=bucket,
        prefix=f"ivs/v1/{account_id}/{channel_id}/{now.year}/{now.month}/{now.day}/{now.hour}/{now.minute}/"
        f"{random_id(12)}",
        rendition=f"{height}p{fps}",
        width=width,
        height=height,
        started=now,
        thumbnail_seconds=int(thumbnails.get("targetIntervalSeconds") or 60)
        if thumbnails.get("recordingMode", "INTERVAL") == "INTERVAL"
        else 0,
        latest_thumbnail="LATEST" in (thumbnails.get("storage") or []),
    )
    started = {
        "version": "v1",
        "channel_arn": recording.channel_arn,
        "recording_started_at": _iso(now),
        "recording_status": "RECORDING_STARTED",
        "media": _media(recording),
    }
    _put(
        account_id, recording.bucket, f"{recording.prefix}/events/recording-started.json", json.dumps(started).encode()
    )
    _thumbnail(recording, account_id)
    with state.store(Recordings) as recordings:
        recordings.live[recording.channel_arn] = recording
    return _event("Recording Start", channel, stream_id, account_id, region, bucket=bucket, prefix=recording.prefix)


def tick(state: LocalState, channel_arn: str, account_id: str) -> None:
    """While live: a thumbnail every `targetIntervalSeconds` (the latest one kept current)."""
    with state.store(Recordings) as recordings:
        recording = recordings.live.get(channel_arn)
        if recording is None or not recording.thumbnail_seconds:
            return
        if time.monotonic() - recording.last_thumbnail < recording.thumbnail_seconds:
            return
        _thumbnail(recording, account_id)


def end(state: LocalState, channel: dict[str, Any], account_id: str, region: str) -> dict[str, Any] | None:
    """Finish the channel's recording, if it records; the Recording End event to put on the bus."""
    with state.store(Recordings) as recordings:
        recording = recordings.live.pop(str(channel["arn"]), None)
    if recording is None:
        return None
    now = datetime.now(UTC)
    seconds = max((now - recording.started).total_seconds(), 0.001)
    segments = max(1, math.ceil(seconds / SEGMENT_SECONDS))
    base = f"{recording.prefix}/media/hls"
    rendition = f"{base}/{recording.rendition}"
    _put(account_id, recording.bucket, f"{base}/master.m3u8", _master(recording, "playlist.m3u8").encode())
    _put(account_id, recording.bucket, f"{rendition}/playlist.m3u8", _playlist(seconds).encode())
    multivariant = _master(recording, "byte-range-variant.m3u8")
    _put(account_id, recording.bucket, f"{base}/byte-range-multivariant.m3u8", multivariant.encode())
    _put(
        account_id,
        recording.bucket,
        f"{rendition}/byte-range-variant.m3u8",
        _playlist(seconds, byte_range=True).encode(),
    )
    for index in range(segments):
        _put(account_id, recording.bucket, f"{base}/{recording.rendition}/{index}.ts", NULL_TS_PACKET)
    _thumbnail(recording, account_id)
    duration_ms = int(seconds * 1000)
    ended = {
        "version": "v1",
        "channel_arn": recording.channel_arn,
        "recording_started_at": _iso(recording.started),
        "recording_ended_at": _iso(now),
        "recording_status": "RECORDING_ENDED",
        "media": _media(recording, duration_ms),
    }
    _put(account_id, recording.bucket, f"{recording.prefix}/events/recording-ended.json", json.dumps(ended).encode())
    return _event(
        "Recording End",
        channel,
        recording.stream_id,
        account_id,
        region,
        bucket=recording.bucket,
        prefix=recording.prefix,
        duration_ms=duration_ms,
    )


def _media(recording: Recording, duration_ms: int | None = None) -> dict[str, Any]:
    size = {"resolution_width": recording.width, "resolution_height": recording.height}
    hls: dict[str, Any] = {
        "path": "media/hls",
        "playlist": "master.m3u8",
        "byte_range_playlist": "byte-range-multivariant.m3u8",
        "renditions": [
            {
                "path": recording.rendition,
                "playlist": "playlist.m3u8",
                "byte_range_playlist": "byte-range-variant.m3u8",
                **size,
            }
        ],
    }
    if duration_ms is not None:
        hls["duration_ms"] = duration_ms
    media: dict[str, Any] = {"hls": hls}
    if recording.thumbnail_seconds:
        media["thumbnails"] = {"path": "media/thumbnails", **size}
        if recording.latest_thumbnail:
            media["latest_thumbnail"] = {"path": f"media/{LATEST_THUMBNAIL}", **size}
    return media


def _master(recording: Recording, variant: str) -> str:
    return (
        "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        f"#EXT-X-STREAM-INF:BANDWIDTH=3500000,RESOLUTION={recording.width}x{recording.height},"
        'CODECS="avc1.4D4029,mp4a.40.2"\n'
        f"{recording.rendition}/{variant}\n"
    )


def _playlist(seconds: float, *, byte_range: bool = False) -> str:
    """A VOD media playlist of `seconds` in 10 s segments; the byte-range form names each segment's bytes
    (EXT-X-BYTERANGE needs version 4)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}", "#EXT-X-MEDIA-SEQUENCE:0",
             "#EXT-X-PLAYLIST-TYPE:VOD"]  # fmt: skip
    left, index = seconds, 0
    while left > 0:
        length = min(SEGMENT_SECONDS, left)
        lines.append(f"#EXTINF:{length:.3f},")
        if byte_range:
            lines.append(f"#EXT-X-BYTERANGE:{len(NULL_TS_PACKET)}@0")
        lines.append(f"{index}.ts")
        left -= length
        index += 1
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def _thumbnail(recording: Recording, account_id: str) -> None:
    if not recording.thumbnail_seconds:
        return
    key = f"{recording.prefix}/media/thumbnails/thumb{recording.thumbnails}.jpg"
    _put(account_id, recording.bucket, key, THUMBNAIL)
    if recording.latest_thumbnail:
        _put(account_id, recording.bucket, f"{recording.prefix}/media/{LATEST_THUMBNAIL}", THUMBNAIL)
    recording.thumbnails += 1
    recording.last_thumbnail = time.monotonic()
