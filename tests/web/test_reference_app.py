"""The reference React app (examples/web: React + Apollo Client + Amplify Auth, built with Vite), built
against a real `ugc dev` and driven in headless Chromium as a viewer uses it: sign in with Amplify's
default flow, the live directory kept current by onChannelState, follow, and an overlay arriving."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from client.auth import CognitoAuth, TokenCache
from client.outputs import load_outputs
from client.sdk import UGCClient
from emulator.seed import DEMO_LIVE, DEMO_PASSWORD
from tests import dev_server
from tests.dashboards.cdp import Page, chromium
from tests.dashboards.test_graphiql_page import LOOPBACK_ONLY, requested_urls
from tests.dashboards.test_health_page import CHROMIUM

APP = Path(__file__).resolve().parents[2] / "examples" / "web"
NPM = shutil.which("npm")

pytestmark = [
    pytest.mark.skipif(NPM is None, reason="npm is not installed: the reference app needs Node.js 20+"),
    pytest.mark.skipif(CHROMIUM is None, reason="the `chromium` binary is not installed (`make test` installs it)"),
]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dev_server.DevServer]:
    with dev_server.running(tmp_path_factory.mktemp("web")) as server:
        live = sorted(DEMO_LIVE)
        dev_server.wait_for(lambda: server.live_channels() == live, 30, f"{', '.join(live)} live")
        yield server


@pytest.fixture(scope="module")
def app_url(stack: dev_server.DevServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app built for this stack (vite build, its outputs file imported), served from 127.0.0.1."""
    assert (APP / "node_modules" / ".package-lock.json").exists(), "run `make web` (npm ci in examples/web)"
    dist = tmp_path_factory.mktemp("dist")
    assert NPM is not None
    built = subprocess.run(
        [NPM, "run", "build", "--", "--outDir", str(dist), "--emptyOutDir"],
        cwd=APP,
        env={**os.environ, "UGC_OUTPUTS": str(stack.outputs_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(dist)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _sign_in(page: Page, username: str, password: str) -> None:
    page.evaluate(
        f"""(() => {{
        const form = document.getElementById('sign-in');
        form.elements.username.value = {json.dumps(username)};
        form.elements.password.value = {json.dumps(password)};
        form.requestSubmit(); return true; }})()"""
    )


def _text(selector: str) -> str:
    return f"(document.querySelector({json.dumps(selector)})?.textContent ?? '')"


def test_a_viewer_signs_in_watches_the_directory_follows_and_sees_an_overlay(
    stack: dev_server.DevServer, app_url: str, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    outputs = load_outputs(stack.outputs_path)
    with chromium(CHROMIUM, tmp_path / "profile", flags=LOOPBACK_ONLY) as page:
        page.record("Network.requestWillBeSent", "Network.webSocketCreated")
        page.call("Network.enable")
        # GIVEN the app, opened by an anonymous viewer: bob and carol are live in the directory
        page.navigate(app_url)
        for name in sorted(DEMO_LIVE):
            page.wait_for(f"!!document.querySelector('#live li[data-username={name}]')", timeout=30, what=name)

        # WHEN a wrong password is tried, THEN Cognito's refusal is shown
        _sign_in(page, "dave", "Wr0ng-password!")
        shown = page.wait_for(_text("#sign-in-error"), timeout=30, what="the sign-in error")
        assert shown == "Incorrect username or password."
        # WHEN dave signs in (Amplify's default flow: SRP)
        _sign_in(page, "dave", DEMO_PASSWORD)
        page.wait_for(f"{_text('#who')}.includes('dave')", timeout=30, what="the sign-in")

        # WHEN alice starts streaming, THEN she appears in the directory without a reload
        simulate = subprocess.Popen(
            [
                *(sys.executable, "-c", "from client.cli import main; raise SystemExit(main())"),
                *("--outputs", str(stack.outputs_path), "simulate", "stream", "alice", "--duration", "120"),
            ],
            stderr=subprocess.DEVNULL,
        )
        try:
            page.wait_for("!!document.querySelector('#live li[data-username=alice]')", timeout=30, what="alice live")
        finally:
            simulate.terminate()  # ends her stream (SIGTERM)
            simulate.wait(timeout=30)
        # AND once her stream has ended, she leaves it
        page.wait_for("!document.querySelector('#live li[data-username=alice]')", timeout=30, what="alice offline")

        # WHEN dave opens bob's channel and follows it
        page.evaluate("location.hash = '#/bob'; true")
        page.wait_for(
            "!!(document.getElementById('follow') || document.getElementById('unfollow'))", timeout=30, what="bob"
        )
        if page.evaluate("!!document.getElementById('unfollow')"):
            page.evaluate("document.getElementById('unfollow').click(); true")
            page.wait_for("!!document.getElementById('follow')", timeout=30, what="the unfollow")
        before = int(page.evaluate(_text("#followers")))
        page.evaluate("document.getElementById('follow').click(); true")
        # THEN the page says he follows, and the count went up by one
        page.wait_for("!!document.getElementById('unfollow')", timeout=30, what="the follow")
        assert int(page.evaluate(_text("#followers"))) == before + 1

        # WHEN bob sends a notice
        auth = CognitoAuth(outputs, cache=TokenCache(tmp_path / "tokens.json"))
        auth.sign_in("bob", DEMO_PASSWORD)
        bob = UGCClient.for_user(outputs, "bob", cache=auth.cache)
        bob.execute(
            'mutation { sendStreamAction(input: {notice: {title: "Giveaway", message: "in five minutes", duration: 30}})'
            " { id channelId type isActive payload { __typename ... on NoticeAction { title message } } } }"
        )
        # THEN the overlay arrives on dave's page
        overlay = page.wait_for(
            f"{_text('#overlay')}.includes('Giveaway') && {_text('#overlay')}", timeout=30, what="the overlay"
        )
        assert "NOTICE" in overlay and "in five minutes" in overlay

        # AND nothing the page asked for left this machine
        hosts = {urlsplit(url).hostname for url in requested_urls(page) if not url.startswith("data:")}
        assert hosts <= {"127.0.0.1"}, hosts
