"""IVS streams on the local AWS: GetStream / ListStreams / StopStream, stream sessions and their
events, PutMetadata's limits, and the local endpoints that start and end simulated broadcasts."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
import requests
from botocore.config import Config

from emulator.local_aws import ivs_events
from emulator.local_aws.clients import boto_session
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


# --- broadcasts started through the local endpoints -------------------------------------------------
@pytest.fixture
def broadcast(local_aws, channel):
    """Start a broadcast on the channel the way the simulator does; returns the Stream JSON."""

    def start(**body):
        response = requests.post(
            f"{local_aws.endpoint}/_local/ivs/streams", json={"channelArn": channel["arn"], **body}, timeout=5
        )
        assert response.status_code == 201, response.text
        return response.json()["stream"]

    yield start
    with PROCESS_STATE.store(IvsStore) as store:
        store.live.pop(channel["arn"], None)


def _put_ivs_event(events, channel, stream_id, detail_type, name, when):
    entry = ivs_events.stream_entry(
        detail_type, name, channel_arn=channel["arn"], channel_name=channel["name"], stream_id=stream_id, time=when
    )
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0


def test_a_broadcast_is_a_live_stream_with_a_session(local_aws, local_aws_client, ivs, channel, broadcast):
    # GIVEN a broadcast started with an ingest configuration and an audience
    ingest = {"video": {"codec": "avc1.64001F", "targetBitrate": 2500000, "targetFramerate": 60}, "audio": {}}
    started = broadcast(ingestConfiguration=ingest, viewerCount=7)

    # WHEN the channel's stream is read and listed
    stream = ivs.get_stream(channelArn=channel["arn"])["stream"]
    listed = ivs.list_streams()["streams"]

    # THEN IVS's Stream is live, healthy, with the audience, and only in its own account's listing
    assert stream["streamId"] == started["streamId"]
    assert len(stream["streamId"]) == 26
    assert stream["streamId"].startswith("st-")
    assert (stream["state"], stream["health"], stream["viewerCount"]) == ("LIVE", "HEALTHY", 7)
    assert stream["playbackUrl"] == channel["playbackUrl"]
    summary = next(s for s in listed if s["channelArn"] == channel["arn"])
    assert summary["streamId"] == started["streamId"]
    assert "playbackUrl" not in summary

    # AND the session holds the ingest configuration and the channel
    session = ivs.get_stream_session(channelArn=channel["arn"], streamId=started["streamId"])["streamSession"]
    assert session["ingestConfiguration"]["video"]["targetFramerate"] == 60
    assert session["channel"]["arn"] == channel["arn"]
    assert "endTime" not in session

    # WHEN IVS's events for the stream go through the local EventBridge, starvation among them
    events = local_aws_client("events")
    now = datetime.now(UTC)
    _put_ivs_event(events, channel, started["streamId"], ivs_events.STATE_CHANGE, ivs_events.SESSION_CREATED, now)
    _put_ivs_event(events, channel, started["streamId"], ivs_events.STATE_CHANGE, ivs_events.STREAM_START, now)
    _put_ivs_event(events, channel, started["streamId"], ivs_events.HEALTH_CHANGE, ivs_events.STARVATION_START, now)

    # THEN the session lists them, newest first, and the stream is starving (ListStreams filters on it)
    session = ivs.get_stream_session(channelArn=channel["arn"])["streamSession"]
    assert [e["name"] for e in session["truncatedEvents"]] == ["Starvation Start", "Stream Start", "Session Created"]
    assert session["truncatedEvents"][0]["type"] == "IVS Stream Health Change"
    assert ivs.get_stream(channelArn=channel["arn"])["stream"]["health"] == "STARVING"
    starving = ivs.list_streams(filterBy={"health": "STARVING"})["streams"]
    assert channel["arn"] in [s["channelArn"] for s in starving]
    healthy = ivs.list_streams(filterBy={"health": "HEALTHY"})["streams"]
    assert channel["arn"] not in [s["channelArn"] for s in healthy]


def test_ended_broadcasts_stay_listed_as_sessions_newest_first(local_aws, ivs, channel, broadcast):
    # GIVEN two broadcasts one after the other
    first = broadcast()
    gone = requests.delete(f"{local_aws.endpoint}/_local/ivs/streams/{channel['arn'].rsplit('/', 1)[-1]}", timeout=5)
    assert gone.status_code == 200
    assert gone.json()["stream"]["state"] == "OFFLINE"
    second = broadcast()

    # WHEN the channel's sessions are listed, one per page
    page = ivs.list_stream_sessions(channelArn=channel["arn"], maxResults=1)
    rest = ivs.list_stream_sessions(channelArn=channel["arn"], nextToken=page["nextToken"])

    # THEN the live one comes first, without an end; the ended one has one and no error events
    assert [s["streamId"] for s in page["streamSessions"] + rest["streamSessions"]] == [
        second["streamId"],
        first["streamId"],
    ]
    assert "endTime" not in page["streamSessions"][0]
    ended = rest["streamSessions"][0]
    assert ended["endTime"] >= ended["startTime"]
    assert ended["hasErrorEvent"] is False
    # AND without a stream id GetStreamSession answers the latest session
    latest = ivs.get_stream_session(channelArn=channel["arn"])["streamSession"]
    assert latest["streamId"] == second["streamId"]


def test_stream_sessions_of_unknown_streams_are_not_found(ivs, channel):
    # GIVEN a channel that never broadcast
    # WHEN its latest session, or a made-up one, is read
    # THEN IVS answers ResourceNotFoundException
    for kwargs in ({}, {"streamId": "st-" + "a" * 23}):
        with pytest.raises(ivs.exceptions.ResourceNotFoundException):
            ivs.get_stream_session(channelArn=channel["arn"], **kwargs)
    assert ivs.list_stream_sessions(channelArn=channel["arn"])["streamSessions"] == []


def test_the_broadcast_endpoints_refuse_what_ivs_would(local_aws, channel, broadcast):
    base = f"{local_aws.endpoint}/_local/ivs/streams"
    channel_id = channel["arn"].rsplit("/", 1)[-1]
    # GIVEN a live channel
    started = broadcast()

    # WHEN a second encoder connects, an unknown channel is started, or another stream is updated
    again = requests.post(base, json={"channelArn": channel["arn"]}, timeout=5)
    unknown = requests.post(base, json={"channelArn": channel["arn"][:-4] + "zzzz"}, timeout=5)
    wrong = requests.patch(f"{base}/{channel_id}", json={"streamId": "st-" + "b" * 23, "viewerCount": 3}, timeout=5)
    right = requests.patch(f"{base}/{channel_id}", json={"streamId": started["streamId"], "viewerCount": 3}, timeout=5)

    # THEN conflicts and unknowns are refused, and the right stream takes the update
    assert (again.status_code, again.json()["code"]) == (409, "ConflictException")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ResourceNotFoundException")
    assert (wrong.status_code, wrong.json()["code"]) == (409, "ConflictException")
    assert right.json()["stream"]["viewerCount"] == 3
    live = requests.get(base, timeout=5).json()["streams"]
    assert started["streamId"] in [s["streamId"] for s in live]

    # WHEN the broadcast ends twice
    requests.delete(f"{base}/{channel_id}", timeout=5)
    twice = requests.delete(f"{base}/{channel_id}", timeout=5)

    # THEN the second finds the channel offline
    assert (twice.status_code, twice.json()["code"]) == (404, "ChannelNotBroadcasting")


def test_stop_stream_ends_the_session_and_announces_it(local_aws, local_functions, ivs, channel, broadcast):
    # GIVEN a live channel and the stream-events function listening on the bus
    recorder = local_functions({"streams": lambda event: None})
    started = broadcast()

    # WHEN the stream is stopped through the IVS API
    ivs.stop_stream(channelArn=channel["arn"])
    assert local_aws.wait_for_events()

    # THEN the session has ended and IVS's end events reached the function, in order
    session = ivs.get_stream_session(channelArn=channel["arn"], streamId=started["streamId"])["streamSession"]
    assert "endTime" in session
    delivered = [e for e in recorder.events("streams") if e["resources"] == [channel["arn"]]]
    assert [e["detail"]["event_name"] for e in delivered] == ["Stream End", "Session Ended"]
    assert all(e["detail"]["stream_id"] == started["streamId"] for e in delivered)
    assert all(e["source"] == "aws.ivs" and e["detail-type"] == "IVS Stream State Change" for e in delivered)
    assert [e["name"] for e in session["truncatedEvents"]] == ["Session Ended", "Stream End"]


# --- PutMetadata --------------------------------------------------------------------------------------
@pytest.fixture
def ivs_once(local_aws):
    """An IVS client that does not retry: a throttled call must show, not be retried into success."""
    return boto_session().client(
        "ivs", endpoint_url=local_aws.endpoint, config=Config(retries={"total_max_attempts": 1})
    )


def test_put_metadata_needs_a_live_channel(ivs_once, channel):
    # GIVEN an offline channel
    # WHEN timed metadata is put into it
    # THEN IVS answers ChannelNotBroadcasting (404)
    with pytest.raises(ivs_once.exceptions.ChannelNotBroadcasting) as raised:
        ivs_once.put_metadata(channelArn=channel["arn"], metadata="hello")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_put_metadata_takes_one_kilobyte_at_most(local_aws, ivs_once, channel, broadcast):
    # GIVEN a live channel
    started = broadcast()

    # WHEN exactly 1 KB (multi-byte characters counted in bytes) and then one byte more are put
    exactly = "é" * 512
    ivs_once.put_metadata(channelArn=channel["arn"], metadata=exactly)
    with pytest.raises(ivs_once.exceptions.ValidationException) as raised:
        ivs_once.put_metadata(channelArn=channel["arn"], metadata=exactly + "x")

    # THEN the oversized one is refused with a 400 and only the first was inserted
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    records = requests.get(
        f"{local_aws.endpoint}/_local/ivs/metadata/{channel['arn'].rsplit('/', 1)[-1]}", timeout=5
    ).json()
    assert [(r["streamId"], r["metadata"]) for r in records] == [(started["streamId"], exactly)]


def test_put_metadata_is_throttled_after_five_calls_a_second(local_aws, ivs_once, channel, broadcast):
    # GIVEN a live channel
    broadcast()

    # WHEN six payloads are put within a second
    for index in range(5):
        response = ivs_once.put_metadata(channelArn=channel["arn"], metadata=f"cue {index}")
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ivs_once.exceptions.ThrottlingException) as raised:
        ivs_once.put_metadata(channelArn=channel["arn"], metadata="cue 5")

    # THEN the sixth is throttled with HTTP 429 and not inserted
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    records = requests.get(
        f"{local_aws.endpoint}/_local/ivs/metadata/{channel['arn'].rsplit('/', 1)[-1]}", timeout=5
    ).json()
    assert [r["metadata"] for r in records] == [f"cue {i}" for i in range(5)]

    # WHEN a second has passed
    time.sleep(1.05)

    # THEN the channel takes metadata again
    ivs_once.put_metadata(channelArn=channel["arn"], metadata="cue 6")
