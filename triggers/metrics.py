"""Scheduled (every minute in AWS, every few seconds locally): push the latest metric points of live
channels whose owner has the stream health dashboard open, and snapshot the metrics of ended sessions
at the resolution their age allows, recomputing when it steps down.

Its cost follows open dashboards and ended sessions, not live channels: channels nobody watches are
never read, and CloudWatch is asked for 125 channels per GetMetricData (its 500-query limit)."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from core.metrics import CHANNELS_PER_CALL, Window, align_down, clipped, next_step, parse, window
from core.timefmt import iso
from triggers.runtime import core, guarded, logger

PUSH_WINDOW = timedelta(seconds=60)
# Publishes in flight at once (each one a signed HTTPS request to the API).
PUBLISH_THREADS = 8


def _handle(_event: dict[str, Any]) -> dict[str, int]:
    now = datetime.now(UTC)
    return {"pushed": _push_live(now), "snapshots": _snapshot_ended(now)}


def _push_live(now: datetime) -> int:
    watched = core().channels.watched_live(now.timestamp())
    if not watched:
        return 0
    span = Window(now - PUSH_WINDOW, now, 5)
    series = core().metrics().series_many([w["channelId"] for w in watched], span)
    pushes = []
    for live in watched:
        # Never the tail of the channel's previous session: nothing before this one started.
        points = clipped(series[live["channelId"]], align_down(parse(live["liveSince"]), 5))
        if any(s["points"] for s in points):
            pushes.append({"channelId": live["channelId"], "sessionId": live["liveSessionId"], "series": points})
    with ThreadPoolExecutor(max_workers=PUBLISH_THREADS) as pool:
        return sum(pool.map(_publish, pushes))


def _publish(metrics: dict[str, Any]) -> bool:
    try:
        core().publisher.stream_metrics(metrics)
    except Exception:
        logger.exception("metrics push failed", channel=metrics["channelId"])
        return False
    return True


def _snapshot_ended(now: datetime) -> int:
    due = [
        (session["sessionId"], session, window(session["startedAt"], session["endedAt"], now))
        for session in core().sessions.due_sessions(iso(now))
    ]
    # Sessions of one resolution share calls: each call reads the span of its sessions, then each session
    # keeps its own window's points.
    by_period: dict[int, list[tuple[str, dict[str, Any], Window]]] = defaultdict(list)
    for entry in due:
        by_period[entry[2].period].append(entry)
    for period, group in by_period.items():
        for first in range(0, len(group), CHANNELS_PER_CALL):
            chunk = group[first : first + CHANNELS_PER_CALL]
            union = Window(min(s.start for _, _, s in chunk), max(s.end for _, _, s in chunk), period)
            series = core().metrics().series_many([session["channelId"] for _, session, _ in chunk], union)
            for session_id, session, span in chunk:
                following = next_step(parse(session["startedAt"]), now)
                core().sessions.store_metrics(
                    session_id,
                    span.key,
                    clipped(series[session["channelId"]], span.start, span.end),
                    iso(following) if following else None,
                )
    return len(due)


handler = guarded(_handle)
