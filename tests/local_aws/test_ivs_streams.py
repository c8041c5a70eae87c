"""IVS GetStream / StopStream: offline channels, unknown channels, and the live-stream state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from emulator.local_aws.services.ivs import IvsStore, LiveStream
from emulator.local_aws.state import PROCESS_STATE


@pytest.fixture
def ivs(local_aws_client):
    return local_aws_client("ivs")


@pytest.fixture
def channel(ivs):
    return ivs.create_channel(name=f"streams-{uuid.uuid4().hex[:8]}")["channel"]


@pytest.fixture
def live(channel):
    """The channel broadcasting: its stream put where whatever starts streams puts it."""
    stream = LiveStream(
        channel_arn=channel["arn"],
        stream_id=f"st-{uuid.uuid4().hex[:20]}",
        playback_url=channel["playbackUrl"],
        start_time=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
    )
    with PROCESS_STATE.store(IvsStore) as store:
        store.live[channel["arn"]] = stream
    yield stream
    with PROCESS_STATE.store(IvsStore) as store:
        store.live.pop(channel["arn"], None)


def test_an_offline_channel_is_not_broadcasting(ivs, channel):
    # GIVEN a channel nobody streams to
    # WHEN its stream is read or stopped
    # THEN IVS's ChannelNotBroadcasting (404) comes back for both
    for call in (ivs.get_stream, ivs.stop_stream):
        with pytest.raises(ivs.exceptions.ChannelNotBroadcasting) as raised:
            call(channelArn=channel["arn"])
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_an_unknown_channel_is_not_found(ivs):
    # GIVEN a well-formed ARN of a channel that does not exist
    arn = "arn:aws:ivs:us-east-1:123456789012:channel/doesNotExist"

    # WHEN its stream is read
    # THEN the channel is not found (not merely offline)
    with pytest.raises(ivs.exceptions.ResourceNotFoundException):
        ivs.get_stream(channelArn=arn)


def test_a_live_channel_has_a_stream_until_it_is_stopped(ivs, channel, live):
    # GIVEN a live channel
    # WHEN its stream is read
    stream = ivs.get_stream(channelArn=channel["arn"])["stream"]

    # THEN it is IVS's Stream shape
    assert stream["channelArn"] == channel["arn"]
    assert stream["streamId"] == live.stream_id
    assert (stream["state"], stream["health"], stream["viewerCount"]) == ("LIVE", "HEALTHY", 0)
    assert stream["startTime"] == live.start_time

    # WHEN a live channel is deleted
    # THEN IVS refuses while it is live
    with pytest.raises(ivs.exceptions.ConflictException):
        ivs.delete_channel(arn=channel["arn"])

    # WHEN the stream is stopped
    ivs.stop_stream(channelArn=channel["arn"])

    # THEN the channel is offline again
    with pytest.raises(ivs.exceptions.ChannelNotBroadcasting):
        ivs.get_stream(channelArn=channel["arn"])
