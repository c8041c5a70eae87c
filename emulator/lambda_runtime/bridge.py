"""Worker-process functions for synchronous callers: the local AWS serves requests on threads and
must run Cognito triggers and S3 events inline, so a dedicated event loop thread owns the workers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

from emulator.lambda_runtime.pool import FunctionSpec, WorkerInvoker
from emulator.local_aws.functions import FunctionError

# Beyond the function's own timeout, time for a cold start of its worker.
START_ALLOWANCE_SECONDS = 30.0


class FunctionBridge:
    def __init__(self, specs: Mapping[str, FunctionSpec]) -> None:
        self._specs = dict(specs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lambda-functions", daemon=True)
        self._thread.start()
        self._invoker = WorkerInvoker(self._specs)

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        timeout = self._specs[function].timeout_seconds + START_ALLOWANCE_SECONDS
        future = asyncio.run_coroutine_threadsafe(self._invoker.invoke(function, event), self._loop)
        result = future.result(timeout=timeout)
        if result.failed:
            raise FunctionError(result.error_type or "Lambda:Unhandled", result.error_message or "")
        return result.payload

    def warm(self, function: str) -> None:
        asyncio.run_coroutine_threadsafe(self._invoker.warm(function), self._loop).result(START_ALLOWANCE_SECONDS)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._invoker.close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
