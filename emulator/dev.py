"""`ugc dev` (what `make run` starts): the local AWS (a process of its own), the local AppSync and the
demo data."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from emulator.local_aws.bootstrap import LocalResources
from emulator.local_aws.process import read_resources
from emulator.seed import DEMO_PASSWORD, DEMO_USERS, demo_streams, seed
from emulator.stack import CODE_ROOT, LocalStack


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ugc dev", description="Run the local AppSync and local AWS.")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="local AppSync port (default 8000)")
    parser.add_argument("--aws-port", type=int, default=4566, help="local AWS port (default 4566)")
    parser.add_argument("--no-seed", action="store_true", help="start without the demo users")
    parser.add_argument(
        "--no-demo-streams", action="store_true", help="do not simulate broadcasts of the live demo users"
    )
    parser.add_argument(
        "--outputs",
        type=Path,
        default=CODE_ROOT / "amplify_outputs.json",
        help="where to write the client configuration (default: amplify_outputs.json in the project)",
    )
    return parser


def banner(stack: LocalStack, seeded: bool, outputs: Path) -> str:
    url = stack.graphql_url
    lines = [
        "",
        "UGC local stack is up",
        f"  GraphQL (POST) / GraphiQL (browser)  {url}",
        f"  Client configuration                 {outputs}",
        f"                                       (also GET {url.removesuffix('/graphql')}/amplify_outputs.json)",
        f"  Local AWS endpoint                   {stack.resources.endpoint}",
        f"  API key (anonymous callers)          {stack.resources.api_key}",
    ]
    if seeded:
        lines += [
            f"  Demo users                           {', '.join(DEMO_USERS)}",
            f"  Demo password (local only)           {DEMO_PASSWORD}",
            "",
            "  Try:  ugc login alice && ugc query '{ me { username channel { isLive } } }'",
            "        ugc simulate stream alice        (then: ugc watch alice, or /health in a browser)",
        ]
    lines += [
        f"  E-mails (codes) are not sent: see   ugc codes  or  GET {stack.resources.endpoint}/_local/outbox",
    ]
    lines.append("  Stop with Ctrl+C")
    return "\n".join(lines)


class PortBusy(OSError):
    pass


def _check_free(host: str, port: int, what: str, flag: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortBusy(
                f"port {port} ({what}) is already in use on {host}: stop the other `ugc dev`, or pass {flag}"
            ) from exc


class _AppSyncServer(uvicorn.Server):
    """Signals are `ugc dev`'s: uvicorn would stop serving at once on Ctrl+C, before the demo streams and
    the local AWS have ended (their last events publish through this server)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


# How long the local AWS may take to start and bootstrap (a cold first run imports moto and botocore).
AWS_START_SECONDS = 120


def _start_local_aws(host: str, port: int, graphql_url: str, ready_file: Path) -> subprocess.Popen[bytes]:
    """The local AWS in its own process (emulator.local_aws.process); its output goes to this terminal.
    In a session of its own, so a Ctrl+C reaches only `ugc dev`, which stops it last (after the demo
    streams have ended through it); it also stops when its standard input, held by `ugc dev`, closes."""
    command = [
        sys.executable,
        "-m",
        "emulator.local_aws.process",
        "--host",
        host,
        "--port",
        str(port),
        "--graphql-url",
        graphql_url,
        "--ready-file",
        str(ready_file),
    ]
    return subprocess.Popen(command, cwd=CODE_ROOT, stdin=subprocess.PIPE, start_new_session=True)


async def _wait_ready(process: subprocess.Popen[bytes], ready_file: Path) -> LocalResources:
    deadline = time.monotonic() + AWS_START_SECONDS
    while not ready_file.exists():
        if process.poll() is not None:
            raise OSError(f"the local AWS exited during start-up (exit code {process.returncode})")
        if time.monotonic() > deadline:
            raise OSError(f"the local AWS did not start within {AWS_START_SECONDS} s")
        await asyncio.sleep(0.1)
    return read_resources(ready_file)


def _stop_local_aws(process: subprocess.Popen[bytes]) -> None:
    """Close its standard input: it finishes delivering pending events (their functions may still publish
    to the local AppSync), then exits; terminated if it takes too long."""
    if process.stdin is not None and not process.stdin.closed:
        process.stdin.close()
    for signal_it in (lambda: None, process.terminate, process.kill):
        signal_it()
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


async def _serve(args: argparse.Namespace) -> int:
    _check_free(args.host, args.port, "local AppSync", "--port")
    _check_free(args.host, args.aws_port, "local AWS", "--aws-port")
    graphql_url = f"http://{args.host}:{args.port}/graphql"
    with tempfile.TemporaryDirectory(prefix="ugc-dev-") as scratch:
        local_aws = _start_local_aws(args.host, args.aws_port, graphql_url, Path(scratch) / "resources.json")
        try:
            resources = await _wait_ready(local_aws, Path(scratch) / "resources.json")
            return await _serve_appsync(args, resources, graphql_url, local_aws)
        finally:
            _stop_local_aws(local_aws)


async def _serve_appsync(
    args: argparse.Namespace, resources: LocalResources, graphql_url: str, local_aws: subprocess.Popen[bytes]
) -> int:
    stack = LocalStack(resources, graphql_url=graphql_url)
    streams: list[Any] = []
    if not args.no_seed:
        await seed(stack, mark_live=args.no_demo_streams)
    # Freezing what start-up built keeps full collections from rescanning it (the local AWS, with the larger
    # heap, runs in its own process).
    gc.collect()
    gc.freeze()
    args.outputs.write_text(json.dumps(stack.outputs, indent=2) + "\n")
    config = uvicorn.Config(
        stack.app(list(DEMO_USERS) if not args.no_seed else [], DEMO_PASSWORD if not args.no_seed else None),
        host=args.host,
        port=args.port,
        log_level="warning",
        lifespan="off",
    )
    server = _AppSyncServer(config)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    serving = asyncio.ensure_future(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if server.started:
        if not args.no_seed and not args.no_demo_streams:
            streams = await asyncio.to_thread(demo_streams, stack)
        print(banner(stack, not args.no_seed, args.outputs), flush=True)
    asked = asyncio.ensure_future(stopping.wait())
    await asyncio.wait([serving, asked], return_when=asyncio.FIRST_COMPLETED)
    asked.cancel()
    # In order: the demo streams end, the local AWS delivers their last events (whose functions publish to
    # the local AppSync, still up) and exits, then the local AppSync stops.
    for simulator in streams:
        await asyncio.to_thread(simulator.stop)
    await asyncio.to_thread(_stop_local_aws, local_aws)
    server.should_exit = True
    await serving
    await stack.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_serve(args))
    except OSError as exc:
        print(f"ugc dev: {exc}", file=sys.stderr)
        return 1
