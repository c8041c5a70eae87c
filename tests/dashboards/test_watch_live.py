"""`ugc watch`'s data side against a whole local stack: a simulated stream's events and metrics reach
the dashboard state through the three subscriptions, over both WebSocket protocols."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from rich.console import Console

from client.errors import GraphQLErrors
from client.realtime import PROTOCOLS
from client.watch import CHARTS, HealthState, follow, load_session, load_state, render_text, watch
from emulator.simulator import StreamProfile, StreamSimulator

pytestmark = pytest.mark.slow


async def eventually(check: Callable[[], bool], *, timeout: float, what: str, state: HealthState) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the dashboard showed:\n{render_text(state, now())}")
        await asyncio.sleep(0.1)


def now() -> datetime:
    return datetime.now(UTC)


def names(state: HealthState) -> list[str]:
    return [e.name for e in state.event_log()]


async def start_following(
    owner, state: HealthState, protocol: str, changed: Callable[[], None] | None = None
) -> asyncio.Task[None]:
    """Subscribe (returns once the server registered all three) and seed, as `ugc watch` does."""
    seeded = asyncio.Event()

    async def seed() -> None:
        await asyncio.to_thread(load_session, owner.client, state)
        seeded.set()

    following = asyncio.create_task(follow(owner.client, state, protocol=protocol, subscribed=seed, changed=changed))
    await asyncio.wait({following, asyncio.ensure_future(seeded.wait())}, timeout=30, return_when="FIRST_COMPLETED")
    if following.done():
        following.result()  # a refused subscription: show why
    assert seeded.is_set(), "the subscriptions were not registered in time"
    return following


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_simulated_stream_fills_the_watch_state_only_through_subscriptions(owner, protocol):
    # GIVEN the owner's dashboard state, loaded while the channel is offline, following its subscriptions
    state = await asyncio.to_thread(load_state, owner.client, owner.username)
    assert (state.is_live, state.session_id) == (False, None)
    live_seen = asyncio.Event()
    following = await start_following(owner, state, protocol, changed=lambda: state.is_live and live_seen.set())
    try:
        # WHEN a short stream plays, starving in the middle, with the metrics push running
        simulator = StreamSimulator(owner.target, StreamProfile(duration=6, starve=True, seed=11))
        result = await simulator.run_async()

        # THEN the events arrive in the log, the channel went live and back offline
        await eventually(
            lambda: "Session Ended" in names(state) and not state.is_live,
            timeout=30,
            what="Session Ended and offline",
            state=state,
        )
        assert live_seen.is_set(), "onChannelState never said live"
        assert state.session_id == result.stream_id
        for name in ("Session Created", "Stream Start", "Starvation Start", "Starvation End", "Stream End"):
            assert name in names(state)
        assert [e.is_error for e in state.event_log() if e.name == "Starvation Start"] == [True]
        assert state.is_healthy is True  # the starvation ended
        # AND every chart has points from the metrics pushes
        for spec in CHARTS:
            assert state.points(spec.metric), f"no {spec.metric} points"
        bitrate = [v for _, v in state.points("INGEST_VIDEO_BITRATE")]
        assert max(bitrate) > 1_000_000  # bits per second, as CloudWatch has IVS's metric
        assert state.pushes >= len(result.events) + 2
        # AND the screen shows it
        screen = render_text(state, now())
        assert "Session Ended" in screen and "kbps" in screen and "offline" in screen
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)


async def test_a_channel_that_is_live_when_the_dashboard_opens_is_seeded_from_its_session(owner):
    # GIVEN a stream that is already live and has metrics
    simulator = StreamSimulator(owner.target, StreamProfile(duration=60, metrics_interval=0.5, seed=5))
    await asyncio.to_thread(simulator.start)
    try:
        deadline = time.monotonic() + 30
        while True:
            state = await asyncio.to_thread(load_state, owner.client, owner.username)
            await asyncio.to_thread(load_session, owner.client, state)
            if state.is_live and "Stream Start" in names(state) and state.points("INGEST_FRAMERATE"):
                break
            assert time.monotonic() < deadline, render_text(state, now())
            await asyncio.sleep(0.5)
        # THEN the seed alone has the session, its events and metric points
        assert state.session_id == simulator.stream_id
        assert state.live_since is not None
        # WHEN the dashboard follows it and the stream stops
        following = await start_following(owner, state, "appsync")
        try:
            await asyncio.to_thread(simulator.stop)
            await eventually(
                lambda: "Session Ended" in names(state) and not state.is_live,
                timeout=30,
                what="Session Ended",
                state=state,
            )
            # THEN the pushes merged into the seeded session rather than replacing it
            assert state.session_id == simulator.stream_id
            assert names(state).count("Stream Start") == 1
        finally:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
    finally:
        await asyncio.to_thread(simulator.stop)


async def test_another_users_channel_cannot_be_watched(owner, stack):
    # GIVEN a second user, who does not own the first one's channel
    state = await asyncio.to_thread(load_state, owner.client, owner.username)
    intruder = await stack.api.provisioned("intruder")
    from client.sdk import JwtAuth, UGCClient

    # WHEN they follow the owner's channel THEN the owner-only subscriptions are refused
    with UGCClient(stack.outputs.data.url, JwtAuth(stack.api.tokens[intruder])) as other, pytest.raises(GraphQLErrors):
        await asyncio.wait_for(follow(other, state, protocol="graphql-transport-ws"), timeout=30)


async def test_the_dashboard_redraws_on_pushes_and_leaves_the_screen_cleanly_when_cancelled(owner):
    # GIVEN `ugc watch` drawing on a (recorded) terminal
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, height=40, color_system=None)
    watching = asyncio.create_task(watch(owner.client, owner.username, console=console))

    async def shown(text: str) -> None:
        deadline = time.monotonic() + 30
        while text not in screen.getvalue():
            assert not watching.done(), watching.exception()
            assert time.monotonic() < deadline, f"{text!r} never drawn"
            await asyncio.sleep(0.1)

    await shown("subscribed (appsync)")
    # WHEN a short stream plays
    await StreamSimulator(owner.target, StreamProfile(duration=4, seed=3)).run_async()
    # THEN its events and the offline state are drawn
    await shown("Session Ended")
    assert "Stream Start" in screen.getvalue()
    # AND cancelling it (what Ctrl+C does under asyncio.run) ends it and restores the screen
    watching.cancel()
    with pytest.raises(asyncio.CancelledError):
        await watching
    assert screen.getvalue().endswith("\x1b[?1049l")  # left the alternate screen
