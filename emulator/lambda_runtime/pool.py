"""Worker pools: up to `max_concurrency` warm processes per function, started on demand."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.appsync.invoke import InvokeResult

INIT_TIMEOUT_SECONDS = 30.0
# Lambda's synchronous invoke payload limit (request and response).
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str  # "package.module.function"
    environment: Mapping[str, str]
    timeout_seconds: float = 10.0
    memory_mb: int = 512
    max_concurrency: int = 4


def lambda_environment(
    *,
    function_name: str,
    function_env: Mapping[str, str],
    region: str,
    credentials: tuple[str, str],
    endpoint_url: str | None,
    code_root: Path,
    memory_mb: int,
) -> dict[str, str]:
    """The full environment of a local function: what CDK sets, what the Lambda runtime sets, and the
    standard endpoint variable that points every AWS SDK call at the local AWS."""
    env = {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": credentials[0],
        "AWS_SECRET_ACCESS_KEY": credentials[1],
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "LAMBDA_TASK_ROOT": str(code_root),
        "PYTHONPATH": str(code_root),
        "TZ": ":UTC",
        # Lambda sets en_US.UTF-8; C.UTF-8 exists on every machine, so Python adds no LC_CTYPE of its own.
        "LANG": "C.UTF-8",
        **function_env,
    }
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


@dataclass(eq=False)
class _Worker:
    process: asyncio.subprocess.Process
    stderr_task: asyncio.Task[None]
    started: float = field(default_factory=time.monotonic)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None


class _FunctionPool:
    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.idle: list[_Worker] = []
        self.busy: set[_Worker] = set()
        self.count = 0
        self.cold_starts = 0
        self.available = asyncio.Condition()

    async def _spawn(self) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "emulator.lambda_runtime.worker",
            self.spec.handler,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(self.spec.environment),
            cwd=self.spec.environment.get("LAMBDA_TASK_ROOT"),
            limit=MAX_PAYLOAD_BYTES * 2,
            # Its own session: a Ctrl+C in the terminal stops `ugc dev`, which closes its workers, rather than
            # interrupting each worker mid-invocation. A worker whose parent is gone reads EOF and exits.
            start_new_session=True,
        )
        worker = _Worker(process, asyncio.ensure_future(self._pump_logs(process)))
        assert process.stdout is not None
        try:
            ready = await asyncio.wait_for(process.stdout.readline(), INIT_TIMEOUT_SECONDS)
        except TimeoutError:
            ready = b""
        if not ready:
            await self._kill(worker)
            raise RuntimeError(f"function {self.spec.name} failed to initialise (see its log above)")
        self.cold_starts += 1
        return worker

    async def _pump_logs(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            sys.stderr.write(f"[{self.spec.name}] {line.decode(errors='replace')}")

    @staticmethod
    async def _kill(worker: _Worker) -> None:
        if worker.alive:
            worker.process.kill()
        with contextlib.suppress(ProcessLookupError):
            await worker.process.wait()
        worker.stderr_task.cancel()

    async def acquire(self) -> _Worker:
        async with self.available:
            while True:
                while self.idle:
                    worker = self.idle.pop()
                    if worker.alive:
                        return worker
                    self.count -= 1
                if self.count < self.spec.max_concurrency:
                    self.count += 1
                    break
                await self.available.wait()
        try:
            return await self._spawn()
        except BaseException:
            async with self.available:
                self.count -= 1
                self.available.notify()
            raise

    async def release(self, worker: _Worker) -> None:
        async with self.available:
            if worker.alive:
                self.idle.append(worker)
            else:
                self.count -= 1
            self.available.notify()

    async def invoke(self, event: Any) -> InvokeResult:
        request_id = str(uuid.uuid4())
        body = json.dumps(event)
        if len(body) > MAX_PAYLOAD_BYTES:
            return InvokeResult(
                error_type="RequestEntityTooLargeException",
                error_message="Request must be smaller than 6291456 bytes for the InvokeFunction operation",
            )
        try:
            worker = await self.acquire()
        except RuntimeError as exc:
            return InvokeResult(error_type="Runtime.InitError", error_message=str(exc))
        self.busy.add(worker)
        try:
            return await self._call(worker, body, request_id)
        finally:
            self.busy.discard(worker)
            await self.release(worker)

    async def _call(self, worker: _Worker, body: str, request_id: str) -> InvokeResult:
        assert worker.process.stdin is not None and worker.process.stdout is not None
        timeout = self.spec.timeout_seconds
        message = {
            "id": request_id,
            "event": "__EVENT__",
            "context": {
                "function_name": self.spec.name,
                "request_id": request_id,
                "memory_mb": self.spec.memory_mb,
                "deadline_ms": int((time.time() + timeout) * 1000),
            },
        }
        line = json.dumps(message).replace('"__EVENT__"', body, 1)
        try:
            worker.process.stdin.write(line.encode() + b"\n")
            await worker.process.stdin.drain()
            reply = await asyncio.wait_for(worker.process.stdout.readline(), timeout)
        except TimeoutError:
            await self._kill(worker)
            return InvokeResult(
                error_type="Sandbox.Timedout",
                error_message=f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
            )
        except (BrokenPipeError, ConnectionResetError):
            reply = b""
        if not reply:
            code = await worker.process.wait()
            worker.stderr_task.cancel()
            return InvokeResult(
                error_type="Runtime.ExitError",
                error_message=f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
            )
        if len(reply) > MAX_PAYLOAD_BYTES:
            return InvokeResult(
                error_type="Function.ResponseSizeTooLarge",
                error_message="Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            )
        data = json.loads(reply)
        if "errorType" in data:
            return InvokeResult(error_type=data["errorType"], error_message=data.get("errorMessage", ""))
        return InvokeResult(payload=data.get("payload"))

    async def close(self) -> None:
        """Stop every worker, busy ones too: an invocation still running ends with Runtime.ExitError."""
        async with self.available:
            workers, self.idle = [*self.idle, *self.busy], []
        for worker in workers:
            await self._kill(worker)


class WorkerInvoker:
    """The `Invoker` of the local stack: one pool of worker processes per function."""

    def __init__(self, functions: Mapping[str, FunctionSpec]) -> None:
        self._specs = dict(functions)
        self._pools: dict[str, _FunctionPool] = {}

    def _pool(self, function: str) -> _FunctionPool:
        pool = self._pools.get(function)
        if pool is None:
            pool = self._pools[function] = _FunctionPool(self._specs[function])
        return pool

    async def invoke(self, function: str, event: Any) -> InvokeResult:
        if function not in self._specs:
            return InvokeResult(error_type="ResourceNotFoundException", error_message=f"Function not found: {function}")
        return await self._pool(function).invoke(event)

    def cold_starts(self, function: str) -> int:
        pool = self._pools.get(function)
        return pool.cold_starts if pool else 0

    async def warm(self, function: str) -> None:
        """Start one worker ahead of the first request (`ugc dev` does, so GraphiQL answers fast)."""
        pool = self._pool(function)
        worker = await pool.acquire()
        await pool.release(worker)

    async def close(self) -> None:
        for pool in self._pools.values():
            await pool.close()
