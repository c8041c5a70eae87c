"""Fixtures of the local AppSync tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.appsync.realtime_app import RealtimeApi, fresh, realtime_api


@pytest.fixture(scope="module")
def shared_api() -> Iterator[RealtimeApi]:
    """The small real-time API of realtime_app.py, served once per test module."""
    with realtime_api() as served:
        yield served


@pytest.fixture
def api(shared_api: RealtimeApi) -> Iterator[RealtimeApi]:
    """The served API with no subscriptions or connections left from the previous test."""
    with fresh(shared_api) as served:
        yield served
