"""Worker-process functions for synchronous callers: the local AWS serves requests on threads and
must run Cognito triggers and S3 events inline, so a dedicated event loop thread owns the workers."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Mapping
from typing import Any

from emulator.lambda_runtime.pool import FunctionSpec, WorkerInvoker
from emulator.local_aws.functions import FunctionError, FunctionsUnavailable

# Beyond the function's own timeout, time for a cold start of its worker.
START_ALLOWANCE_SECONDS = 30.0


class FunctionBridge:
    def __init__(self, specs: Mapping[str, FunctionSpec]) -> None:
        self._specs = dict(specs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lambda-functions", daemon=True)
        self._thread.start()
        self._invoker = WorkerInvoker(self._specs)
        self._lock = threading.Lock()
        self._closed = False
        self._running: set[concurrent.futures.Future[Any]] = set()

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        timeout = self._specs[function].timeout_seconds + START_ALLOWANCE_SECONDS
        with self._lock:
            if self._closed:
                raise FunctionsUnavailable(f"the local functions are stopped: {function} was not run")
            future = asyncio.run_coroutine_threadsafe(self._invoker.invoke(function, event), self._loop)
            self._running.add(future)
        try:
            result = future.result(timeout=timeout)
        except concurrent.futures.CancelledError:
            raise FunctionsUnavailable(f"the local functions stopped while {function} was running") from None
        finally:
            with self._lock:
                self._running.discard(future)
        if result.failed:
            raise FunctionError(result.error_type or "Lambda:Unhandled", result.error_message or "")
        return result.payload

    def warm(self, function: str) -> None:
        if self._closed:
            raise FunctionsUnavailable(f"the local functions are stopped: {function} was not started")
        asyncio.run_coroutine_threadsafe(self._invoker.warm(function), self._loop).result(START_ALLOWANCE_SECONDS)

    def close(self, grace: float = 0.0) -> None:
        """Refuse new calls, give the ones running up to `grace` seconds to finish, then stop every worker:
        a call still running fails at once (it does not wait out its timeout on a stopped loop)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            running = list(self._running)
        concurrent.futures.wait(running, timeout=grace)
        asyncio.run_coroutine_threadsafe(self._invoker.close(), self._loop).result(timeout=10)
        for future in running:
            future.cancel()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
