"""Scheduled functions on the local stack: each `infra.definitions.SCHEDULES` entry runs every
`local_seconds` with the event EventBridge sends (AWS runs it on its schedule expression)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from core.timefmt import iso
from infra.definitions import SCHEDULES, Schedule

Invoke = Callable[[str, dict[str, Any]], Any]


def scheduled_event(name: str, region: str, account_id: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": iso(datetime.now(UTC)).replace(".000", ""),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/ugc-local-{name}"],
        "detail": {},
    }


async def _every(name: str, schedule: Schedule, invoke: Invoke, region: str, account_id: str) -> None:
    """Runs reported when their result differs from the last one reported (a line every few seconds
    would bury the functions' own logs); every failure is reported."""
    reported: Any = None
    while True:
        await asyncio.sleep(schedule.local_seconds)
        try:
            result = await asyncio.to_thread(invoke, schedule.function, scheduled_event(name, region, account_id))
        except Exception as exc:  # a failed run is reported and retried next period, as EventBridge would
            print(f"[schedule] {name} failed: {exc}", file=sys.stderr)
            reported = None
            continue
        if result != reported:
            print(f"[schedule] {name}: {result}", file=sys.stderr)
            reported = result


def start(invoke: Invoke, region: str, account_id: str) -> list[asyncio.Task[None]]:
    return [
        asyncio.ensure_future(_every(name, schedule, invoke, region, account_id))
        for name, schedule in SCHEDULES.items()
    ]


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    """Start no more runs. A run already started goes on in its thread until its function returns."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
