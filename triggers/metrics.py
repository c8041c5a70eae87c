"""Scheduled (every minute in AWS, every few seconds locally): push the latest metric points of live
sessions to their owners' dashboards, and snapshot the metrics of ended sessions at the resolution
their age allows, recomputing when it steps down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core import table as t
from core.metrics import Window, next_step, parse, window
from core.models import from_attributes
from core.timefmt import iso
from triggers.runtime import core, guarded, logger

PUSH_WINDOW = timedelta(seconds=60)


def _handle(_event: dict[str, Any]) -> dict[str, int]:
    now = datetime.now(UTC)
    return {"pushed": _push_live(now), "snapshots": _snapshot_ended(now)}


def _push_live(now: datetime) -> int:
    pushed = 0
    live = core().table.query_all(
        IndexName=t.LIVE.name,
        KeyConditionExpression="liveKey = :live",
        ExpressionAttributeValues={":live": {"S": t.LIVE_PARTITION}},
    )
    for item in live:
        account = from_attributes(item)
        channel_id, session_id = account.get("channelId"), account.get("liveSessionId")
        if not channel_id or not session_id:
            continue
        # Never the tail of the channel's previous session: start no earlier than this one.
        since = parse(account["liveSince"]) if account.get("liveSince") else now - PUSH_WINDOW
        span = Window(max(now - PUSH_WINDOW, since), now, 5)
        series = core().metrics().series(channel_id, span)
        if not any(s["points"] for s in series):
            continue
        try:
            core().publisher.stream_metrics({"channelId": channel_id, "sessionId": session_id, "series": series})
            pushed += 1
        except Exception:
            logger.exception("metrics push failed", channel=channel_id)
    return pushed


def _snapshot_ended(now: datetime) -> int:
    done = 0
    for session_id in core().sessions.due_snapshots(iso(now)):
        raw = core().table.get(t.session_pk(session_id), t.SESSION_SK, consistent=True)
        if raw is None:
            continue
        session = from_attributes(raw)
        if not session.get("startedAt") or not session.get("endedAt"):
            continue
        span = window(session["startedAt"], session["endedAt"], now)
        series = core().metrics().series(session["channelId"], span)
        following = next_step(parse(session["startedAt"]), now)
        core().sessions.store_metrics(session_id, span.key, series, iso(following) if following else None)
        done += 1
    return done


handler = guarded(_handle)
