"""The stream-health page of the local AppSync (`GET /health`): served offline-ready, and in headless
Chromium it signs in with the demo bar and follows a simulated stream through graphql-transport-ws."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from emulator.simulator import StreamProfile, StreamSimulator
from tests.dashboards.cdp import Page, chromium, chromium_binary

pytestmark = pytest.mark.slow

CHROMIUM = chromium_binary()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="the `chromium` binary is not installed (Debian: apt-get install chromium; `make test` does)",
)
CHARTS_HAVE_POINTS = (
    "[...document.querySelectorAll('canvas[data-metric]')].length === 4 && "
    "[...document.querySelectorAll('canvas[data-metric]')].every((c) => Number(c.dataset.points) >= {n})"
)


def has_event(name: str) -> str:
    return f"document.querySelector({json.dumps(f'#events li[data-name={json.dumps(name)}]')}) !== null"


def page_state(page: Page) -> str:
    """What the page shows, for failure messages."""
    return json.dumps(
        page.evaluate(
            "({state: {...window.healthState, series: Object.fromEntries(Object.entries(window.healthState.series)"
            ".map(([k, v]) => [k, v.length]))}, message: document.getElementById('message').textContent})"
        ),
        indent=1,
    )


def test_browsers_get_the_dashboard_and_probes_keep_the_json_health_check(stack):
    base = stack.outputs.data.url.removesuffix("/graphql")
    # WHEN a browser asks for /health
    html = httpx.get(f"{base}/health?username=alice", headers={"accept": "text/html,*/*"}).text
    # THEN it gets the page with the stack's configuration, and nothing it would fetch from elsewhere
    assert "window.healthState" in html and "__UGC_CONFIG__" not in html
    assert stack.outputs.data.url in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "graphql-transport-ws" in html
    # AND a probe still gets the JSON answer
    probe = httpx.get(f"{base}/health")
    assert probe.json() == {"status": "ok"}


@needs_chromium
def test_the_page_follows_a_simulated_stream_through_subscriptions(stack, owner, tmp_path, request):
    base = stack.outputs.data.url.removesuffix("/graphql")
    assert CHROMIUM is not None
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        # GIVEN the page, opened for the owner's channel and signed in with the demo bar
        page.navigate(f"{base}/health?username={owner.username}")
        assert "Sign in as" in page.evaluate("document.getElementById('message').textContent")
        page.evaluate(
            f"""document.getElementById('username').value = {json.dumps(owner.username)};
            document.getElementById('password').value = {json.dumps(owner.password)};
            document.getElementById('signin').click(); true"""
        )
        page.wait_for(
            "window.healthState.connection.startsWith('subscribed')",
            timeout=30,
            what="the three subscriptions",
            on_timeout=lambda: page_state(page),
        )
        assert page.evaluate("document.getElementById('live').dataset.live") == "false"

        # WHEN a stream starts (it starves a third of the way in)
        simulator = StreamSimulator(owner.target, StreamProfile(duration=24, metrics_interval=1, starve=True, seed=8))
        simulator.start()
        try:
            # THEN the charts get points and the log shows the stream starting, then starving in red
            page.wait_for(
                f"{CHARTS_HAVE_POINTS.format(n=2)} && {has_event('Stream Start')} && {has_event('Starvation Start')}",
                timeout=60,
                what="chart points, Stream Start and Starvation Start",
                on_timeout=lambda: page_state(page),
            )
            header = page.evaluate(
                "({live: document.getElementById('live').textContent,"
                " session: document.getElementById('session').textContent})"
            )
            assert header == {"live": "LIVE", "session": simulator.stream_id}
            assert page.evaluate(
                "document.querySelector('#events li[data-name=\"Starvation Start\"]').classList.contains('error')"
            )
            live_shot = page.screenshot(tmp_path / "health-live.png")
        finally:
            # WHEN the stream stops
            simulator.stop()
        # THEN the log shows the session ending and the header goes offline, the charts staying
        page.wait_for(
            f"{has_event('Session Ended')} && document.getElementById('live').dataset.live === 'false'",
            timeout=30,
            what="Session Ended and offline",
            on_timeout=lambda: page_state(page),
        )
        assert page.evaluate(CHARTS_HAVE_POINTS.format(n=1))
        names = page.evaluate("window.healthState.events.map((e) => e.name)")
        assert names.count("Stream Start") == 1 and names[-1] == "Session Ended"
        ended_shot = page.screenshot(tmp_path / "health-ended.png")
    for shot in (live_shot, ended_shot):
        assert shot.stat().st_size > 10_000
        request.node.user_properties.append(("screenshot", str(shot)))
        print(f"screenshot: {shot}")


@needs_chromium
def test_an_anonymous_visitor_sees_the_live_state_and_is_asked_to_sign_in_only_for_the_metrics(stack, owner, tmp_path):
    base = stack.outputs.data.url.removesuffix("/graphql")
    assert CHROMIUM is not None
    # GIVEN a channel that is live
    simulator = StreamSimulator(owner.target, StreamProfile(duration=30, seed=9))
    simulator.start()
    try:
        with chromium(CHROMIUM, tmp_path / "profile") as page:
            # WHEN an anonymous visitor opens its health page
            page.navigate(f"{base}/health?username={owner.username}")
            # THEN it says LIVE (anyone may know that), and asks them to sign in for the metrics
            page.wait_for(
                "document.getElementById('live').dataset.live === 'true'",
                timeout=30,
                what="the live state",
                on_timeout=lambda: page_state(page),
            )
            assert "for the metrics" in page.evaluate("document.getElementById('message').textContent")
            assert page.evaluate("window.healthState.series.INGEST_VIDEO_BITRATE?.length ?? 0") == 0
            page.wait_for(
                "window.healthState.connection.startsWith('live state only')", timeout=30, what="the subscription"
            )
            # WHEN the stream ends THEN the page follows it to offline, through the public subscription
            simulator.stop()
            page.wait_for(
                "document.getElementById('live').dataset.live === 'false'",
                timeout=30,
                what="offline",
                on_timeout=lambda: page_state(page),
            )
    finally:
        simulator.stop()
