"""How the local AppSync calls a Lambda: the seam between the engine and the runtime.

`WorkerInvoker` (emulator.lambda_runtime) runs each function in its own process with the environment
CDK gives it; `InProcessInvoker` calls handlers directly (the in-process contract tests).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class InvokeResult:
    """A Lambda invocation's outcome: the payload, or the function error (type and message)."""

    payload: Any = None
    error_type: str | None = None
    error_message: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_type is not None


class Invoker(Protocol):
    async def invoke(self, function: str, event: Any) -> InvokeResult: ...


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object handlers use."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def error_of(exc: BaseException) -> InvokeResult:
    """What the Python Lambda runtime reports for an exception: its class name and message."""
    return InvokeResult(error_type=type(exc).__name__, error_message=str(exc))


class InProcessInvoker:
    """Calls handlers in this process (in a thread), with JSON round-trips like a real invoke."""

    def __init__(self, handlers: Mapping[str, Callable[[Any, Any], Any]]) -> None:
        self._handlers = handlers

    async def invoke(self, function: str, event: Any) -> InvokeResult:
        handler = self._handlers[function]
        payload = json.loads(json.dumps(event))
        context = LambdaContext(function_name=function, aws_request_id=str(uuid.uuid4()))

        def call() -> InvokeResult:
            try:
                return InvokeResult(payload=json.loads(json.dumps(handler(payload, context))))
            except Exception as exc:  # the runtime reports every exception, whatever its class
                return error_of(exc)

        return await asyncio.to_thread(call)
