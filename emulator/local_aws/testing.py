"""pytest fixtures for any test that needs the local AWS.

A conftest makes them available with `from emulator.local_aws.testing import local_aws, ...`.
The server is session-scoped: starting moto is cheap, but bootstrapping once keeps suites fast, and
moto's state is process-wide anyway, so tests isolate themselves with unique names instead.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.clients import client
from emulator.local_aws.functions import FunctionError
from emulator.local_aws.server import LocalAwsServer

AwsClientFactory = Callable[[str], Any]
Handler = Callable[[dict[str, Any]], Any]


class InProcessFunctions:
    """A function invoker that runs plain Python handlers in this process and records each call.

    A handler that raises fails the way a Lambda function does: FunctionError with the exception's
    type name and message (a FunctionError it raises itself passes as is, to play the runtime's own
    failures such as "Sandbox.Timedout"). Events are copied in and out, so a handler cannot alias the
    caller's data.
    """

    def __init__(self, handlers: Mapping[str, Handler]) -> None:
        self._handlers = dict(handlers)
        self._lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, name: str, event: dict[str, Any]) -> Any:
        with self._lock:
            self.calls.append((name, copy.deepcopy(event)))
        handler = self._handlers.get(name)
        if handler is None:
            raise FunctionError("ResourceNotFoundException", f"Function not found: {name}")
        try:
            return copy.deepcopy(handler(copy.deepcopy(event)))
        except FunctionError:
            raise
        except Exception as exc:
            raise FunctionError(type(exc).__name__, str(exc)) from exc

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """The events received so far (by function `name` if given), oldest first."""
        with self._lock:
            return [event for called, event in self.calls if name is None or called == name]


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAwsServer]:
    """A running local AWS on a free loopback port."""
    with LocalAwsServer(port=0) as server:
        yield server


@pytest.fixture(scope="session")
def local_resources(local_aws: LocalAwsServer) -> LocalResources:
    """The project's resources, bootstrapped once into the session's local AWS."""
    return bootstrap(local_aws.endpoint)


@pytest.fixture(scope="session")
def local_aws_client(local_aws: LocalAwsServer) -> AwsClientFactory:
    """`local_aws_client("ivs")`: a boto3 client for the session's local AWS."""

    def make(service: str) -> Any:
        return client(local_aws.endpoint, service)

    return make


@pytest.fixture
def local_functions(local_aws: LocalAwsServer) -> Iterator[Callable[[Mapping[str, Handler]], InProcessFunctions]]:
    """`local_functions({"cognito": handler})`: run these handlers as the session server's functions
    for this test; afterwards pending events are delivered and the server is plain moto again."""

    def install(handlers: Mapping[str, Handler]) -> InProcessFunctions:
        invoker = InProcessFunctions(handlers)
        local_aws.set_functions(invoker)
        return invoker

    try:
        yield install
    finally:
        local_aws.wait_for_events()
        local_aws.set_functions(None)
