"""Headless Chromium driven over the DevTools protocol: just enough to load a page, run JavaScript
in it and take a screenshot. The websockets package (already a dependency) carries the protocol, so
the browser test needs nothing but Debian's `chromium`."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-crash-reporter",  # nothing written outside the test's own profile directory
    "--disable-breakpad",
    "--remote-debugging-port=0",  # Chromium picks a free port and writes it to DevToolsActivePort
)


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class JavaScriptError(RuntimeError):
    pass


class Page:
    """One tab. Commands are synchronous; events the browser sends meanwhile are dropped, except those of
    the methods passed to `record`, which are kept in `events` in the order they came."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._recorded: set[str] = set()
        self.events: list[dict[str, Any]] = []

    def record(self, *methods: str) -> None:
        self._recorded.update(methods)

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self._socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("method") in self._recorded:
                self.events.append(reply)
            if reply.get("id") != message_id:
                continue
            if "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            result: dict[str, Any] = reply.get("result", {})
            return result

    def evaluate(self, expression: str) -> Any:
        """The expression's value (awaited if it is a promise), as JSON."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise JavaScriptError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    def navigate(self, url: str, timeout: float = 30) -> None:
        self.call("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'", timeout=timeout, what=f"{url} to load")

    def wait_for(
        self, expression: str, *, timeout: float, what: str, on_timeout: Callable[[], str] | None = None
    ) -> Any:
        """Poll a JavaScript expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                extra = f"\n{on_timeout()}" if on_timeout else ""
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}{extra}")
            time.sleep(0.25)

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path.write_bytes(base64.b64decode(data))
        return path


@contextmanager
def chromium(
    binary: str, profile: Path, *, width: int = 1280, height: int = 1000, flags: Sequence[str] = ()
) -> Iterator[Page]:
    """A fresh headless Chromium (its own profile directory) with one blank tab; `flags` are added to FLAGS."""
    profile.mkdir(parents=True, exist_ok=True)
    log = (profile.parent / "chromium.log").open("wb")
    process = subprocess.Popen(
        [binary, *FLAGS, *flags, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        port = _devtools_port(profile, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.load(response)
        tab = next(t for t in targets if t.get("type") == "page")
        with connect(tab["webSocketDebuggerUrl"], max_size=None, open_timeout=10) as socket:
            page = Page(socket)
            page.call("Page.enable")
            page.call("Runtime.enable")
            yield page
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _devtools_port(profile: Path, process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}; see {profile.parent / 'chromium.log'}")
        if marker.exists():
            first = marker.read_text().splitlines()[:1]
            if first and first[0].isdigit():
                return int(first[0])
        time.sleep(0.1)
    raise TimeoutError(f"chromium did not open its DevTools port within {timeout}s")
