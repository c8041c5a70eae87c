"""The shape of a simulated stream: when things happen and what the metrics look like."""

from __future__ import annotations

import random

import pytest

from emulator.simulator.model import Beat, Signals, StreamProfile, end_gap, timeline

EVENT_BEATS = [b for b in Beat if b is not Beat.METRICS]


def _events(steps):
    return [(round(step.at, 3), step.beat) for step in steps if step.beat is not Beat.METRICS]


def test_a_two_minute_stream_follows_ivs_s_timing():
    # GIVEN the CLI's defaults with starvation and a limit breach
    profile = StreamProfile(duration=120, starve=True, limit_breach=True)

    # WHEN its timeline is planned
    steps = timeline(profile, random.Random(1))

    # THEN the stream starts 1-2 s after its session, starves mid-way, breaches later
    events = _events(steps)
    assert [beat for _, beat in events] == EVENT_BEATS
    assert events[0][0] == 0
    assert 1.0 <= events[1][0] <= 2.0
    assert (events[2][0], events[3][0], events[4][0]) == (48.0, 66.0, 84.0)
    # AND metrics come every 5 s from the start to the end
    ticks = [step.at for step in steps if step.beat is Beat.METRICS]
    assert ticks == [5.0 * i for i in range(24)]
    assert end_gap(120) == 1.0


def test_a_short_stream_keeps_the_story_at_a_smaller_scale():
    # GIVEN a three-second test stream
    profile = StreamProfile(duration=3, starve=True)

    # WHEN its timeline is planned
    steps = timeline(profile, random.Random(1))

    # THEN everything happens in order within the run, with several metric points
    events = _events(steps)
    assert [beat for _, beat in events] == [
        Beat.SESSION_CREATED,
        Beat.STREAM_START,
        Beat.STARVATION_START,
        Beat.STARVATION_END,
    ]
    assert events[1][0] <= 0.15
    assert all(step.at < 3 for step in steps)
    assert len([s for s in steps if s.beat is Beat.METRICS]) == 6
    # AND at the same moment events come before the metrics
    assert steps[0].beat is Beat.SESSION_CREATED


def test_signals_have_jitter_drops_and_spikes():
    # GIVEN a 3.5 Mbps, 30 fps stream of 25 viewers that starves and breaches a 3.5 Mbps limit
    profile = StreamProfile(duration=100, starve=True, limit_breach=True, seed=3)
    signals = Signals(profile, random.Random(3), bitrate_limit=3_500_000)

    # WHEN it is sampled while healthy, starving and breaching
    healthy = [signals.sample(at) for at in (25, 30, 35)]
    starving = signals.sample(45)
    breaching = signals.sample(72)

    # THEN healthy samples jitter around the target, starvation collapses them, breaches exceed the limit
    assert all(2_975_000 <= p.ingest_video_bitrate <= 3_850_000 for p in healthy)
    assert len({p.ingest_video_bitrate for p in healthy}) == 3
    assert all(27 <= p.ingest_framerate <= 30 for p in healthy)
    assert all(1.8 <= p.keyframe_interval <= 2.2 for p in healthy)
    assert all(20 <= p.concurrent_views <= 30 for p in healthy)
    assert starving.ingest_video_bitrate < 0.15 * 3_500_000
    assert starving.ingest_framerate < 10
    assert breaching.ingest_video_bitrate > 3_500_000
    # AND the audience arrives over the first fifth of the run
    assert signals.sample(0).concurrent_views == 0
    assert 8 <= signals.sample(10).concurrent_views <= 16


@pytest.mark.parametrize(
    "kwargs", [{"duration": 0}, {"bitrate_kbps": 0}, {"fps": -1}, {"viewers": -1}, {"metrics_interval": 0}]
)
def test_nonsense_profiles_are_refused(kwargs):
    with pytest.raises(ValueError):
        StreamProfile(**kwargs)
