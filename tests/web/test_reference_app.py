"""The reference React app (examples/web: React + Apollo Client + Amplify Auth, built with Vite), built
against a real `ugc dev` and driven in headless Chromium as a viewer uses it: sign in with Amplify's
default flow, the live directory kept current by onChannelState, unfollow and follow, overlays arriving
and going, sign-out; live thumbnails, and a past broadcast played with hls.js through signed URLs."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest

from client.auth import CognitoAuth, TokenCache
from client.outputs import load_outputs
from client.sdk import UGCClient
from emulator.seed import DEMO_FOLLOWS, DEMO_LIVE, DEMO_PASSWORD
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


def _shown(selector: str) -> str:
    return f"!!document.querySelector({json.dumps(selector)})"


def _click(page: Page, selector: str) -> None:
    page.evaluate(f"document.querySelector({json.dumps(selector)}).click(); true")


def _graphql_posts(page: Page, url: str, since: int = 0) -> list[tuple[str, dict[str, str]]]:
    """(operation name, request headers) of each GraphQL call the page sent, from `page.events[since]` on."""
    page.evaluate("true")  # events sent before this reply are recorded by now
    posts = []
    for event in page.events[since:]:
        request = event["params"].get("request", {})
        if event["method"] == "Network.requestWillBeSent" and request["method"] == "POST" and request["url"] == url:
            name = json.loads(request.get("postData", "{}")).get("operationName", "")
            posts.append((name, {key.lower(): value for key, value in request["headers"].items()}))
    return posts


def _anonymous(posts: list[tuple[str, dict[str, str]]], api_key: str | None) -> bool:
    return bool(posts) and all(h.get("x-api-key") == api_key and "authorization" not in h for _, h in posts)


# AppSync gives subscribers only the fields the mutation selected: the streamer's call selects what the page shows.
SENT_ACTION = (
    "id channelId type isActive expiresAt"
    " payload { __typename ... on NoticeAction { title message } ... on ProductAction { title price } }"
)


def test_a_viewer_signs_in_watches_the_directory_follows_sees_overlays_and_signs_out(
    stack: dev_server.DevServer, app_url: str, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    outputs = load_outputs(stack.outputs_path)
    api, api_key = outputs.data.url, outputs.data.api_key
    with chromium(CHROMIUM, tmp_path / "profile", flags=LOOPBACK_ONLY) as page:
        page.record("Network.requestWillBeSent", "Network.webSocketCreated")
        page.call("Network.enable")
        # GIVEN the app, opened by an anonymous viewer: bob and carol are live in the directory
        page.navigate(app_url)
        for name in sorted(DEMO_LIVE):
            page.wait_for(_shown(f"#live li[data-username={name}]"), timeout=30, what=name)
        # AND its calls carry the API key, as an anonymous viewer's must
        assert _anonymous(_graphql_posts(page, api), api_key)

        # WHEN a wrong password is tried, THEN Cognito's refusal is shown
        _sign_in(page, "dave", "Wr0ng-password!")
        shown = page.wait_for(_text("#sign-in-error"), timeout=30, what="the sign-in error")
        assert shown == "Incorrect username or password."
        # WHEN dave signs in (Amplify's default flow: SRP)
        _sign_in(page, "dave", DEMO_PASSWORD)
        page.wait_for(f"{_text('#who')}.includes('dave')", timeout=30, what="the sign-in")
        signed_in_from = len(page.events)

        # WHEN alice starts streaming, THEN she appears in the directory without a reload
        simulate = subprocess.Popen(
            dev_server.simulate_command(stack.outputs_path, "alice", 120),
            stderr=subprocess.DEVNULL,
        )
        try:
            page.wait_for(_shown("#live li[data-username=alice]"), timeout=30, what="alice live")
        finally:
            simulate.terminate()  # ends her stream (SIGTERM)
            simulate.wait(timeout=30)
        # AND once her stream has ended, she leaves it
        page.wait_for(f"!{_shown('#live li[data-username=alice]')}", timeout=30, what="alice offline")

        # WHEN dave opens bob's channel from the directory, THEN it shows that he follows bob (the demo data)
        _click(page, "#live li[data-username=bob] a")
        page.wait_for(_shown("#channel[data-username=bob] #followers"), timeout=30, what="bob's channel")
        assert "bob" in DEMO_FOLLOWS["dave"]
        assert page.evaluate(_shown("#unfollow"))
        following = int(page.evaluate(_text("#followers")))
        # WHEN he unfollows, THEN the button and the count change; AND again when he follows
        _click(page, "#unfollow")
        page.wait_for(_shown("#follow"), timeout=30, what="the unfollow")
        assert int(page.evaluate(_text("#followers"))) == following - 1
        _click(page, "#follow")
        page.wait_for(_shown("#unfollow"), timeout=30, what="the follow")
        assert int(page.evaluate(_text("#followers"))) == following
        # AND after a reload he is still signed in, and follows bob
        page.navigate("about:blank")
        page.navigate(f"{app_url}#/bob")
        page.wait_for(_shown("#channel #unfollow"), timeout=30, what="bob's channel after a reload")
        assert int(page.evaluate(_text("#followers"))) == following
        # AND every call since the sign-in carried dave's Cognito ID token, not the API key
        signed_in = _graphql_posts(page, api, signed_in_from)
        assert {"Follow", "Unfollow", "Channel", "LiveChannels"} <= {name for name, _ in signed_in}
        for _, headers in signed_in:
            claims = jwt.decode(headers["authorization"], options={"verify_signature": False})
            assert (claims["token_use"], claims["cognito:username"]) == ("id", "dave")
            assert "x-api-key" not in headers

        # WHEN bob puts a product on his stream (shown until he stops it)
        auth = CognitoAuth(outputs, cache=TokenCache(tmp_path / "tokens.json"))
        auth.sign_in("bob", DEMO_PASSWORD)
        bob = UGCClient.for_user(outputs, "bob", cache=auth.cache)
        product = 'title: "Headset", price: "$49", imageUrl: "https://127.0.0.1/h.png", description: "wireless"'
        bob.execute(f"mutation {{ sendStreamAction(input: {{product: {{{product}}}}}) {{ {SENT_ACTION} }} }}")
        # THEN the overlay arrives on dave's page
        overlay = page.wait_for(
            f"{_text('#overlay')}.includes('Headset') && {_text('#overlay')}", timeout=30, what="it"
        )
        assert overlay == "PRODUCT Headset $49"
        # WHEN bob stops it, THEN it goes away
        bob.execute(f"mutation {{ stopStreamAction {{ {SENT_ACTION} }} }}")
        page.wait_for(f"!{_shown('#overlay')}", timeout=30, what="the stopped overlay to go")

        # WHEN bob sends a notice for 5 s, THEN it arrives
        notice = 'title: "Giveaway", message: "in five minutes", duration: 5'
        bob.execute(f"mutation {{ sendStreamAction(input: {{notice: {{{notice}}}}}) {{ {SENT_ACTION} }} }}")
        overlay = page.wait_for(
            f"{_text('#overlay')}.includes('Giveaway') && {_text('#overlay')}", timeout=30, what="it"
        )
        assert overlay == "NOTICE Giveaway: in five minutes"
        # AND it goes away by itself when its time is up
        page.wait_for(f"!{_shown('#overlay')}", timeout=15, what="the notice to expire")

        # WHEN dave signs out, THEN the page is an anonymous viewer's again: the sign-in form, no follow button
        signed_out_from = len(page.events)
        _click(page, "#sign-out")
        page.wait_for(_shown("#sign-in"), timeout=30, what="the sign-in form")
        page.wait_for(f"{_shown('#channel')} && !{_shown('#follow, #unfollow')}", timeout=30, what="anonymous page")
        # AND its calls carry the API key again
        assert _anonymous(_graphql_posts(page, api, signed_out_from), api_key)

        # AND nothing the page asked for left this machine
        hosts = {urlsplit(url).hostname for url in requested_urls(page) if not url.startswith("data:")}
        assert hosts <= {"127.0.0.1"}, hosts


def _loaded_image(selector: str) -> str:
    """The image is in the page and its picture arrived (a refused or broken URL leaves naturalWidth 0)."""
    return f"(document.querySelector({json.dumps(selector)})?.naturalWidth ?? 0) > 0"


def test_a_viewer_sees_live_thumbnails_and_plays_a_past_broadcast_with_hls_js(
    stack: dev_server.DevServer, app_url: str, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    with chromium(CHROMIUM, tmp_path / "profile", flags=LOOPBACK_ONLY) as page:
        page.record("Network.requestWillBeSent", "Network.webSocketCreated")
        page.call("Network.enable")
        # GIVEN an anonymous viewer on the directory: the live demo channels' cards show their latest thumbnail
        page.navigate(app_url)
        for name in sorted(DEMO_LIVE):
            page.wait_for(_loaded_image(f"#live li[data-username={name}] img.thumb"), timeout=30, what=name)
        # WHEN alice broadcasts for a few seconds and stops (the local stage records every broadcast)
        simulated = subprocess.run(
            dev_server.simulate_command(stack.outputs_path, "alice", 4),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert simulated.returncode == 0, simulated.stderr
        # THEN her channel page lists the broadcast, with a thumbnail that loads
        page.navigate(f"{app_url}#/alice")
        page.wait_for(_loaded_image("#recordings li img.thumb"), timeout=30, what="alice's past broadcast")
        # AND hls.js plays it: the master playlist, then a segment, each fetched with the signed query
        _click(page, "#recordings li .play")
        state = page.wait_for(
            "(() => { const s = document.querySelector('.player')?.dataset.state ?? '';"
            " return (s === 'fragment' || s.startsWith('error')) && s; })()",
            timeout=30,
            what="the player to load a segment",
        )
        assert state == "fragment"
        media = [url for url in requested_urls(page) if "/_local/cloudfront/" in url]
        assert any(".m3u8" in url for url in media) and any(url.split("?")[0].endswith(".ts") for url in media)
        assert all("Signature=" in url for url in media), media
