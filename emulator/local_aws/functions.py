"""How the local AWS runs the project's Lambda functions: an invoker plugged in after start.

The functions' environment names resources that exist only once the server runs and is
bootstrapped, so `LocalAwsServer.set_functions` takes the invoker late. Until then (and after
`set_functions(None)`) the local AWS is plain moto: no Cognito triggers run and no S3 events go out.

Functions are addressed the way AWS addresses them, by ARN: bootstrap writes
`arn:aws:lambda:<region>:<account>:function:<name>` (name = a key of `infra.definitions.FUNCTIONS`)
into the user pool's LambdaConfig and the bucket's notification configuration, and the services read
the name back from there, so what triggers what is configured on the resources, as in AWS.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

# Runs function `name` (a key of infra.definitions.FUNCTIONS) on `event`; returns its result or
# raises FunctionError when the function raised.
FunctionInvoker = Callable[[str, dict[str, Any]], Any]

_ARN_PREFIX = "arn:aws:lambda:"


class FunctionError(Exception):
    """The function raised: Lambda's `errorType` and `errorMessage`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message


class FunctionsUnavailable(RuntimeError):
    """No invoker is plugged in."""


def function_arn(region: str, account_id: str, name: str) -> str:
    return f"{_ARN_PREFIX}{region}:{account_id}:function:{name}"


def function_name(arn: str) -> str | None:
    """The function name in a Lambda function ARN (qualifier dropped), or None if it is not one."""
    parts = arn.split(":")
    if not arn.startswith(_ARN_PREFIX) or len(parts) < 7 or parts[5] != "function" or not parts[6]:
        return None
    return parts[6]


@dataclass(frozen=True)
class _Job:
    name: str
    event: dict[str, Any]


class Functions:
    """The invoker slot, and an ordered queue for asynchronous invocations (S3 and EventBridge events).

    Asynchronous events go through one worker thread, so a function sees them in the order they were
    queued, as AWS's event ordering for one object is best-effort and this keeps tests deterministic.
    A failure is logged and dropped: the caller that caused the event has long had its answer.
    """

    def __init__(self) -> None:
        self._invoker: FunctionInvoker | None = None
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._idle = threading.Condition(self._lock)
        self._pending = 0

    def set_invoker(self, invoker: FunctionInvoker | None) -> None:
        with self._lock:
            self._invoker = invoker

    @property
    def available(self) -> bool:
        return self._invoker is not None

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """Run `name` synchronously; FunctionError when it raised, FunctionsUnavailable without an invoker."""
        invoker = self._invoker
        if invoker is None:
            raise FunctionsUnavailable("no function invoker is set on the local AWS")
        return invoker(name, event)

    def invoke_async(self, name: str, event: dict[str, Any]) -> None:
        """Queue `name` to run on `event` after everything queued before it."""
        with self._lock:
            self._pending += 1
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="local-aws-events", daemon=True)
                self._worker.start()
        self._queue.put(_Job(name, event))

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every queued invocation ran; False if some are still pending after `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Let the worker finish what is queued, then stop it (a later invoke_async starts another)."""
        with self._lock:
            worker = self._worker
            self._worker = None
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._deliver(job)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, job: _Job) -> None:
        invoker = self._invoker
        if invoker is None:
            # The invoker was removed after the event was queued: there is nothing to run it on.
            logger.info("local AWS event dropped: no function invoker", extra={"function": job.name})
            return
        try:
            invoker(job.name, job.event)
        except FunctionsUnavailable:
            # The functions were stopped (the stack is shutting down) before or while this one ran.
            logger.info("local AWS event dropped: the functions stopped", extra={"function": job.name})
        except FunctionError as error:
            # With the event, as AWS's failed-event destinations keep it: the failure can be replayed.
            logger.warning(
                "local AWS event: function failed",
                extra={
                    "function": job.name,
                    "error_type": error.error_type,
                    "error_message": error.message,
                    "event": job.event,
                },
            )
        except Exception:
            logger.exception(
                "local AWS event: invoking the function failed", extra={"function": job.name, "event": job.event}
            )
