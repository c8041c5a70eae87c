"""The local stack's schedules: each runs its function with EventBridge's scheduled event, and says so
in the terminal only when something changed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from emulator import schedules
from infra.definitions import Schedule


async def test_a_schedule_reports_changed_results_and_every_failure(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes: list[Any] = [{"pushed": 2}, {"pushed": 2}, {"pushed": 0}, RuntimeError("table gone"), {"pushed": 0}]
    events: list[dict[str, Any]] = []
    done = asyncio.Event()
    loop = asyncio.get_running_loop()

    def invoke(function: str, event: dict[str, Any]) -> Any:
        assert function == "metrics"
        events.append(event)
        if len(events) == len(outcomes):
            loop.call_soon_threadsafe(done.set)
        outcome = outcomes[min(len(events), len(outcomes)) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    task = asyncio.ensure_future(
        schedules._every("metrics", Schedule("metrics", "rate(1 minute)", 0), invoke, "eu-west-1", "123456789012")
    )
    await asyncio.wait_for(done.wait(), 10)
    await schedules.stop([task])

    assert capsys.readouterr().err.splitlines() == [
        "[schedule] metrics: {'pushed': 2}",
        "[schedule] metrics: {'pushed': 0}",
        "[schedule] metrics failed: table gone",
        "[schedule] metrics: {'pushed': 0}",
    ]
    first = events[0]
    assert first["detail-type"] == "Scheduled Event" and first["source"] == "aws.events"
    assert first["resources"] == ["arn:aws:events:eu-west-1:123456789012:rule/ugc-local-metrics"]
