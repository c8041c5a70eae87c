"""Stream fields: sessions with their events and metrics, and the subscribe-time check that only a
channel's owner follows its events and metrics. (The publish mutations have local resolvers: no Lambda.)"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router
from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import AppSyncResolverEvent

from core.attributes import plain
from core.channels import OWNER_ONLY
from core.errors import Forbidden, NotFound
from core.metrics import window
from core.sessions import StreamEventRecord
from core.views import page_json
from resolvers.context import active_caller, caller, core

router = Router()


def session_json(session: dict[str, Any], events: list[StreamEventRecord] | None = None) -> dict[str, Any]:
    data = {
        "id": session["sessionId"],
        "channelId": session["channelId"],
        "startedAt": session.get("startedAt"),
        "endedAt": session.get("endedAt"),
        "isLive": bool(session.get("isLive")),
        "isHealthy": bool(session.get("isHealthy", True)),
        "hasErrorEvent": bool(session.get("hasErrorEvent")),
        "ingestConfiguration": plain(session.get("ingestConfiguration")),
        # Not schema fields: what StreamSession.metrics needs from its source.
        "metricsKey": session.get("metricsKey"),
        "metricSeries": plain(session.get("metricSeries")),
        # The owner's own session: its recording with signed URLs.
        "recording": core().recording_library.recording_json(plain(session)) if session.get("recording") else None,
    }
    if events is not None:
        data["events"] = [e.json() for e in events]
    return data


@router.resolver(type_name="Query", field_name="streamSessions")
def stream_sessions(limit: int | None = None, nextToken: str | None = None) -> dict[str, Any]:
    items, token = core().sessions.page(active_caller(router.current_event).sub, limit, nextToken)
    return page_json([session_json(i) for i in items], token)


@router.resolver(type_name="Query", field_name="streamSession")
def stream_session(id: str) -> dict[str, Any] | None:
    try:
        session, events = core().sessions.get(active_caller(router.current_event).sub, id)
    except NotFound:
        return None
    return session_json(session, events)


@router.resolver(type_name="Mutation", field_name="deleteRecording")
def delete_recording(sessionId: str) -> dict[str, Any]:
    owner = core().accounts.require(active_caller(router.current_event).sub)
    return session_json(core().recording_library.delete(owner, sessionId))


@router.batch_resolver(type_name="StreamSession", field_name="events")
def session_events(event: list[AppSyncResolverEvent]) -> list[list[dict[str, Any]]]:
    """Parents that did not load the events (the sessions list): one Query per session asked for."""
    sources = [e.source or {} for e in event]
    return [s["events"] if "events" in s else [x.json() for x in core().sessions.events(s["id"])] for s in sources]


@router.resolver(type_name="StreamSession", field_name="metrics")
def session_metrics() -> list[dict[str, Any]]:
    event = router.current_event
    source = (event.source if event else None) or {}
    if not source.get("startedAt"):
        return []
    span = window(source["startedAt"], source.get("endedAt"), datetime.now(UTC))
    if source.get("endedAt") and source.get("metricsKey") == span.key and source.get("metricSeries"):
        return list(source["metricSeries"])  # the snapshot at the resolution the age allows
    series = core().metrics().series(source["channelId"], span)
    if source.get("endedAt"):
        core().sessions.store_metrics(source["id"], span.key, series, None)
    return series


def _owner_only(channel_id: str) -> None:
    """Runs when the subscription starts; raising rejects it."""
    channel = core().channels.by_channel_id(channel_id)
    if channel is None or channel.sub != caller(router.current_event).sub:
        raise Forbidden(OWNER_ONLY)


@router.resolver(type_name="Subscription", field_name="onStreamEvent")
def on_stream_event(channelId: str) -> None:
    _owner_only(channelId)


@router.resolver(type_name="Subscription", field_name="onStreamMetrics")
def on_stream_metrics(channelId: str) -> None:
    # Also what makes the metrics job push this channel's points: it pushes only where someone watches.
    core().channels.watch(caller(router.current_event).sub, channelId, time.time())
