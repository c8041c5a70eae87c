"""The local AWS in a process of its own, as `ugc dev` runs it: `python -m emulator.local_aws.process`.

It starts the moto-based local AWS, bootstraps the stack's resources, runs the functions AWS would
invoke (Cognito triggers, S3 upload events, EventBridge targets) and the schedules, then writes the
resources as JSON to `--ready-file` and serves until SIGINT, SIGTERM or the end of its standard input
(so it stops with the `ugc dev` that started it, however that ended). Apart from the local AppSync's
process, moto's large heap and its request threads never pause GraphQL requests or subscription
fan-out (their garbage collections and the GIL stay in this process).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import signal
import sys
import threading
from pathlib import Path

from emulator import schedules
from emulator.lambda_runtime.bridge import FunctionBridge
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.server import LocalAwsServer
from emulator.stack import LOCAL_STAGE, function_specs


def write_resources(resources: LocalResources, path: Path) -> None:
    """Atomically: a reader that sees the file sees all of it."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(dataclasses.asdict(resources)))
    partial.replace(path)


def read_resources(path: Path) -> LocalResources:
    return LocalResources(**json.loads(path.read_text()))


async def serve(host: str, port: int, graphql_url: str, ready_file: Path) -> None:
    server = LocalAwsServer(host=host, port=port)
    server.start()
    functions: FunctionBridge | None = None
    tasks: list[asyncio.Task[None]] = []
    try:
        resources = bootstrap(server.endpoint, LOCAL_STAGE)
        # Cognito triggers, S3 events and EventBridge targets run the real functions in worker processes.
        functions = FunctionBridge(function_specs(resources, graphql_url))
        server.set_functions(functions)
        tasks = schedules.start(functions, resources.region, resources.account_id)
        # Keep full collections from rescanning what start-up built (moto's backends, botocore's models).
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        threading.Thread(target=_until_eof, args=(loop, stop), daemon=True).start()
        write_resources(resources, ready_file)
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        # Events already put are delivered before the functions go (as EventBridge would, eventually).
        server.wait_for_events(timeout=10)
        server.set_functions(None)
        if functions is not None:
            functions.close()
        server.stop()


def _until_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    for _ in sys.stdin:
        pass
    loop.call_soon_threadsafe(stop.set)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator.local_aws.process", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--graphql-url", required=True, help="the local AppSync, for the functions that publish")
    parser.add_argument("--ready-file", type=Path, required=True, help="where to write the resources once up")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.graphql_url, args.ready_file))


if __name__ == "__main__":
    main()
