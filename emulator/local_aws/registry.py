"""Which (service, operation) the extension layer answers, and what a handler gets to do it.

A handler either replaces moto for an operation moto lacks (it never calls `ctx.forward`), or wraps
one moto has: it may act before (Cognito triggers), forward, then act on moto's answer (recording
the stream key CreateChannel returned). Everything not registered goes to moto untouched.

Requests botocore's model cannot route are claimed by an `Intercept` instead: S3's browser POST
upload (no operation in the model), S3 object writes (one URI shared by several operations told
apart by query and headers), and the local endpoints under `/_local/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from emulator.local_aws.event_sources import EventSources
from emulator.local_aws.functions import Functions
from emulator.local_aws.messages import AwsRequest, AwsResponse, HttpRequest
from emulator.local_aws.specs import service_spec
from emulator.local_aws.state import LocalState

LOCAL_PREFIX = "/_local/"


class Forward(Protocol):
    """moto's answer to the request being handled; `body` sends moto a rewritten body instead."""

    def __call__(self, body: bytes | None = None) -> AwsResponse: ...


@dataclass(frozen=True)
class HandlerContext:
    state: LocalState
    forward: Forward
    # The server's function invoker slot; without an invoker, triggers and events are skipped.
    functions: Functions = field(default_factory=Functions)
    # The server's SQS pollers (Lambda event source mappings); None where nothing polls.
    event_sources: EventSources | None = None


class Handler(Protocol):
    def __call__(self, request: AwsRequest, ctx: HandlerContext, /) -> AwsResponse: ...


class HttpHandler(Protocol):
    def __call__(self, request: HttpRequest, ctx: HandlerContext, /) -> AwsResponse: ...


@dataclass(frozen=True)
class Intercept:
    name: str
    # Decides from the request head alone (body not read yet), so requests it declines still stream
    # to moto unread.
    wants: Callable[[HttpRequest], bool]
    handler: HttpHandler
    # Whose protocol a ServiceError the handler raises is rendered in; None renders plain JSON.
    service: str | None = None


class Registry:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], Handler] = {}
        # SigV4 signing name → botocore service name: requests name their service by the former
        # ("monitoring" for CloudWatch), handlers and models by the latter.
        self._services: dict[str, str] = {}
        self._intercepts: list[Intercept] = []

    def add(self, service: str, operation: str, handler: Handler) -> None:
        """Answer `operation` of botocore's `service` with `handler`.

        Both names are checked against botocore's model now, so a typo fails at start-up instead of
        silently leaving the operation to moto.
        """
        spec = service_spec(service)
        if operation not in spec.model.operation_names:
            raise ValueError(f"{service} has no operation {operation!r}")
        key = (service, operation)
        if key in self._handlers:
            raise ValueError(f"{service}.{operation} already has a handler")
        self._handlers[key] = handler
        self._services[spec.model.signing_name] = service

    def service_for(self, signing_name: str) -> str | None:
        """The served service a request signed for `signing_name` calls, or None if none is served."""
        return self._services.get(signing_name)

    def handler(self, service: str, operation: str) -> Handler | None:
        return self._handlers.get((service, operation))

    def operations(self) -> list[tuple[str, str]]:
        return sorted(self._handlers)

    def intercept(
        self, name: str, wants: Callable[[HttpRequest], bool], handler: HttpHandler, *, service: str | None = None
    ) -> None:
        """Answer the requests `wants` accepts with `handler`; checked in registration order, before
        operation routing."""
        if any(existing.name == name for existing in self._intercepts):
            raise ValueError(f"intercept {name!r} is already registered")
        if service is not None:
            service_spec(service)  # a typo fails now, not when the first error is rendered
        self._intercepts.append(Intercept(name, wants, handler, service))

    def add_local(self, path: str, handler: HttpHandler, method: str = "GET") -> None:
        """Serve `method` `/_local/<path>` and everything below it with `handler`."""
        prefix = LOCAL_PREFIX + path.strip("/")

        def wants(request: HttpRequest) -> bool:
            return request.method == method and (request.path == prefix or request.path.startswith(prefix + "/"))

        self.intercept(f"local {method} {prefix}", wants, handler)

    def intercepts(self) -> tuple[Intercept, ...]:
        return tuple(self._intercepts)
