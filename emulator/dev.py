"""`ugc dev` (what `make run` starts): the local AWS, the local AppSync and the demo data."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from emulator import schedules
from emulator.appsync.tls import DualListener, ensure_certificates
from emulator.lambda_runtime.bridge import FunctionBridge
from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.persistence import STATE_FILE, StateFileError, end_interrupted_broadcasts
from emulator.local_aws.server import LocalAwsServer
from emulator.seed import DEMO_PASSWORD, DEMO_USERS, demo_streams, seed
from emulator.stack import CODE_ROOT, LOCAL_STAGE, LocalStack, function_specs

# Below the data folder: the local AWS's state (emulator.local_aws.persistence).
STATE_FOLDER = "state"
# How long Ctrl+C waits for the local AWS to deliver the events already put (the demo streams' last ones).
DRAIN_SECONDS = 10.0
# Then how long it waits for the functions still running (a scheduled run, a Cognito trigger) to return.
FUNCTIONS_GRACE_SECONDS = 10.0
# Then how long the local AppSync waits for requests in flight before closing their connections.
GRACEFUL_SHUTDOWN_SECONDS = 5


class _AppSyncServer(uvicorn.Server):
    """Signals are `ugc dev`'s: uvicorn would stop serving at once on Ctrl+C, before the demo streams have
    ended (their last events publish through this server)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def protocol(self) -> asyncio.Protocol:
        """A connection's HTTP/WebSocket protocol, as uvicorn makes it for the sockets it listens on."""
        protocol_class: Any = self.config.http_protocol_class
        made: asyncio.Protocol = protocol_class(
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state
        )
        return made


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
        "--data-dir",
        type=Path,
        default=CODE_ROOT / ".ugc",
        help="where the local stack keeps its state (users, channels, data, keys) across restarts, and its TLS "
        "CA (default: .ugc in the project)",
    )
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--reset", action="store_true", help="forget the state kept in the data folder and start afresh")
    kept.add_argument("--in-memory", action="store_true", help="keep no state: everything is gone when the stack stops")
    parser.add_argument(
        "--outputs",
        type=Path,
        default=CODE_ROOT / "amplify_outputs.json",
        help="where to write the client configuration (default: amplify_outputs.json in the project)",
    )
    return parser


def banner(stack: LocalStack, seeded: bool, outputs: Path) -> str:
    url = stack.graphql_url
    ca = stack.outputs["custom"]["ugc"].get("ca_certificate")
    lines = [
        "",
        "UGC local stack is up",
        f"  GraphQL (POST) / GraphiQL (browser)  {url}",
        f"  Client configuration                 {outputs}",
        f"                                       (also GET {url.removesuffix('/graphql')}/amplify_outputs.json)",
        f"  Same port over TLS (https, wss)      {url.replace('http://', 'https://', 1)}",
        f"                                       (signed by the local CA {ca}: `ugc trust`)",
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


def _local_aws(args: argparse.Namespace) -> LocalAwsServer:
    """The local AWS, keeping its state in the data folder unless --in-memory (--reset: forgotten first)."""
    state_dir = args.data_dir / STATE_FOLDER
    if args.reset:
        (state_dir / STATE_FILE).unlink(missing_ok=True)
    return LocalAwsServer(host=args.host, port=args.aws_port, data_dir=None if args.in_memory else state_dir)


async def _serve(args: argparse.Namespace) -> int:
    _check_free(args.host, args.port, "local AppSync", "--port")
    _check_free(args.host, args.aws_port, "local AWS", "--aws-port")
    local_aws = _local_aws(args)
    local_aws.start()
    functions: FunctionBridge | None = None
    listener: DualListener | None = None
    listening: socket.socket | None = None
    scheduled: list[asyncio.Task[None]] = []
    try:
        resources = bootstrap(local_aws.endpoint, LOCAL_STAGE)
        # Cognito triggers and S3 events run the real functions, each in its worker processes.
        functions = FunctionBridge(function_specs(resources, f"http://{args.host}:{args.port}/graphql"))
        local_aws.set_functions(functions)
        end_interrupted_broadcasts(local_aws.endpoint)
        scheduled = schedules.start(functions, resources.region, resources.account_id)
        certificates = ensure_certificates(args.data_dir / "tls", args.host)
        stack = LocalStack(
            resources,
            graphql_url=f"http://{args.host}:{args.port}/graphql",
            ca_certificate=str(certificates.ca_certificate),
        )
        streams: list[Any] = []
        if not args.no_seed:
            await seed(stack, mark_live=args.no_demo_streams)
        # The local AWS shares this process: moto's backends and botocore's models are a large, long-lived
        # heap. Freezing what start-up built keeps full collections from rescanning it, which otherwise
        # stalls the local AppSync (and its subscription fan-out) for a few hundred ms every few seconds.
        gc.collect()
        gc.freeze()
        args.outputs.write_text(json.dumps(stack.outputs, indent=2) + "\n")
        config = uvicorn.Config(
            stack.app(list(DEMO_USERS) if not args.no_seed else [], DEMO_PASSWORD if not args.no_seed else None),
            host=args.host,
            port=args.port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        server = _AppSyncServer(config)
        # One port for http/ws and https/wss (Amplify's real-time is wss:// only): uvicorn opens no listener
        # of its own; the dual listener hands it each connection, with TLS where the client starts one.
        listening = socket.create_server((args.host, args.port))
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        serving = asyncio.ensure_future(server.serve(sockets=[]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.05)
        if server.started:
            listener = DualListener(listening, server.protocol, certificates.server_context())
            listener.start()
            if not args.no_seed and not args.no_demo_streams:
                streams = await asyncio.to_thread(demo_streams, stack)
            print(banner(stack, not args.no_seed, args.outputs), flush=True)
        asked = asyncio.ensure_future(stopping.wait())
        await asyncio.wait([serving, asked], return_when=asyncio.FIRST_COMPLETED)
        asked.cancel()
        # In order: schedules start no more runs and the demo streams end; the local AWS delivers their last
        # events and the functions still running return (they publish to the local AppSync, still serving);
        # then the functions stop, and only then the local AppSync.
        await _ordered_stop(scheduled, streams, local_aws, functions)
        if listener is not None:
            await listener.close()
        server.should_exit = True
        await serving
        await stack.close()
        return 0
    finally:
        # For a start-up that failed part-way; after the ordered stop above these are no-ops (each is idempotent).
        await _release(scheduled, local_aws, functions, listening if listener is None else None)


async def _ordered_stop(
    scheduled: list[asyncio.Task[None]], streams: list[Any], local_aws: LocalAwsServer, functions: FunctionBridge
) -> None:
    """Everything before the local AppSync stops (see _serve)."""
    await schedules.stop(scheduled)
    for simulator in streams:
        await asyncio.to_thread(simulator.stop)
    await asyncio.to_thread(local_aws.wait_for_events, DRAIN_SECONDS)
    local_aws.set_functions(None)
    await asyncio.to_thread(functions.close, FUNCTIONS_GRACE_SECONDS)


async def _release(
    scheduled: list[asyncio.Task[None]],
    local_aws: LocalAwsServer,
    functions: FunctionBridge | None,
    listening: socket.socket | None,
) -> None:
    await schedules.stop(scheduled)
    local_aws.set_functions(None)
    if functions is not None:
        functions.close()
    if listening is not None:
        listening.close()
    local_aws.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_serve(args))
    except (OSError, StateFileError) as exc:  # a busy port; a data folder this version cannot load
        print(f"ugc dev: {exc}", file=sys.stderr)
        return 1
