"""Which (service, operation) the extension layer answers, and what a handler gets to do it.

A handler either replaces moto for an operation moto lacks (it never calls `ctx.forward`), or wraps
one moto has: it may act before (Cognito triggers), forward, then act on moto's answer (recording
the stream key CreateChannel returned). Everything not registered goes to moto untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from emulator.local_aws.messages import AwsRequest, AwsResponse
from emulator.local_aws.specs import service_spec
from emulator.local_aws.state import LocalState


class Forward(Protocol):
    """moto's answer to the request being handled; `body` sends moto a rewritten body instead."""

    def __call__(self, body: bytes | None = None) -> AwsResponse: ...


@dataclass(frozen=True)
class HandlerContext:
    state: LocalState
    forward: Forward


class Handler(Protocol):
    def __call__(self, request: AwsRequest, ctx: HandlerContext, /) -> AwsResponse: ...


class Registry:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], Handler] = {}
        self._services: set[str] = set()

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
        self._services.add(service)

    def serves(self, service: str) -> bool:
        return service in self._services

    def handler(self, service: str, operation: str) -> Handler | None:
        return self._handlers.get((service, operation))

    def operations(self) -> list[tuple[str, str]]:
        return sorted(self._handlers)
