"""The `ugc watch` dashboard as a pure function of its state: what pushes do to the state, and what
the screen shows for a state (a rich Console(record=True) export, asserted on values and names)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from client.watch import CHARTS, WINDOW, HealthState, bar_rows, fit, render, render_text

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
CHANNEL = "aBcDeFgH1234"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def event(
    event_id: str, name: str, seconds: int, *, session: str = "st-1", error: bool = False, kind: str = ""
) -> dict:
    return {
        "id": event_id,
        "channelId": CHANNEL,
        "sessionId": session,
        "name": name,
        "type": kind or "IVS Stream State Change",
        "eventTime": stamp(T0 + timedelta(seconds=seconds)),
        "isError": error,
    }


def metrics(values: dict[str, list[float]], *, start: int = 0, session: str = "st-1") -> dict:
    return {
        "channelId": CHANNEL,
        "sessionId": session,
        "series": [
            {
                "name": name,
                "period": 5,
                "points": [
                    {"timestamp": stamp(T0 + timedelta(seconds=start + 5 * i)), "value": v}
                    for i, v in enumerate(points)
                ],
            }
            for name, points in values.items()
        ],
    }


def live_state() -> HealthState:
    state = HealthState(username="alice")
    state.seed({"id": CHANNEL, "isLive": True, "liveSince": stamp(T0)}, None)
    state.apply_channel_state(
        {"channelId": CHANNEL, "username": "alice", "isLive": True, "liveSince": stamp(T0), "sessionId": "st-1"}
    )
    state.apply_event(event("e1", "Session Created", 0))
    state.apply_event(event("e2", "Stream Start", 1))
    state.apply_metrics(
        metrics(
            {
                "INGEST_VIDEO_BITRATE": [3_480_000.0, 3_512_000.0, 3_620_000.0],
                "INGEST_FRAMERATE": [30.0, 29.5, 30.0],
                "CONCURRENT_VIEWS": [3.0, 7.0, 12.0],
                "KEYFRAME_INTERVAL": [2.0, 2.0, 2.0],
            }
        )
    )
    return state


def test_pushes_fill_the_charts_and_the_log_once_each_even_when_repeated():
    # GIVEN a live session with three points per metric and two events
    state = live_state()
    # WHEN the metrics push repeats its window (as the scheduled push does) and an event is redelivered
    state.apply_metrics(metrics({"INGEST_VIDEO_BITRATE": [3_480_000.0, 3_512_000.0, 3_620_000.0, 3_700_000.0]}))
    state.apply_event(event("e2", "Stream Start", 1))
    # THEN each timestamp and each event is there once
    assert [v for _, v in state.points("INGEST_VIDEO_BITRATE")] == [3_480_000.0, 3_512_000.0, 3_620_000.0, 3_700_000.0]
    assert [e.name for e in state.event_log()] == ["Session Created", "Stream Start"]
    assert state.session_id == "st-1"
    assert state.is_live


def test_charts_keep_ten_minutes_back_from_the_newest_point():
    state = live_state()
    later = int((WINDOW + timedelta(minutes=1)).total_seconds())
    state.apply_metrics(metrics({"INGEST_FRAMERATE": [25.0]}, start=later))
    times = [t for t, _ in state.points("INGEST_FRAMERATE")]
    assert times == [T0 + timedelta(seconds=later)]
    assert state.points("INGEST_VIDEO_BITRATE") == []  # every chart shares the window's end


def test_health_follows_the_latest_starvation_event_whatever_the_arrival_order():
    state = live_state()
    health = "IVS Stream Health Change"
    state.apply_event(event("h2", "Starvation End", 30, kind=health))
    state.apply_event(event("h1", "Starvation Start", 20, kind=health, error=True))  # late, older
    assert state.is_healthy is True
    state.apply_event(event("h3", "Starvation Start", 40, kind=health, error=True))
    assert state.is_healthy is False


def test_a_new_session_replaces_the_shown_one_and_late_pushes_of_the_old_one_are_dropped():
    state = live_state()
    state.apply_channel_state(
        {"channelId": CHANNEL, "username": "alice", "isLive": False, "liveSince": None, "sessionId": "st-1"}
    )
    assert not state.is_live
    assert state.session_id == "st-1"  # offline keeps the ended session on screen
    # WHEN the next session's first event arrives before its channel state
    state.apply_event(event("n1", "Stream Start", 600, session="st-2"))
    state.apply_metrics(metrics({"INGEST_FRAMERATE": [60.0]}, start=600, session="st-1"))
    assert state.session_id == "st-2"
    assert [e.name for e in state.event_log()] == ["Stream Start"]
    assert all(state.points(spec.metric) == [] for spec in CHARTS)


def test_points_from_before_the_session_started_are_not_shown():
    # GIVEN a session that started at T0 + 60 s (CloudWatch keys metrics by channel, not session)
    state = HealthState(username="alice")
    state.seed({"id": CHANNEL, "isLive": False, "liveSince": None})
    state.apply_event(event("s1", "Session Created", 62, session="st-2"))
    # WHEN a push carries the last minute, the previous session's points included
    state.apply_metrics(metrics({"INGEST_FRAMERATE": [30.0] * 14}, start=0, session="st-2"))
    # THEN only the points of periods that overlap this session stay (the period it started in too)
    times = [t for t, _ in state.points("INGEST_FRAMERATE")]
    assert times[0] == T0 + timedelta(seconds=60)
    assert len(times) == 14 - 12


def test_pushes_for_other_channels_are_ignored():
    state = live_state()
    other = event("x1", "Stream Failure", 5, error=True)
    other["channelId"] = "someoneElse"
    state.apply_event(other)
    assert "x1" not in state.events


def test_the_seed_takes_the_live_sessions_events_metrics_and_health_verdict():
    state = HealthState(username="alice")
    session = {
        "id": "st-9",
        "isLive": True,
        "isHealthy": False,
        "events": [event("e1", "Stream Start", 0, session="st-9")],
        "metrics": metrics({"CONCURRENT_VIEWS": [1.0, 2.0]}, session="st-9")["series"],
    }
    state.seed({"id": CHANNEL, "isLive": True, "liveSince": stamp(T0)}, session)
    assert (state.session_id, state.is_healthy) == ("st-9", False)
    assert [v for _, v in state.points("CONCURRENT_VIEWS")] == [1.0, 2.0]


def test_the_screen_shows_the_header_the_four_charts_with_their_latest_values_and_the_events():
    # GIVEN a live, then starving, session
    state = live_state()
    state.apply_event(event("e3", "Starvation Start", 20, kind="IVS Stream Health Change", error=True))
    # WHEN it is rendered 5 minutes 3 seconds after going live on a recording console
    console = Console(record=True, width=140, height=44, file=io.StringIO())
    console.print(render(state, T0 + timedelta(minutes=5, seconds=3)))
    text = console.export_text(clear=False)
    # THEN the header, each chart's title and latest value, and every event are on screen
    for expected in ("alice", CHANNEL, "LIVE", "since 10:00:00 UTC (5m 03s)", "st-1", "unhealthy"):
        assert expected in text
    for expected in ("Ingest bitrate (kbps)", "Frame rate (fps)", "Concurrent viewers", "Keyframe interval (s)"):
        assert expected in text
    for expected in ("3,620 kbps", "30.0 fps", "12 viewers", "2.0 s", "min 3,480 · max 3,620"):
        assert expected in text
    for expected in ("Session Created", "Stream Start", "Starvation Start", "events (3)"):
        assert expected in text
    assert "█" in text
    # AND the error event is red (its style survives in the recorded HTML)
    html = console.export_html(inline_styles=True)
    starvation_line = next(line for line in html.splitlines() if "Starvation Start" in line)
    assert "color: #800000" in starvation_line or "color: #ff0000" in starvation_line


def test_an_offline_channel_without_a_session_waits_for_data():
    state = HealthState(username="bob")
    state.seed({"id": CHANNEL, "isLive": False, "liveSince": None}, None)
    text = render_text(state, T0)
    assert "offline" in text
    assert "no points yet" in text
    assert "waiting for stream events" in text
    assert "health —" in text


def test_bars_put_the_newest_value_on_the_right_and_average_long_series():
    assert fit([1.0, 2.0], 4) == [None, None, 1.0, 2.0]
    assert fit([1.0, 3.0, 5.0, 7.0], 2) == [2.0, 6.0]
    rows = bar_rows([10.0, 20.0], 4, 2)
    assert len(rows) == 2 and all(len(r) == 4 for r in rows)
    assert rows[1][:2] == "  "  # no data on the left
    assert rows[0][3] == "█"  # the maximum fills the column
    assert rows[1][2] != " "  # the minimum still shows
    flat = bar_rows([30.0, 30.0], 2, 2)
    assert flat == ["  ", "██"]  # a steady series sits mid-height


def test_the_cli_offers_the_protocols_the_sdk_speaks_with_the_dashboards_default_first():
    from client import cli, realtime, watch

    assert cli.WATCH_PROTOCOLS == realtime.PROTOCOLS
    assert cli.WATCH_PROTOCOLS[0] == watch.DEFAULT_PROTOCOL
