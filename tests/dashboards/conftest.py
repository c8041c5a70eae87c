"""A whole local stack for the dashboard suites, a channel owner signed in through it, and the
scheduled metrics push running as the local scheduler runs it (more often, so tests wait less)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from client.auth import CognitoAuth, TokenCache
from client.sdk import UGCClient
from emulator.schedules import scheduled_event
from emulator.seed import ensure_user
from emulator.simulator import SimulationTarget, find_target
from tests.stacks import FullStack, full_stack

PASSWORD = "Passw0rd!"
# `ugc dev` runs the metrics push every 5 s; here once a second: the same function and event.
METRICS_PUSH_SECONDS = 1.0
log = logging.getLogger(__name__)


@dataclass
class Owner:
    username: str
    password: str
    client: UGCClient
    target: SimulationTarget


@contextmanager
def metrics_push(stack: FullStack, every: float = METRICS_PUSH_SECONDS) -> Iterator[None]:
    """The scheduled `metrics` function, invoked like EventBridge Scheduler does, in the background."""
    stop = threading.Event()
    region, account = stack.resources.region, stack.resources.account_id

    def loop() -> None:
        while not stop.wait(every):
            try:
                stack.functions("metrics", scheduled_event("metrics", region, account))
            except Exception as exc:  # as the scheduler does: report it, run again next period
                log.warning("scheduled metrics push failed: %s", exc)

    thread = threading.Thread(target=loop, name="metrics-schedule", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def stack() -> Iterator[FullStack]:
    with full_stack(f"dash-{uuid.uuid4().hex[:6]}") as running, metrics_push(running):
        yield running


@pytest.fixture
def owner(stack: FullStack, tmp_path: Path) -> Iterator[Owner]:
    """A new user with a provisioned channel, signed in as `ugc login` does (a token cache on disk)."""
    username = f"streamer{uuid.uuid4().hex[:6]}"
    ensure_user(stack.api.stack, username, PASSWORD)
    cache = TokenCache(tmp_path / "tokens.json")
    CognitoAuth(stack.outputs, cache=cache).sign_in(username, PASSWORD)
    with UGCClient.for_user(stack.outputs, username, cache=cache) as client:
        client.execute("mutation { createResources { id } }")
        yield Owner(username, PASSWORD, client, find_target(stack.outputs, username))
