"""`StreamSimulator`: one simulated broadcast on the local AWS, with IVS's events and metrics.

It plays the encoder and IVS together: it starts the broadcast on the local IVS
(`POST /_local/ivs/streams`, so GetStream, GetStreamSession and PutMetadata see a live channel),
puts the events IVS would send on the local EventBridge bus (which runs the project's stream-events
function), and every few seconds puts the channel's AWS/IVS metrics into the local CloudWatch:

    Session Created → Stream Start (≈1.5 s later) → [Starvation Start → Starvation End]
        → [IVS Limit Breach "Ingest Bitrate"] → (duration) → Stream End → Session Ended

Metrics go in as high-resolution points (StorageResolution 1) with the dimension
`Channel=<channel id>`: IngestVideoBitrate, IngestFramerate, KeyframeInterval, ConcurrentViews.

Use it blocking (`run()`, which ends the stream cleanly on Ctrl+C), in the background (`start()`,
then `stop()` ends the stream early, or `wait()`), or from asyncio (`await run_async()`; cancelling
ends the stream). If something else ends the broadcast (IVS StopStream, which sends the end events
itself), the simulator notices at its next metrics tick and stops without sending them again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from client.errors import UGCError
from emulator.local_aws import ivs_events
from emulator.local_aws.clients import client
from emulator.simulator.local import SimulationError, local_call
from emulator.simulator.model import (
    BITRATE_LIMITS,
    DEFAULT_BITRATE_LIMIT,
    Beat,
    Signals,
    Step,
    StreamProfile,
    end_gap,
    timeline,
)

logger = logging.getLogger(__name__)

NAMESPACE = "AWS/IVS"
STREAMS_PATH = "/_local/ivs/streams"
Reporter = Callable[[str], None]


@dataclass(frozen=True)
class SimulationTarget:
    """The channel to broadcast on, on the local AWS at `endpoint`."""

    endpoint: str
    channel_arn: str
    channel_name: str = ""
    channel_type: str = "BASIC"

    @property
    def channel_id(self) -> str:
        return self.channel_arn.rsplit("/", 1)[-1]


@dataclass
class SimulationResult:
    stream_id: str = ""
    # (detail-type, event or limit name) of each event put on the bus, in order.
    events: list[tuple[str, str]] = field(default_factory=list)
    metric_points: int = 0
    # "duration", "stopped" (stop() or Ctrl+C), or "external" (the broadcast was ended elsewhere).
    ended_by: str = ""


class StreamSimulator:
    def __init__(
        self,
        target: SimulationTarget,
        profile: StreamProfile | None = None,
        *,
        report: Reporter | None = None,
        aws: Callable[[str], Any] | None = None,
    ) -> None:
        """`report` gets one line per thing that happens (default: the logger at INFO); `aws`
        builds a boto3 client per service name (default: local clients at `target.endpoint`)."""
        self.target = target
        self.profile = profile or StreamProfile()
        self._report = report or (lambda line: logger.info(line, extra={"channel": target.channel_id}))
        make = aws or (lambda service: client(target.endpoint, service))
        self._events = make("events")
        self._cloudwatch = make("cloudwatch")
        self._rng = random.Random(self.profile.seed)
        limit = BITRATE_LIMITS.get(target.channel_type, DEFAULT_BITRATE_LIMIT)
        self._signals = Signals(self.profile, self._rng, limit)
        self._stop = threading.Event()
        self._started = threading.Event()
        self._streaming = False  # Stream Start was sent, so the end has a Stream End too
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.result = SimulationResult()

    # --- ways to run it ---------------------------------------------------------------------------
    def run(self) -> SimulationResult:
        """Broadcast for the profile's duration (or until stop() or Ctrl+C), then end the stream."""
        if self.result.stream_id:
            raise RuntimeError("a StreamSimulator plays one broadcast; make another for the next")
        stream_id = self._go_live()
        try:
            ours = self._play(stream_id)
        except KeyboardInterrupt:
            self.result.ended_by = "stopped"
            self._report("interrupted: ending the stream")
            ours = True
        except BaseException:
            # Leave no broadcast behind that nobody plays: end it as best we can, then fail.
            try:
                self._end(stream_id)
            except Exception:
                logger.exception("could not end the failed simulated stream", extra={"stream_id": stream_id})
            raise
        if ours:
            self._end(stream_id)
        return self.result

    def start(self) -> None:
        """Run in a background thread; returns once the broadcast is live (or failed to start)."""
        if self._thread is not None:
            raise RuntimeError("this simulator was already started")
        self._thread = threading.Thread(target=self._run_in_thread, name=f"simulate-{self.target.channel_id}")
        self._thread.daemon = True
        self._thread.start()
        self._started.wait()
        if self._error is not None:
            raise self._error

    def request_stop(self) -> None:
        """Ask the run to end the stream now (end events sent); returns at once (safe in a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float | None = 30.0) -> SimulationResult:
        """End the stream now (end events sent) and wait for the background run to finish."""
        self.request_stop()
        return self.wait(timeout)

    def wait(self, timeout: float | None = None) -> SimulationResult:
        """Wait for the background run to end; raises what it failed with, TimeoutError if still running."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"the simulated stream on {self.target.channel_id} is still running")
        if self._error is not None:
            raise self._error
        return self.result

    async def run_async(self) -> SimulationResult:
        """`run()` off the event loop; cancelling the awaiting task ends the stream cleanly first."""
        running = asyncio.ensure_future(asyncio.to_thread(self.run))
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            self._stop.set()
            await running
            raise

    @property
    def stream_id(self) -> str:
        return self.result.stream_id

    # --- the broadcast ----------------------------------------------------------------------------
    def _run_in_thread(self) -> None:
        try:
            self.run()
        except BaseException as exc:  # handed to whoever waits for the thread
            self._error = exc
            # A refusal (channel already live, local AWS down) needs no traceback; a bug does.
            logger.warning(
                "simulated stream failed: %s",
                exc,
                exc_info=not isinstance(exc, UGCError),
                extra={"channel": self.target.channel_id},
            )
        finally:
            self._started.set()

    def _go_live(self) -> str:
        profile = self.profile
        ingest = {
            "video": {
                "avcProfile": "Main",
                "avcLevel": "4.1",
                "codec": "avc1.4D4029",
                "encoder": "ugc simulate",
                "targetBitrate": profile.bitrate_kbps * 1000,
                "targetFramerate": profile.fps,
                "videoHeight": 1080,
                "videoWidth": 1920,
            },
            "audio": {"codec": "mp4a.40.2", "targetBitrate": 160000, "sampleRate": 48000, "channels": 2},
        }
        _, body = local_call(
            "POST",
            self.target.endpoint + STREAMS_PATH,
            {"channelArn": self.target.channel_arn, "ingestConfiguration": ingest},
            refusals={
                404: f"the local IVS has no channel {self.target.channel_arn}",
                409: f"channel {self.target.channel_id} is already live",
            },
        )
        stream_id = str(body["stream"]["streamId"])
        self.result.stream_id = stream_id
        self._report(f"live: {self.target.channel_name or self.target.channel_id} stream {stream_id}")
        self._started.set()
        return stream_id

    def _play(self, stream_id: str) -> bool:
        """Everything up to the end; False if the broadcast was ended elsewhere."""
        began = time.monotonic()
        for step in timeline(self.profile, self._rng):
            if self._stop.wait(max(0.0, began + step.at - time.monotonic())):
                self.result.ended_by = "stopped"
                return True
            if step.beat is Beat.METRICS:
                if not self._tick(stream_id, step):
                    self.result.ended_by = "external"
                    self._report("the broadcast was ended elsewhere (StopStream?): not sending end events")
                    return False
            elif step.beat is Beat.LIMIT_BREACH:
                self._limit_breach(stream_id, step.at)
            else:
                health = step.beat in (Beat.STARVATION_START, Beat.STARVATION_END)
                detail_type = ivs_events.HEALTH_CHANGE if health else ivs_events.STATE_CHANGE
                self._send_stream_event(detail_type, step.beat.value, stream_id)
        stopped = self._stop.wait(max(0.0, began + self.profile.duration - time.monotonic()))
        self.result.ended_by = "stopped" if stopped else "duration"
        return True

    def _tick(self, stream_id: str, step: Step) -> bool:
        """One metrics sample; False when the broadcast is no longer ours."""
        point = self._signals.sample(step.at)
        # Also how the simulator learns its broadcast was ended elsewhere: 404 offline, 409 another stream.
        status, _ = local_call(
            "PATCH",
            f"{self.target.endpoint}{STREAMS_PATH}/{self.target.channel_id}",
            {"streamId": stream_id, "viewerCount": point.concurrent_views},
            accept=(404, 409),
        )
        if status in (404, 409):
            return False
        now = datetime.now(UTC)
        dimensions = [{"Name": "Channel", "Value": self.target.channel_id}]
        self._cloudwatch.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[
                {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Timestamp": now,
                    "Value": value,
                    "Unit": unit,
                    "StorageResolution": 1,
                }
                for name, value, unit in point.metric_data()
            ],
        )
        self.result.metric_points += 1
        return True

    def _limit_breach(self, stream_id: str, at: float) -> None:
        observed = int(self._signals.sample(at).ingest_video_bitrate)
        limit = self._signals.bitrate_limit
        entry = ivs_events.limit_breach_entry(
            ivs_events.INGEST_BITRATE,
            limit_value=limit,
            exceeded_by=max(observed - limit, 1),
            limit_unit=ivs_events.BITS_PER_SECOND,
            channel_arn=self.target.channel_arn,
            channel_name=self.target.channel_name,
            stream_id=stream_id,
            time=datetime.now(UTC),
        )
        self._put(entry, ivs_events.LIMIT_BREACH, ivs_events.INGEST_BITRATE)

    def _end(self, stream_id: str) -> None:
        """The encoder disconnects, then IVS says so: Stream End (if the stream had started), Session Ended."""
        status, _ = local_call(
            "DELETE",
            f"{self.target.endpoint}{STREAMS_PATH}/{self.target.channel_id}?streamId={stream_id}",
            accept=(404, 409),
        )
        if status in (404, 409):
            self.result.ended_by = "external"
            self._report("the broadcast was already ended elsewhere: not sending end events")
            return
        if self._streaming:
            self._send_stream_event(ivs_events.STATE_CHANGE, ivs_events.STREAM_END, stream_id)
            # Not interruptible: the session must be seen to end once the encoder is gone.
            time.sleep(end_gap(self.profile.duration))
        self._send_stream_event(ivs_events.STATE_CHANGE, ivs_events.SESSION_ENDED, stream_id)
        self._report(f"ended: stream {stream_id} ({self.result.metric_points} metric points)")

    def _send_stream_event(self, detail_type: str, name: str, stream_id: str) -> None:
        entry = ivs_events.stream_entry(
            detail_type,
            name,
            channel_arn=self.target.channel_arn,
            channel_name=self.target.channel_name,
            stream_id=stream_id,
            time=datetime.now(UTC),
        )
        self._put(entry, detail_type, name)

    def _put(self, entry: dict[str, Any], detail_type: str, name: str) -> None:
        answer = self._events.put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            raise SimulationError(f"EventBridge refused the {name} event: {answer['Entries'][0]}")
        self.result.events.append((detail_type, name))
        self._streaming = self._streaming or name == ivs_events.STREAM_START
        self._report(f"{detail_type}: {name}")
