"""The JavaScript clients real frontends use (Amplify, Apollo, graphql-ws, graphql-codegen + tsc), run with
Node's test runner against one `ugc dev` started as a user starts it. The Node tests are the `*.test.mjs`
files here; this module starts the stack, runs them, streams their report and fails when any fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

import pytest

from emulator.seed import DEMO_LIVE, DEMO_PASSWORD, DEMO_USERS
from tests import dev_server

HERE = Path(__file__).resolve().parent
MIN_NODE = 20
NODE_TIMEOUT_SECONDS = 300

pytestmark = pytest.mark.slow


def _node() -> str:
    """The `node` to run, or a skip saying why there is none fit to run the suite."""
    node = shutil.which("node")
    if node is None:
        pytest.skip(f"Node.js {MIN_NODE}+ is not installed: the JavaScript client suite (tests/js) needs it")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    found = re.match(r"v(\d+)\.", version)
    if found is None or int(found.group(1)) < MIN_NODE:
        pytest.skip(f"Node.js {MIN_NODE}+ is needed for the JavaScript client suite (tests/js); found {version}")
    return node


def test_javascript_clients_work_against_ugc_dev(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node = _node()
    # Node is there, so `make test` installed the packages; their absence is a broken set-up, not a skip.
    assert (HERE / "node_modules" / ".package-lock.json").exists(), (
        "tests/js has no node_modules: run `make js` (npm ci from tests/js/package-lock.json)"
    )
    files = sorted(path.name for path in HERE.glob("*.test.mjs"))
    assert files, "no *.test.mjs files in tests/js"

    # GIVEN the local stack with its demo users and streams, as `make run` starts it, the streams live
    with dev_server.running(tmp_path) as server:
        live = sorted(DEMO_LIVE)
        dev_server.wait_for(lambda: server.live_channels() == live, 30, f"{', '.join(live)} live")
        env = {
            **os.environ,
            "UGC_OUTPUTS": str(server.outputs_path),
            # The one step `ugc trust` gives Node users: trust the local CA (Amplify's real-time is wss://).
            "NODE_EXTRA_CA_CERTS": server.outputs["custom"]["ugc"]["ca_certificate"],
            "UGC_DEMO_PASSWORD": DEMO_PASSWORD,
            "UGC_DEMO_USERS": ",".join(DEMO_USERS),
        }
        # WHEN Node's test runner runs every client test file against it. Amplify leaves a 15 s
        # connection-init timer behind each WebSocket it opens (AWSWebSocketProvider), which would hold each
        # file's process open after its tests end: --test-force-exit ends it once they have.
        command = [node, "--test", "--test-force-exit", "--test-reporter=spec", "--test-timeout=90000", *files]
        tail: deque[str] = deque(maxlen=200)
        process = subprocess.Popen(
            command, cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        # Each Node test has its own timeout; this bounds the whole run, should the runner itself hang.
        watchdog = threading.Timer(NODE_TIMEOUT_SECONDS, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            with capsys.disabled():
                sys.stdout.write(f"\n[tests/js] {' '.join(command[1:])}\n")
                for line in process.stdout:
                    tail.append(line)
                    sys.stdout.write(f"[tests/js] {line}")
                    sys.stdout.flush()
            code = process.wait()
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()

        # THEN every Node test passed
        assert code == 0, (
            f"node --test exited with {code}:\n{''.join(tail)}\n--- ugc dev log ---\n{server.log()[-4000:]}"
        )
