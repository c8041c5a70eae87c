"""The local AppSync over HTTP: `POST|GET /graphql` with AppSync's status codes and bodies, the real-time
WebSocket endpoints (`/graphql/realtime`, and `/graphql` by subprotocol), GraphiQL (with demo sign-in)
for browsers, and the client configuration at `/amplify_outputs.json`.

Only the GraphQL endpoint is open to every origin, as AppSync is. The configuration and the demo
sign-in answer only the local stack's own pages (and non-browser clients): any page open in the
developer's browser could otherwise read the API key and tokens from a loopback server."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.appsync.auth import Authenticator, HttpRequest
from emulator.appsync.engine import AppSyncEngine
from emulator.appsync.errors import RequestRejected, malformed
from emulator.appsync.events import AuthContext, RequestInfo
from emulator.appsync.realtime import RealtimeEndpoint, RealtimeOptions
from emulator.outputs import served_outputs

JSON_TYPE = "application/json;charset=UTF-8"
SignIn = Callable[[str, str], Mapping[str, Any]]


def _json(status: int, body: Mapping[str, Any], extra: Mapping[str, str] | None = None) -> Response:
    headers = {"x-amzn-RequestId": str(uuid.uuid4()), **(extra or {})}
    return Response(json.dumps(body), status_code=status, media_type=JSON_TYPE, headers=headers)


def _rejected(exc: RequestRejected) -> Response:
    return _json(exc.status, exc.body(), {"x-amzn-ErrorType": exc.error_type})


class GraphQLEndpoint:
    def __init__(self, engine: AppSyncEngine, authenticator: Authenticator) -> None:
        self.engine = engine
        self.authenticator = authenticator

    async def authenticate(self, request: Request, body: bytes) -> tuple[AuthContext, RequestInfo]:
        client_ip = request.client.host if request.client else None
        info = RequestInfo.from_pairs(request.headers.items(), client_ip, request.headers.get("host"))
        http = HttpRequest(
            method=request.method,
            url=str(request.url),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            source_ips=info.source_ips(),
        )
        # JWKS fetches and signature checks block: keep them off the event loop.
        auth = await asyncio.to_thread(self.authenticator.authenticate, http)
        return auth, info

    async def post(self, request: Request) -> Response:
        body = await request.body()
        try:
            if not body.strip():
                raise malformed("Request body is empty.")
            try:
                payload = json.loads(body)
            except ValueError as exc:
                raise malformed("Unable to parse GraphQL query.") from exc
            if not isinstance(payload, dict) or "query" not in payload:
                raise malformed("Unable to parse GraphQL query.")
            auth, info = await self.authenticate(request, body)
        except RequestRejected as exc:
            return _rejected(exc)
        return await self._execute(payload, auth, info)

    async def get(self, request: Request) -> Response:
        params = request.query_params
        if "query" not in params:
            return _rejected(malformed("Unable to parse GraphQL query."))
        try:
            variables = json.loads(params["variables"]) if params.get("variables") else None
        except ValueError:
            return _rejected(malformed("Unable to parse GraphQL query."))
        try:
            auth, info = await self.authenticate(request, b"")
        except RequestRejected as exc:
            return _rejected(exc)
        payload = {"query": params["query"], "variables": variables, "operationName": params.get("operationName")}
        return await self._execute(payload, auth, info)

    async def _execute(self, payload: Mapping[str, Any], auth: AuthContext, info: RequestInfo) -> Response:
        result = await self.engine.execute(
            payload.get("query"), payload.get("variables"), payload.get("operationName"), auth, info
        )
        extra = {"x-amzn-appsync-TokensConsumed": "1"} if result.status == 200 else {}
        if result.status != 200:
            error_type = result.body.get("errors", [{}])[0].get("errorType", "")
            extra["x-amzn-ErrorType"] = error_type
        return _json(result.status, result.body, extra)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# What a browser says of a request the page's own origin made (or the user typed: "none").
_SAME_SITE = frozenset({"same-origin", "none"})


def own_page_only(request: Request) -> Response | None:
    """None when the request comes from this server's own pages or from a non-browser client; else a 403.

    The Host must be a loopback name (a DNS-rebound name is not), a browser's Origin must be this very
    origin, and a browser's Sec-Fetch-Site must say same-origin."""
    host = request.headers.get("host", "")
    if urlsplit(f"//{host}").hostname not in LOOPBACK_HOSTS:
        return JSONResponse({"message": "only served to the local stack's own pages"}, status_code=403)
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != host:
        return JSONResponse({"message": "only served to the local stack's own pages"}, status_code=403)
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in _SAME_SITE:
        return JSONResponse({"message": "only served to the local stack's own pages"}, status_code=403)
    return None


