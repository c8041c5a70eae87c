"""What a simulated broadcast does and when: the event timeline and the metric signals, as pure data.

Kept apart from the AWS calls so the shape of a stream can be read (and tested) without a server.
Every moment scales with the duration, so a three-second test run has the same story as a
two-minute demo: the stream starts about 1.5 s after its session (less for very short runs),
starves from 40 % to 55 % of the run, breaches the bitrate limit at 70 % (for a tenth of the run),
and ends at 100 %.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

from emulator.local_aws import ivs_events

# The bitrate limits the project's UI quotes per channel type (bits per second).
BITRATE_LIMITS: dict[str, int] = {
    "BASIC": 3_500_000,
    "STANDARD": 8_500_000,
    "ADVANCED_SD": 3_500_000,
    "ADVANCED_HD": 3_500_000,
}
DEFAULT_BITRATE_LIMIT = BITRATE_LIMITS["BASIC"]
METRICS_PERIOD = 5.0  # seconds between metric points: IVS's high-resolution granularity
KEYFRAME_INTERVAL = 2.0  # seconds, what IVS recommends encoders use
_STREAM_START_DELAY = (1.0, 2.0)  # seconds after Session Created, as IVS takes to process the first segments
_STARVATION = (0.40, 0.55)
_BREACH = (0.70, 0.80)
_VIEWER_RAMP = 0.2  # share of the run over which the audience arrives


@dataclass(frozen=True)
class StreamProfile:
    """How the simulated encoder behaves."""

    duration: float = 120.0  # seconds
    bitrate_kbps: int = 3500
    fps: int = 30
    viewers: int = 25
    starve: bool = False
    limit_breach: bool = False
    # Seconds between metric points; None: 5 s, less for runs too short to have several points.
    metrics_interval: float | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ValueError("duration must be positive")
        if self.bitrate_kbps <= 0 or self.fps <= 0 or self.viewers < 0:
            raise ValueError("bitrate and fps must be positive, viewers not negative")
        if self.metrics_interval is not None and self.metrics_interval <= 0:
            raise ValueError("metrics_interval must be positive")

    @property
    def interval(self) -> float:
        if self.metrics_interval is not None:
            return self.metrics_interval
        return min(METRICS_PERIOD, self.duration / 6)


class Beat(Enum):
    SESSION_CREATED = ivs_events.SESSION_CREATED
    STREAM_START = ivs_events.STREAM_START
    STARVATION_START = ivs_events.STARVATION_START
    STARVATION_END = ivs_events.STARVATION_END
    LIMIT_BREACH = ivs_events.INGEST_BITRATE
    METRICS = "metrics"


@dataclass(frozen=True)
class Step:
    at: float  # seconds after the broadcast started
    beat: Beat


def timeline(profile: StreamProfile, rng: random.Random) -> list[Step]:
    """Everything that happens before the end, in order (events before metrics at the same moment).
    The end itself (Stream End, Session Ended) comes at `profile.duration` or when stopped."""
    duration = profile.duration
    steps = [Step(0.0, Beat.SESSION_CREATED), Step(stream_start_delay(duration, rng), Beat.STREAM_START)]
    if profile.starve:
        steps += [
            Step(duration * _STARVATION[0], Beat.STARVATION_START),
            Step(duration * _STARVATION[1], Beat.STARVATION_END),
        ]
    if profile.limit_breach:
        steps.append(Step(duration * _BREACH[0], Beat.LIMIT_BREACH))
    tick = 0
    while tick * profile.interval < duration:
        steps.append(Step(tick * profile.interval, Beat.METRICS))
        tick += 1
    order = {beat: index for index, beat in enumerate(Beat)}
    return sorted(steps, key=lambda step: (step.at, order[step.beat]))


def stream_start_delay(duration: float, rng: random.Random) -> float:
    return min(rng.uniform(*_STREAM_START_DELAY), duration / 20)


def end_gap(duration: float) -> float:
    """Seconds between Stream End and Session Ended."""
    return min(1.0, duration / 20)


@dataclass(frozen=True)
class MetricPoint:
    """One sample of the four AWS/IVS metrics the project charts."""

    ingest_video_bitrate: float  # bits per second
    ingest_framerate: float  # frames per second
    keyframe_interval: float  # seconds
    concurrent_views: int

    def metric_data(self) -> list[tuple[str, float, str]]:
        """(metric name, value, CloudWatch unit) for PutMetricData."""
        return [
            ("IngestVideoBitrate", self.ingest_video_bitrate, "Bits/Second"),
            ("IngestFramerate", self.ingest_framerate, "Count/Second"),
            ("KeyframeInterval", self.keyframe_interval, "Seconds"),
            ("ConcurrentViews", float(self.concurrent_views), "Count"),
        ]


class Signals:
    """The encoder's and the audience's numbers over time, with the jitter real streams have."""

    def __init__(self, profile: StreamProfile, rng: random.Random, bitrate_limit: int = DEFAULT_BITRATE_LIMIT) -> None:
        self._profile = profile
        self._rng = rng
        self.bitrate_limit = bitrate_limit

    def starving(self, at: float) -> bool:
        duration = self._profile.duration
        return self._profile.starve and duration * _STARVATION[0] <= at < duration * _STARVATION[1]

    def breaching(self, at: float) -> bool:
        duration = self._profile.duration
        return self._profile.limit_breach and duration * _BREACH[0] <= at < duration * _BREACH[1]

    def sample(self, at: float) -> MetricPoint:
        rng, profile = self._rng, self._profile
        target = profile.bitrate_kbps * 1000.0
        if self.starving(at):
            # The encoder's uplink stalls: a trickle of data, a stuttering picture, viewers leaving.
            bitrate = target * rng.uniform(0.02, 0.12)
            framerate = profile.fps * rng.uniform(0.0, 0.25)
            keyframes = KEYFRAME_INTERVAL * rng.uniform(1.5, 3.0)
            audience = 0.85
        else:
            if self.breaching(at):
                bitrate = max(target, self.bitrate_limit) * rng.uniform(1.08, 1.2)
            else:
                bitrate = min(max(rng.gauss(target, target * 0.03), target * 0.85), target * 1.1)
            # Encoders hold their frame rate, dropping a frame now and then (29.97 rather than 30).
            framerate = max(profile.fps - abs(rng.gauss(0.0, 0.15)), profile.fps * 0.9)
            keyframes = max(rng.gauss(KEYFRAME_INTERVAL, 0.03), 0.5)
            audience = 1.0
        arrived = min(1.0, at / (profile.duration * _VIEWER_RAMP)) if profile.duration else 1.0
        views = round(profile.viewers * arrived * audience * rng.uniform(0.92, 1.08))
        return MetricPoint(
            ingest_video_bitrate=round(bitrate),
            ingest_framerate=round(framerate, 2),
            keyframe_interval=round(keyframes, 2),
            concurrent_views=max(views, 0),
        )
