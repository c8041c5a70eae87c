"""A simulated broadcast against the local AWS: the events IVS sends, in order and in shape, reach the
stream-events function through EventBridge; the metrics land in CloudWatch; IVS shows the stream."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from emulator.simulator import SimulationError, StreamProfile, StreamSimulator

ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
METRICS = ("IngestVideoBitrate", "IngestFramerate", "KeyframeInterval", "ConcurrentViews")


def _names(events):
    return [e["detail"].get("event_name") or e["detail"].get("limit_name") for e in events]


def _metric_values(cloudwatch, channel_id, since, *, names=METRICS, period=5, stat="Average"):
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": name.lower(),
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/IVS",
                        "MetricName": name,
                        "Dimensions": [{"Name": "Channel", "Value": channel_id}],
                    },
                    "Period": period,
                    "Stat": stat,
                },
            }
            for name in names
        ],
        StartTime=since,
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        ScanBy="TimestampAscending",
    )
    return {result["Id"]: result["Values"] for result in answer["MetricDataResults"]}


def test_a_short_starving_stream_plays_ivs_s_events_and_metrics(local_aws_client, target, delivered):
    # GIVEN a three-second stream that starves mid-way
    began = datetime.now(UTC) - timedelta(seconds=5)
    simulator = StreamSimulator(target, StreamProfile(duration=3, starve=True, seed=7))

    # WHEN it runs to its end
    started = time.monotonic()
    result = simulator.run()
    elapsed = time.monotonic() - started

    # THEN the function got IVS's events, in IVS's order, and the run took about its duration
    events = delivered(target.channel_arn)
    assert _names(events) == [
        "Session Created",
        "Stream Start",
        "Starvation Start",
        "Starvation End",
        "Stream End",
        "Session Ended",
    ]
    assert 3 <= elapsed < 6
    assert result.ended_by == "duration"
    assert [name for _, name in result.events] == _names(events)
    # AND each is shaped as EventBridge delivers IVS's events
    for event in events:
        assert event["source"] == "aws.ivs"
        assert event["version"] == "0"
        assert event["resources"] == [target.channel_arn]
        assert ISO_SECONDS.match(event["time"])
        assert event["detail"] == {
            "event_name": event["detail"]["event_name"],
            "channel_name": target.channel_name,
            "stream_id": result.stream_id,
        }
    assert [e["detail-type"] for e in events] == [
        "IVS Stream State Change",
        "IVS Stream State Change",
        "IVS Stream Health Change",
        "IVS Stream Health Change",
        "IVS Stream State Change",
        "IVS Stream State Change",
    ]
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)

    # AND the four metrics are in CloudWatch for the channel, the bitrate dropping while starving
    cloudwatch = local_aws_client("cloudwatch")
    values = _metric_values(cloudwatch, target.channel_id, began)
    assert all(values[name.lower()] for name in METRICS)
    assert result.metric_points == 6
    # (points are 0.5 s apart in so short a run: the per-second minimum and maximum tell them apart)
    low = _metric_values(cloudwatch, target.channel_id, began, names=["IngestVideoBitrate"], period=1, stat="Minimum")
    high = _metric_values(cloudwatch, target.channel_id, began, names=["IngestVideoBitrate"], period=1, stat="Maximum")
    assert min(low["ingestvideobitrate"]) < 0.15 * 3_500_000
    assert max(high["ingestvideobitrate"]) > 0.85 * 3_500_000

    # AND IVS shows the ended session with its events and the ingest configuration it was started with
    ivs = local_aws_client("ivs")
    with pytest.raises(ivs.exceptions.ChannelNotBroadcasting):
        ivs.get_stream(channelArn=target.channel_arn)
    session = ivs.get_stream_session(channelArn=target.channel_arn, streamId=result.stream_id)["streamSession"]
    assert "endTime" in session
    assert len(session["truncatedEvents"]) == 6
    assert session["ingestConfiguration"]["video"]["targetBitrate"] == 3_500_000
    assert session["ingestConfiguration"]["audio"]["sampleRate"] == 48000


def test_a_limit_breach_names_the_channel_s_bitrate_limit(local_aws_client, target, delivered):
    # GIVEN a short stream on a BASIC channel that exceeds the ingest bitrate limit
    simulator = StreamSimulator(target, StreamProfile(duration=2, limit_breach=True, seed=1))

    # WHEN it runs
    result = simulator.run()

    # THEN IVS's Limit Breach event (limit_name, no event_name) comes between the start and the end
    events = delivered(target.channel_arn)
    assert _names(events) == ["Session Created", "Stream Start", "Ingest Bitrate", "Stream End", "Session Ended"]
    breach = events[2]
    assert breach["detail-type"] == "IVS Limit Breach"
    assert breach["detail"]["limit_value"] == 3_500_000
    assert breach["detail"]["exceeded_by"] > 0
    assert breach["detail"]["limit_unit"] == "bits per second"
    assert breach["detail"]["stream_id"] == result.stream_id
    assert "event_name" not in breach["detail"]
    # AND IVS counts it as an error event of the session
    sessions = local_aws_client("ivs").list_stream_sessions(channelArn=target.channel_arn)["streamSessions"]
    assert sessions[0]["hasErrorEvent"] is True


def test_stopping_a_background_stream_ends_it_cleanly(local_aws_client, target, delivered):
    # GIVEN a long stream running in the background
    simulator = StreamSimulator(target, StreamProfile(duration=60, viewers=40, metrics_interval=0.1, seed=2))
    simulator.start()
    ivs = local_aws_client("ivs")
    assert ivs.get_stream(channelArn=target.channel_arn)["stream"]["streamId"] == simulator.stream_id

    # WHEN it has streamed past its Stream Start (1-2 s in) and is stopped
    time.sleep(2.2)
    viewers = ivs.get_stream(channelArn=target.channel_arn)["stream"]["viewerCount"]
    started = time.monotonic()
    result = simulator.stop()

    # THEN it ends at once with the end events, and the channel is offline
    assert time.monotonic() - started < 5
    assert result.ended_by == "stopped"
    assert _names(delivered(target.channel_arn))[-2:] == ["Stream End", "Session Ended"]
    assert viewers > 0  # the audience the metrics report is the stream's viewerCount too
    with pytest.raises(ivs.exceptions.ChannelNotBroadcasting):
        ivs.get_stream(channelArn=target.channel_arn)


def test_a_stream_stopped_through_ivs_is_not_ended_twice(local_aws_client, target, delivered):
    # GIVEN a stream running in the background
    simulator = StreamSimulator(target, StreamProfile(duration=30, metrics_interval=0.1, seed=3))
    simulator.start()
    time.sleep(0.5)

    # WHEN the app stops it through IVS (which sends the end events itself)
    local_aws_client("ivs").stop_stream(channelArn=target.channel_arn)
    result = simulator.wait(5)

    # THEN the simulator notices and stops without sending the end events again
    assert result.ended_by == "external"
    names = _names(delivered(target.channel_arn))
    assert names.count("Stream End") == 1
    assert names.count("Session Ended") == 1


def test_ctrl_c_ends_the_stream_with_its_end_events(target, delivered):
    # GIVEN a blocking run where Ctrl+C is pressed once the stream has started
    pressed = []

    def report(line: str) -> None:
        if "Stream Start" in line and not pressed:
            pressed.append(line)
            raise KeyboardInterrupt

    simulator = StreamSimulator(target, StreamProfile(duration=60, seed=4), report=report)

    # WHEN it runs
    result = simulator.run()

    # THEN run() returns after ending the stream cleanly
    assert result.ended_by == "stopped"
    assert _names(delivered(target.channel_arn)) == ["Session Created", "Stream Start", "Stream End", "Session Ended"]


async def test_cancelling_run_async_ends_the_stream(target, delivered):
    # GIVEN a stream awaited from asyncio
    simulator = StreamSimulator(target, StreamProfile(duration=60, seed=5))
    task = asyncio.create_task(simulator.run_async())
    await asyncio.sleep(0.5)

    # WHEN the task is cancelled
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # THEN the stream was ended before the cancellation completed
    assert _names(delivered(target.channel_arn))[-1] == "Session Ended"


def test_a_second_stream_on_a_live_channel_is_refused(target):
    # GIVEN a channel already broadcasting
    first = StreamSimulator(target, StreamProfile(duration=30, seed=6))
    first.start()
    try:
        # WHEN another simulator starts on it
        # THEN the local IVS refuses it, as IVS refuses a second encoder
        with pytest.raises(SimulationError, match="already live"):
            StreamSimulator(target, StreamProfile(duration=30)).start()
    finally:
        first.stop()