class GraphqlCors:
    """CORS for `/graphql` only, open to every origin like AppSync's endpoint; other paths get none."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self._app = app
        self._cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in ("/graphql", "/graphql/"):
            await self._cors(scope, receive, send)
        else:
            await self._app(scope, receive, send)


def graphiql_page(
    outputs: Mapping[str, Any], demo_users: list[str], demo_password: str | None, page: str = "graphiql.html"
) -> str:
    """A page of `emulator/static` with the stack's configuration (and demo sign-in) filled in."""
    template = resources.files("emulator").joinpath(f"static/{page}").read_text()
    config = {
        "url": outputs["data"]["url"],
        "apiKey": outputs["data"].get("api_key"),
        "demoUsers": demo_users,
        "demoPassword": demo_password,
    }
    return template.replace("__UGC_CONFIG__", json.dumps(config))


def create_app(
    engine: AppSyncEngine,
    authenticator: Authenticator,
    outputs: Mapping[str, Any],
    *,
    sign_in: SignIn | None = None,
    demo_users: list[str] | None = None,
    demo_password: str | None = None,
    realtime: RealtimeOptions | None = None,
) -> Starlette:
    endpoint = GraphQLEndpoint(engine, authenticator)
    subscriptions = RealtimeEndpoint(engine, authenticator, realtime)
    page = graphiql_page(outputs, demo_users or [], demo_password)
    # The sign-in bar both pages share (it reads the configuration each page carries).
    sign_in_script = resources.files("emulator").joinpath("static/signin.js").read_text()
    dashboard = graphiql_page(outputs, demo_users or [], demo_password, "health.html")

    async def graphql_get(request: Request) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "") and "query" not in request.query_params
        if wants_html:
            return HTMLResponse(page)
        return await endpoint.get(request)

    served = served_outputs(outputs)

    async def amplify_outputs(request: Request) -> Response:
        return own_page_only(request) or JSONResponse(served)

    async def local_sign_in(request: Request) -> Response:
        """Local-only convenience for the GraphiQL page: Cognito USER_PASSWORD_AUTH on the local pool."""
        refused = own_page_only(request)
        if refused is not None:
            return refused
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            # A cross-site form can post text/plain without a preflight; JSON it cannot.
            return JSONResponse({"message": "send {username, password} as application/json"}, status_code=415)
        if sign_in is None:
            return JSONResponse({"message": "sign-in is not available"}, status_code=404)
        try:
            body = await request.json()
            username, password = str(body["username"]), str(body["password"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"message": "send {username, password}"}, status_code=400)
        try:
            tokens = await asyncio.to_thread(sign_in, username, password)
        except PermissionError as exc:
            return JSONResponse({"message": str(exc)}, status_code=401)
        return JSONResponse(dict(tokens))

    async def sign_in_bar(_: Request) -> Response:
        return Response(sign_in_script, media_type="text/javascript")

    async def health(request: Request) -> Response:
        # Browsers get the stream-health dashboard (`?username=`); probes keep their JSON answer.
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(dashboard)
        return JSONResponse({"status": "ok"})

    host = urlsplit(outputs["data"]["url"]).netloc
    return (
        Starlette(
            routes=[
                Route("/graphql", endpoint.post, methods=["POST"]),
                Route("/graphql", graphql_get, methods=["GET"]),
                # AppSync's real-time protocol (custom-domain path, and /graphql when a client offers
                # `graphql-ws`) and graphql-transport-ws (/graphql); the subprotocol picks the protocol.
                WebSocketRoute("/graphql/realtime", subscriptions.handle),
                WebSocketRoute("/graphql", subscriptions.handle),
                Route("/amplify_outputs.json", amplify_outputs, methods=["GET"]),
                Route("/local/sign-in", local_sign_in, methods=["POST"]),
                Route("/local/signin.js", sign_in_bar, methods=["GET"]),
                Route("/health", health, methods=["GET"]),
            ],
            middleware=[
                Middleware(
                    GraphqlCors,
                    allow_origins=["*"],
                    allow_methods=["GET", "POST", "OPTIONS"],
                    allow_headers=["*"],
                    expose_headers=["x-amzn-RequestId", "x-amzn-ErrorType", "x-amzn-appsync-TokensConsumed"],
                )
            ],
            debug=False,
        )
        if host
        else Starlette()
    )
