"""Local Lambda runtime: each function in worker processes with exactly its deployment environment."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import pytest

from emulator.lambda_runtime.bridge import FunctionBridge
from emulator.lambda_runtime.pool import FunctionSpec, WorkerInvoker, lambda_environment
from emulator.local_aws.functions import FunctionError, FunctionsUnavailable
from emulator.stack import CODE_ROOT


def spec(handler: str, timeout: float = 5.0, concurrency: int = 2) -> FunctionSpec:
    env = lambda_environment(
        function_name="probe",
        function_env={"TABLE_NAME": "t1", "STAGE": "test"},
        region="eu-west-1",
        credentials=("AKIATEST", "secret"),
        endpoint_url="http://127.0.0.1:1",
        code_root=CODE_ROOT,
        memory_mb=256,
    )
    return FunctionSpec("probe", f"tests.emulator.handlers.{handler}", env, timeout, 256, concurrency)


async def test_a_function_sees_exactly_its_environment_and_the_event() -> None:
    invoker = WorkerInvoker({"probe": spec("echo_environment")})
    try:
        result = await invoker.invoke("probe", {"hello": ["world"]})
    finally:
        await invoker.close()
    assert not result.failed
    assert result.payload["env"] == dict(spec("echo_environment").environment)
    assert result.payload["event"] == {"hello": ["world"]}
    assert result.payload["request_id"]


async def test_a_warm_worker_is_reused_and_a_cold_start_is_counted_once() -> None:
    invoker = WorkerInvoker({"probe": spec("echo_environment")})
    try:
        first = await invoker.invoke("probe", {})
        second = await invoker.invoke("probe", {})
    finally:
        await invoker.close()
    assert first.payload["pid"] == second.payload["pid"]
    assert invoker.cold_starts("probe") == 1


async def test_concurrent_invokes_start_more_workers_up_to_the_limit() -> None:
    invoker = WorkerInvoker({"probe": spec("slow", concurrency=2)})
    try:
        results = await asyncio.gather(*(invoker.invoke("probe", {"seconds": 0.3}) for _ in range(4)))
    finally:
        await invoker.close()
    assert len({r.payload["pid"] for r in results}) == 2
    assert invoker.cold_starts("probe") == 2


async def test_a_handler_that_runs_past_its_timeout_is_killed_and_replaced() -> None:
    invoker = WorkerInvoker({"probe": spec("slow", timeout=0.5, concurrency=1)})
    try:
        timed_out = await invoker.invoke("probe", {"seconds": 5})
        after = await invoker.invoke("probe", {"seconds": 0})
    finally:
        await invoker.close()
    assert timed_out.error_type == "Sandbox.Timedout"
    assert "Task timed out after 0.50 seconds" in str(timed_out.error_message)
    assert not after.failed


async def test_a_crashing_runtime_reports_an_exit_error_and_recovers() -> None:
    invoker = WorkerInvoker({"probe": spec("crash", concurrency=1)})
    try:
        crashed = await invoker.invoke("probe", {})
    finally:
        await invoker.close()
    assert crashed.error_type == "Runtime.ExitError"
    assert "exit status 3" in str(crashed.error_message)


async def test_an_exception_is_reported_with_its_class_name_and_message() -> None:
    invoker = WorkerInvoker({"probe": spec("fail")})
    try:
        result = await invoker.invoke("probe", {})
    finally:
        await invoker.close()
    assert (result.error_type, result.error_message) == ("QuotaExceeded", "too many widgets")


async def test_a_handler_that_cannot_be_imported_fails_to_initialise() -> None:
    invoker = WorkerInvoker({"probe": spec("no_such_handler")})
    try:
        result = await invoker.invoke("probe", {})
    finally:
        await invoker.close()
    assert result.error_type == "Runtime.InitError"


def _running(seconds: float) -> tuple[FunctionBridge, concurrent.futures.Future[object]]:
    """A bridge over a 20 s-timeout function, and a call of `seconds` under way on another thread."""
    bridge = FunctionBridge({"probe": spec("slow", timeout=20)})
    bridge.warm("probe")
    pool = concurrent.futures.ThreadPoolExecutor(1)
    future = pool.submit(bridge, "probe", {"seconds": seconds})
    pool.shutdown(wait=False)
    time.sleep(0.2)
    return bridge, future


def test_closing_the_bridge_lets_a_running_call_finish_within_the_grace_and_refuses_new_ones() -> None:
    bridge, running = _running(0.5)
    bridge.close(grace=10)
    assert "pid" in running.result(timeout=1)  # type: ignore[operator]
    with pytest.raises(FunctionsUnavailable, match="stopped"):
        bridge("probe", {"seconds": 0})


def test_closing_the_bridge_ends_a_call_still_running_after_the_grace_at_once() -> None:
    # A caller blocked on a 20 s function must not wait out its timeout once the functions are stopped
    # (`ugc dev` used to hang on Ctrl+C while a scheduled run was in flight).
    bridge, running = _running(20)
    bridge.close(grace=0.2)
    with pytest.raises((FunctionError, FunctionsUnavailable)) as failed:
        running.result(timeout=5)
    if isinstance(failed.value, FunctionError):
        assert failed.value.error_type == "Runtime.ExitError"
