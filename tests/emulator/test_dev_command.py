"""`ugc dev` (what `make run` starts) as a user runs it: the local AppSync and the local AWS, demo data and
demo streams; Ctrl+C stops everything (its Lambda workers too), in order and quietly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests import dev_server

pytestmark = pytest.mark.slow


def test_ugc_dev_serves_the_demo_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    # GIVEN `ugc dev` started as from a terminal: its own process group, which Ctrl+C signals as a whole
    # WHEN it is up
    server = dev_server.start(tmp_path)
    try:
        url = server.outputs["data"]["url"]

        # THEN anonymous callers see the demo streams live as soon as the banner is printed
        assert server.live_channels() == ["bob", "carol"]
        # AND a demo user signs in, and the local AWS answers on its port
        base = url.removesuffix("/graphql")
        signed_in = httpx.post(f"{base}/local/sign-in", json={"username": "alice", "password": "Passw0rd!"}, timeout=10)
        assert signed_in.status_code == 200 and signed_in.json()["idToken"]
        assert httpx.get(f"http://127.0.0.1:{server.aws_port}/_local/outbox", timeout=10).status_code == 200

        # WHEN Ctrl+C is pressed
        server.interrupt()

        # THEN it exits cleanly, the demo streams' last events published before the servers stopped, and
        # nothing keeps either port
        try:
            code = server.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`ugc dev` did not stop within 60 s of Ctrl+C:\n{server.log()}")
        assert code == 0, server.log()
        output = server.log()
        assert "Traceback" not in output and "publish failed" not in output, output
        assert dev_server.wait_for(
            lambda: dev_server.port_free(server.port) and dev_server.port_free(server.aws_port), 15, "both ports free"
        )
    finally:
        dev_server.kill(server)
