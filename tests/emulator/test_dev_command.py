"""`ugc dev` (what `make run` starts) as a user runs it: the local AppSync and the local AWS, demo data and
demo streams; Ctrl+C stops everything (its Lambda workers too), in order and quietly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
START = "import sys; from client.cli import main; sys.exit(main(['dev', *sys.argv[1:]]))"

pytestmark = pytest.mark.slow
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_for(predicate: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_ugc_dev_serves_the_demo_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    port, aws_port = _free_port(), _free_port()
    outputs = tmp_path / "amplify_outputs.json"
    log = tmp_path / "dev.log"
    # GIVEN `ugc dev` started as from a terminal: its own process group, which Ctrl+C signals as a whole
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", START, "--port", str(port), "--aws-port", str(aws_port), "--outputs", str(outputs)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # WHEN it is up
        _wait_for(lambda: "Stop with Ctrl+C" in log.read_text() or process.poll() is not None, 120, "the banner")
        assert process.poll() is None, log.read_text()
        config = json.loads(outputs.read_text())
        url, api_key = config["data"]["url"], config["data"]["api_key"]

        # THEN anonymous callers see the demo streams go live
        def live() -> list[str]:
            query = {"query": "{ liveChannels { items { username } } }"}
            body = httpx.post(url, json=query, headers={"x-api-key": api_key}, timeout=10).json()
            return sorted(c["username"] for c in body["data"]["liveChannels"]["items"])

        assert _wait_for(lambda: live() == ["bob", "carol"], 30, "bob and carol live") is True
        # AND a demo user signs in, and the local AWS answers on its port
        base = url.removesuffix("/graphql")
        signed_in = httpx.post(f"{base}/local/sign-in", json={"username": "alice", "password": "Passw0rd!"}, timeout=10)
        assert signed_in.status_code == 200 and signed_in.json()["idToken"]
        assert httpx.get(f"http://127.0.0.1:{aws_port}/_local/outbox", timeout=10).status_code == 200

        # WHEN Ctrl+C is pressed
        os.killpg(process.pid, signal.SIGINT)

        # THEN it exits cleanly, the demo streams' last events published before the servers stopped, and
        # nothing keeps either port
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`ugc dev` did not stop within 60 s of Ctrl+C:\n{log.read_text()}")
        assert code == 0, log.read_text()
        output = log.read_text()
        assert "Traceback" not in output and "publish failed" not in output, output
        assert _wait_for(lambda: _port_free(port) and _port_free(aws_port), 15, "both ports free")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
