"""IVS auto-record to S3 on the local IVS: a broadcast on a channel with a recording configuration
leaves IVS's files in the bucket (events, HLS a player can parse, thumbnails) and puts IVS's Recording
State Change events on the bus; a channel without one records nothing."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import pytest
import requests

PREFIX = re.compile(
    r"^ivs/v1/123456789012/(?P<channel>[A-Za-z0-9]+)/\d{4}/\d{1,2}/\d{1,2}/\d{1,2}/\d{1,2}/[A-Za-z0-9]+$"
)


@pytest.fixture
def ivs(local_aws_client: Any) -> Any:
    return local_aws_client("ivs")


@pytest.fixture
def s3(local_aws_client: Any) -> Any:
    return local_aws_client("s3")


def recording_channel(ivs: Any, s3: Any, *, interval: int = 1) -> tuple[dict[str, Any], str]:
    bucket = f"rec-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    configuration = ivs.create_recording_configuration(
        destinationConfiguration={"s3": {"bucketName": bucket}},
        thumbnailConfiguration={
            "recordingMode": "INTERVAL",
            "targetIntervalSeconds": interval,
            "storage": ["SEQUENTIAL", "LATEST"],
        },
    )["recordingConfiguration"]
    channel = ivs.create_channel(name=f"r{uuid.uuid4().hex[:6]}", recordingConfigurationArn=configuration["arn"])
    return channel["channel"], bucket


def broadcast(endpoint: str, channel: dict[str, Any], seconds: float, ticks: int = 3) -> str:
    started = requests.post(f"{endpoint}/_local/ivs/streams", json={"channelArn": channel["arn"]}, timeout=5)
    assert started.status_code == 201
    stream_id = str(started.json()["stream"]["streamId"])
    channel_id = channel["arn"].rsplit("/", 1)[-1]
    for _ in range(ticks):
        time.sleep(seconds / ticks)
        requests.patch(f"{endpoint}/_local/ivs/streams/{channel_id}", json={"viewerCount": 3}, timeout=5)
    assert requests.delete(f"{endpoint}/_local/ivs/streams/{channel_id}", timeout=5).status_code == 200
    return stream_id


def keys(s3: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def body(s3: Any, bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_a_broadcast_leaves_ivs_s_recording_in_the_bucket_and_its_events_on_the_bus(
    local_aws: Any, local_functions: Any, ivs: Any, s3: Any
) -> None:
    # GIVEN a channel that records, with thumbnails every second
    recorder = local_functions({"streams": lambda event: None})
    channel, bucket = recording_channel(ivs, s3)
    # WHEN it broadcasts for about 2.5 s
    stream_id = broadcast(local_aws.endpoint, channel, 2.5)
    assert local_aws.wait_for_events()
    # THEN one recording, under IVS's prefix for this channel
    stored = keys(s3, bucket)
    prefix = stored[0].split("/events/")[0].split("/media/")[0]
    assert PREFIX.match(prefix) and PREFIX.match(prefix)["channel"] == channel["arn"].rsplit("/", 1)[-1]
    assert all(k.startswith(prefix + "/") for k in stored)
    # AND its started and ended files say what IVS's say
    started = json.loads(body(s3, bucket, f"{prefix}/events/recording-started.json"))
    ended = json.loads(body(s3, bucket, f"{prefix}/events/recording-ended.json"))
    assert (started["recording_status"], ended["recording_status"]) == ("RECORDING_STARTED", "RECORDING_ENDED")
    assert ended["channel_arn"] == channel["arn"]
    duration_ms = ended["media"]["hls"]["duration_ms"]
    assert 2000 <= duration_ms < 10_000
    rendition = ended["media"]["hls"]["renditions"][0]
    assert (rendition["path"], rendition["resolution_height"]) == ("1080p30", 1080)
    # (the low-latency schema: thumbnails as a path and a size, the latest one as its file)
    assert ended["media"]["thumbnails"] == {
        "path": "media/thumbnails",
        "resolution_width": 1920,
        "resolution_height": 1080,
    }
    assert ended["media"]["latest_thumbnail"]["path"] == "media/latest_thumbnail/thumb.jpg"
    # AND the HLS is a VOD a player can parse: the master names the rendition, whose segments exist
    master = body(s3, bucket, f"{prefix}/media/hls/master.m3u8").decode()
    assert master.startswith("#EXTM3U\n") and "#EXT-X-STREAM-INF:" in master
    playlist_key = f"{prefix}/media/hls/{master.strip().splitlines()[-1]}"
    playlist = body(s3, bucket, playlist_key).decode().splitlines()
    assert playlist[0] == "#EXTM3U" and playlist[-1] == "#EXT-X-ENDLIST" and "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
    durations = [float(line.removeprefix("#EXTINF:").rstrip(",")) for line in playlist if line.startswith("#EXTINF:")]
    assert abs(sum(durations) * 1000 - duration_ms) < 5
    segments = [line for line in playlist if line and not line.startswith("#")]
    assert all(body(s3, bucket, f"{prefix}/media/hls/1080p30/{s}")[:1] == b"\x47" for s in segments)
    # AND its byte-range variant names the same segments
    ranged = body(s3, bucket, f"{prefix}/media/hls/1080p30/byte-range-variant.m3u8").decode().splitlines()
    assert [line for line in ranged if line and not line.startswith("#")] == segments
    assert sum(line.startswith("#EXT-X-BYTERANGE:") for line in ranged) == len(segments)
    assert (
        "1080p30/byte-range-variant.m3u8"
        in body(s3, bucket, f"{prefix}/media/hls/byte-range-multivariant.m3u8").decode()
    )
    # AND thumbnails: a sequence, and the latest one
    thumbnails = [k for k in stored if re.fullmatch(rf"{prefix}/media/thumbnails/thumb\d+\.jpg", k)]
    assert len(thumbnails) >= 2
    latest = body(s3, bucket, f"{prefix}/media/latest_thumbnail/thumb.jpg")
    assert latest[:2] == b"\xff\xd8" and latest[-2:] == b"\xff\xd9"
    # AND IVS's Recording Start and Recording End went to the stream events function
    recorded = [e for e in recorder.events("streams") if e["detail-type"] == "IVS Recording State Change"]
    mine = [e for e in recorded if e["detail"]["stream_id"] == stream_id]
    assert [e["detail"]["recording_status"] for e in mine] == ["Recording Start", "Recording End"]
    assert {e["detail"]["recording_s3_key_prefix"] for e in mine} == {prefix}
    assert {e["detail"]["recording_s3_bucket_name"] for e in mine} == {bucket}
    assert mine[-1]["detail"]["recording_duration_ms"] == duration_ms
    assert mine[-1]["detail"]["recording_session_stream_ids"] == [stream_id]
    assert "recording_session_stream_ids" not in mine[0]["detail"]
    assert mine[0]["resources"] == [channel["arn"]]


def test_a_recording_whose_bucket_is_gone_fails_to_start_and_writes_nothing(
    local_aws: Any, local_functions: Any, ivs: Any, s3: Any
) -> None:
    recorder = local_functions({"streams": lambda event: None})
    channel, bucket = recording_channel(ivs, s3)
    s3.delete_bucket(Bucket=bucket)
    stream_id = broadcast(local_aws.endpoint, channel, 0.3, ticks=1)
    assert local_aws.wait_for_events()
    mine = [e for e in recorder.events("streams") if e["detail"].get("stream_id") == stream_id]
    assert [(e["detail"]["recording_status"], e["detail"]["recording_status_reason"]) for e in mine] == [
        ("Recording Start Failure", "ValidationException")
    ]
    assert mine[0]["detail"]["recording_s3_key_prefix"] == ""


def test_a_channel_without_a_recording_configuration_records_nothing(
    local_aws: Any, local_functions: Any, ivs: Any
) -> None:
    recorder = local_functions({"streams": lambda event: None})
    channel = ivs.create_channel(name=f"n{uuid.uuid4().hex[:6]}")["channel"]
    stream_id = broadcast(local_aws.endpoint, channel, 0.3, ticks=1)
    assert local_aws.wait_for_events()
    assert not [e for e in recorder.events("streams") if e["detail"].get("stream_id") == stream_id]
