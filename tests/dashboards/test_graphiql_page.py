"""GraphiQL at `/graphql` works with no network beyond this machine: every file it loads is served by the
local AppSync from the pinned npm project (`make playground`), and in headless Chromium, with every host name
unresolvable, the editor renders, the sign-in bar signs in, and a query and a subscription run."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

from emulator.appsync.assets import PROJECT, Assets
from emulator.simulator import StreamProfile, StreamSimulator
from tests.dashboards.cdp import Page, chromium
from tests.dashboards.test_health_page import CHROMIUM, needs_chromium

pytestmark = [
    pytest.mark.slow,
    # With npm at hand `make test` installs the files, so their absence is a failure; without it, a skip.
    pytest.mark.skipif(
        shutil.which("npm") is None and not (PROJECT / "node_modules").is_dir(),
        reason="GraphiQL's files need npm (Node.js 20) to install: `make playground`",
    ),
]

# Every host name fails to resolve; 127.0.0.1 needs no resolving. A request for unpkg.com & co. cannot succeed.
LOOPBACK_ONLY = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",)
WHO = "document.getElementById('who').textContent"
QUERY_EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror')"
RESPONSE = "(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '')"
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}


def referenced(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


def run_in_graphiql(page: Page, document: str, name: str) -> None:
    """Put one named operation in the query editor and press run, as a user who typed it would."""
    page.evaluate(f"{QUERY_EDITOR}.CodeMirror.setValue({json.dumps(document)}); true")
    # GraphiQL parses the editor's text a moment after an edit; running before that would run the old one.
    page.wait_for(f"{QUERY_EDITOR}.CodeMirror.operationName === {json.dumps(name)}", timeout=10, what="the parse")
    page.evaluate("document.querySelector('.graphiql-execute-button').click(); true")


def requested_urls(page: Page) -> list[str]:
    page.evaluate("true")  # events sent before this reply are recorded by now
    urls = []
    for event in page.events:
        params = event["params"]
        urls.append(params["request"]["url"] if event["method"] == "Network.requestWillBeSent" else params["url"])
    return urls


def test_every_file_the_page_references_is_served_here_with_its_content_type(stack) -> None:
    base = stack.outputs.data.url.removesuffix("/graphql")
    # WHEN a browser asks for GraphiQL's page
    html = httpx.get(f"{base}/graphql", headers={"accept": "text/html"}).text
    files = referenced(html)
    # THEN it references GraphiQL, React and graphql-ws, each by a path on this server
    assert {"/local/assets/graphiql/graphiql.min.js", "/local/assets/graphiql/graphiql.min.css"} <= set(files)
    assert any(f.startswith("/local/assets/react-dom/") for f in files)
    assert any(f.startswith("/local/assets/graphql-ws/") for f in files)
    for file in files:
        assert file.startswith("/") and not file.startswith("//"), file
        # AND each is served, as the type its name says
        response = httpx.get(f"{base}{file}")
        assert response.status_code == 200, file
        assert response.headers["content-type"].startswith(CONTENT_TYPES[Path(file).suffix]), file
        assert len(response.content) > 1000 or file == "/local/signin.js", file


@pytest.mark.parametrize(
    "path",
    [
        "/local/assets/graphiql/package.json",  # not a script or a style sheet
        "/local/assets/left-pad/index.js",  # not a package of the project
        "/local/assets/graphiql/%2e%2e/%2e%2e/package.json",  # outside the package
        "/local/assets/graphiql/no-such-file.js",
    ],
)
def test_the_asset_route_serves_nothing_else(stack, path: str) -> None:
    base = stack.outputs.data.url.removesuffix("/graphql")
    response = httpx.get(f"{base}{path}")
    assert response.status_code == 404
    assert "make playground" in response.text


def test_without_the_npm_project_nothing_is_served(tmp_path) -> None:
    # GIVEN an install that lacks emulator/static/graphiql (as a wheel would)
    assets = Assets(tmp_path / "graphiql")
    # THEN the route finds nothing, rather than the server failing to start
    assert assets.find("graphiql", "graphiql.min.js") is None


@needs_chromium
def test_graphiql_renders_signs_in_and_runs_a_query_and_a_subscription_offline(stack, owner, tmp_path, request):
    base = stack.outputs.data.url.removesuffix("/graphql")
    channel_id = owner.client.execute("query { me { channel { id } } }")["me"]["channel"]["id"]
    assert CHROMIUM is not None
    with chromium(CHROMIUM, tmp_path / "profile", flags=LOOPBACK_ONLY) as page:
        page.record("Network.requestWillBeSent", "Network.webSocketCreated")
        page.call("Network.enable")
        # GIVEN GraphiQL's page, in a browser that can reach nothing but this machine
        page.navigate(f"{base}/graphql")
        # THEN the editor renders (GraphiQL, React and CodeMirror loaded) with the sign-in bar above it
        page.wait_for(f"{QUERY_EDITOR} !== null", timeout=30, what="GraphiQL's query editor")
        assert page.evaluate("getComputedStyle(document.getElementById('missing')).display") == "none"
        assert page.evaluate(WHO) == "anonymous (API key)"

        # WHEN signing in with the bar and running a query
        page.evaluate(
            f"""document.getElementById('username').value = {json.dumps(owner.username)};
            document.getElementById('password').value = {json.dumps(owner.password)};
            document.getElementById('signin').click(); true"""
        )
        page.wait_for(f"{WHO}.startsWith('signed in as')", timeout=15, what="the sign-in")
        run_in_graphiql(page, "query Mine { me { username channel { id } } }", "Mine")

        # THEN the response pane shows the signed-in user's account (the request carried their token)
        shown = page.wait_for(f"{RESPONSE}.includes('username') && {RESPONSE}", timeout=30, what="the result")
        assert json.loads(shown) == {"data": {"me": {"username": owner.username, "channel": {"id": channel_id}}}}
        shot = page.screenshot(tmp_path / "graphiql.png")

        # WHEN running a subscription to the channel, then the channel goes live
        run_in_graphiql(
            page, f'subscription Live {{ onChannelState(channelId: "{channel_id}") {{ channelId isLive }} }}', "Live"
        )
        deadline = time.monotonic() + 15
        while stack.api.stack.engine.subscriptions.count("onChannelState") < 1:
            assert time.monotonic() < deadline, "GraphiQL's subscription never reached the local AppSync"
            time.sleep(0.1)
        simulator = StreamSimulator(owner.target, StreamProfile(duration=20, metrics_interval=5, seed=3))
        simulator.start()
        try:
            # THEN the event arrives over the websocket and GraphiQL shows it
            shown = page.wait_for(f"{RESPONSE}.includes('isLive') && {RESPONSE}", timeout=30, what="the event")
            assert json.loads(shown) == {"data": {"onChannelState": {"channelId": channel_id, "isLive": True}}}
        finally:
            simulator.stop()

        # AND no request of the page went anywhere but this server
        urls = requested_urls(page)
        host = base.removeprefix("http://")
        assert any(u.startswith(f"ws://{host}/graphql") for u in urls), urls
        assert any(u.endswith("/local/assets/graphiql/graphiql.min.js") for u in urls), urls
        outside = [u for u in urls if not re.match(rf"^(https?|wss?)://{re.escape(host)}/|^(data|blob|about):", u)]
        assert outside == []
    request.node.user_properties.append(("screenshot", str(shot)))


@needs_chromium
def test_without_graphiqls_files_the_page_says_what_to_run(stack, tmp_path) -> None:
    base = stack.outputs.data.url.removesuffix("/graphql")
    assert CHROMIUM is not None
    with chromium(CHROMIUM, tmp_path / "profile", flags=LOOPBACK_ONLY) as page:
        # GIVEN a browser that gets none of GraphiQL's files (as before `make playground`)
        page.call("Network.enable")
        page.call("Network.setBlockedURLs", {"urls": ["*/local/assets/*"]})
        # WHEN it opens the page
        page.navigate(f"{base}/graphql")
        # THEN the page says what to run, and where the API is; the sign-in bar still works
        message = page.evaluate("document.getElementById('missing').innerText")
        assert "make playground" in message and "Node.js" in message
        assert stack.outputs.data.url in message
        assert page.evaluate("getComputedStyle(document.getElementById('missing')).display") == "block"
        assert page.evaluate(WHO) == "anonymous (API key)"
