"""The demo sign-in bar the playground's pages share (emulator/static/signin.js), in headless Chromium:
a sign-in on GraphiQL's page carries over to the stream-health page, and either page switches back."""

from __future__ import annotations

import json

import httpx

from tests.dashboards.cdp import chromium
from tests.dashboards.test_health_page import CHROMIUM, needs_chromium

WHO = "document.getElementById('who').textContent"


def test_both_pages_load_the_shared_sign_in_bar(stack) -> None:
    base = stack.outputs.data.url.removesuffix("/graphql")
    # WHEN a browser loads either page
    pages = [httpx.get(f"{base}{path}", headers={"accept": "text/html"}).text for path in ("/graphql", "/health")]
    script = httpx.get(f"{base}/local/signin.js")
    # THEN each loads the one script, which the server serves as JavaScript
    assert all('<script src="/local/signin.js"></script>' in page for page in pages)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "window.UGCAuth" in script.text


@needs_chromium
def test_a_sign_in_on_graphiql_carries_over_to_the_health_page(stack, owner, tmp_path) -> None:
    base = stack.outputs.data.url.removesuffix("/graphql")
    assert CHROMIUM is not None
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        # GIVEN GraphiQL's page
        page.navigate(f"{base}/graphql")
        assert page.evaluate(WHO) == "anonymous (API key)"

        # WHEN signing in with the bar
        page.evaluate(
            f"""document.getElementById('username').value = {json.dumps(owner.username)};
            document.getElementById('password').value = {json.dumps(owner.password)};
            document.getElementById('signin').click(); true"""
        )

        # THEN the bar says who, and requests carry that user's ID token
        page.wait_for(f"{WHO}.startsWith('signed in as')", timeout=15, what="the sign-in")
        assert page.evaluate(WHO) == f"signed in as {owner.username} (Cognito user pool)"
        assert page.evaluate("typeof UGCAuth.headers().authorization") == "string"
        assert page.evaluate("'x-api-key' in UGCAuth.headers()") is False

        # AND the health page, opened next, is signed in as the same user
        page.navigate(f"{base}/health?username={owner.username}")
        assert page.evaluate(WHO) == f"signed in as {owner.username} (Cognito user pool)"

        # WHEN switching back to anonymous there
        page.evaluate("document.getElementById('anon').click(); true")

        # THEN requests carry the API key again, on this page and on GraphiQL's
        assert page.evaluate("UGCAuth.headers()['x-api-key']") == stack.outputs.data.api_key
        page.navigate(f"{base}/graphql")
        assert page.evaluate(WHO) == "anonymous (API key)"
