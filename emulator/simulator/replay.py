"""Replay recorded EventBridge events onto the local bus, with their original spacing or at once.

A recording is a JSON list of events as EventBridge hands them to targets (what a Lambda logs):

    [{"version": "0", "id": "...", "detail-type": "IVS Stream State Change", "source": "aws.ivs",
      "account": "...", "time": "2024-09-09T16:17:26Z", "region": "...",
      "resources": ["arn:aws:ivs:...:channel/..."], "detail": {...}}, ...]

Events are put in file order (a recording may hold out-of-order deliveries on purpose), each at its
`time` minus the first event's `time` after the replay starts, or all at once with `fast`. Their
times move by that same constant, so they look recent while keeping their spacing and order; with
`keep_times` they keep the recorded times. `id`, `account` and `region` are the bus's own.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from emulator.local_aws.clients import client
from emulator.local_aws.ivs_events import parse_event_time
from emulator.simulator.local import SimulationError

logger = logging.getLogger(__name__)

PUT_EVENTS_MAX_ENTRIES = 10  # EventBridge's limit per PutEvents call


def load_recording(path: Path) -> list[dict[str, Any]]:
    """The events of a recording file, checked; SimulationError says what is wrong and where."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SimulationError(f"cannot read {path}: {exc}") from exc
    if not isinstance(raw, list):
        raise SimulationError(f"{path}: expected a JSON list of EventBridge events")
    for index, event in enumerate(raw):
        problem = _problem(event)
        if problem:
            raise SimulationError(f"{path}: event {index}: {problem}")
    return raw


def replay(
    endpoint: str,
    events: Sequence[dict[str, Any]],
    *,
    fast: bool = False,
    keep_times: bool = False,
    stop: threading.Event | None = None,
    report: Callable[[str], None] | None = None,
    aws: Callable[[str], Any] | None = None,
) -> int:
    """Put `events` on the local bus at `endpoint`; how many were put (fewer if `stop` was set)."""
    say = report or logger.info
    bus = (aws or (lambda service: client(endpoint, service)))("events")
    stop = stop or threading.Event()
    times = [_time(event) for event in events]
    first = next((moment for moment in times if moment is not None), None)
    shift = timedelta(0) if keep_times or first is None else datetime.now(UTC) - first
    began = time.monotonic()
    pending: list[dict[str, Any]] = []
    put = 0
    for event, moment in zip(events, times, strict=True):
        if not fast and moment is not None and first is not None:
            due = began + (moment - first).total_seconds()
            if stop.wait(max(0.0, due - time.monotonic())):
                break
        elif stop.is_set():
            break
        pending.append(_entry(event, None if moment is None else moment + shift))
        if not fast or len(pending) == PUT_EVENTS_MAX_ENTRIES:
            put += _put(bus, pending, say)
            pending = []
    if pending and not stop.is_set():
        put += _put(bus, pending, say)
    return put


def _put(bus: Any, entries: list[dict[str, Any]], say: Callable[[str], None]) -> int:
    answer = bus.put_events(Entries=entries)
    for entry, result in zip(entries, answer.get("Entries") or [], strict=False):
        if result.get("ErrorCode"):
            raise SimulationError(f"EventBridge refused a {entry['DetailType']} event: {result}")
        say(f"{entry['DetailType']}: {_name(json.loads(entry['Detail']))}")
    return len(entries)


def _entry(event: dict[str, Any], moment: datetime | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event.get("detail") or {}),
        "Resources": list(event.get("resources") or []),
    }
    if moment is not None:
        entry["Time"] = moment
    return entry


def _time(event: dict[str, Any]) -> datetime | None:
    value = event.get("time")
    return parse_event_time(value) if isinstance(value, str) and value else None


def _name(detail: dict[str, Any]) -> str:
    return str(detail.get("limit_name") or detail.get("event_name") or "")


def _problem(event: Any) -> str | None:
    if not isinstance(event, dict):
        return "not a JSON object"
    for key in ("source", "detail-type"):
        if not isinstance(event.get(key), str) or not event[key]:
            return f"{key!r} must be a non-empty string"
    if not isinstance(event.get("detail", {}), dict):
        return "'detail' must be an object"
    if not isinstance(event.get("resources", []), list):
        return "'resources' must be a list"
    value = event.get("time")
    if value is not None:
        try:
            parse_event_time(str(value))
        except ValueError:
            return f"'time' is not ISO 8601: {value!r}"
    return None
