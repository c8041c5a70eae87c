"""`ugc dev` started as a user starts it, on free loopback ports, for tests that need the whole local stack
over real sockets (the `ugc dev` test itself, the JavaScript client suite)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
START = "import sys; from client.cli import main; sys.exit(main(['dev', *sys.argv[1:]]))"
BANNER = "Stop with Ctrl+C"
T = TypeVar("T")


def simulate_command(outputs: Path, username: str, seconds: int) -> list[str]:
    """`ugc simulate stream`: a broadcast of `username`'s channel for `seconds`, ended by SIGTERM sooner."""
    return [
        *(sys.executable, "-c", "from client.cli import main; raise SystemExit(main())"),
        *("--outputs", str(outputs), "simulate", "stream", username, "--duration", str(seconds)),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for(predicate: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class DevServer:
    process: subprocess.Popen[bytes]
    port: int
    aws_port: int
    outputs_path: Path
    log_path: Path

    @property
    def outputs(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.outputs_path.read_text())
        return loaded

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def live_channels(self) -> list[str]:
        """Who the directory shows live, as an anonymous caller sees it."""
        data = self.outputs["data"]
        query = {"query": "{ liveChannels { items { username } } }"}
        body = httpx.post(data["url"], json=query, headers={"x-api-key": data["api_key"]}, timeout=10).json()
        return sorted(channel["username"] for channel in body["data"]["liveChannels"]["items"])

    def interrupt(self) -> None:
        """Ctrl+C, as a terminal sends it: to the whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)


def start(folder: Path, *flags: str, ports: tuple[int, int] | None = None) -> DevServer:
    """`ugc dev` in its own process group, its output in `folder`/dev.log; returns once its banner is out.
    `ports`: (local AppSync, local AWS), as a restart keeps them; free ones by default."""
    port, aws_port = ports or (free_port(), free_port())
    outputs = folder / "amplify_outputs.json"
    log = folder / "dev.log"
    # Appended to, so a restart on the same folder keeps the earlier runs' output: wait for one more banner.
    banners = log.read_text(errors="replace").count(BANNER) if log.exists() else 0
    with log.open("a") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                START,
                *("--port", str(port), "--aws-port", str(aws_port), "--outputs", str(outputs)),
                *("--data-dir", str(folder / "data")),
                *flags,
            ],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = DevServer(process, port, aws_port, outputs, log)
    try:
        wait_for(lambda: server.log().count(BANNER) > banners or process.poll() is not None, 120, "the banner")
    except AssertionError:
        kill(server)
        raise
    if process.poll() is not None:
        raise AssertionError(f"`ugc dev` exited with {process.returncode}:\n{server.log()}")
    return server


def kill(server: DevServer) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


@contextmanager
def running(folder: Path, *flags: str) -> Iterator[DevServer]:
    """`ugc dev` for the length of the block, stopped with Ctrl+C after it (killed if that takes over 60 s)."""
    server = start(folder, *flags)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.interrupt()
            try:
                server.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                kill(server)
