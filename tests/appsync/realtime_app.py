"""A small API on the generic local AppSync, served on loopback with its real-time endpoints, for the
subscription tests (engine semantics, both protocols, the client SDK): its own SDL and a recording
Lambda handler called in-process, API-key and IAM auth (plus Cognito when a local pool is given)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from emulator.appsync.auth import ApiKey, Authenticator, IamPrincipal, UserPool
from emulator.appsync.engine import AppSyncEngine, EngineOptions
from emulator.appsync.invoke import InProcessInvoker
from emulator.appsync.model import ApiModel, AuthMode, Resolver
from emulator.appsync.realtime import APPSYNC_PROTOCOL, TRANSPORT_WS_PROTOCOL, RealtimeOptions
from emulator.appsync.server import create_app
from tests.stacks import served

REGION = "us-east-1"
API_KEY = "da2-localrealtimetests"
ACCESS_KEY = "AKIAREALTIMETESTS001"
SECRET_KEY = "realtime-tests-secret"
KEEPALIVE_SECONDS = 0.2

SDL = """
enum State { DRAFT LIVE }

type Post @aws_api_key @aws_iam @aws_cognito_user_pools {
  id: ID!
  title: String
  ups: Int
  score: Int!
  secret: String @aws_iam
  meta: AWSJSON
  state: State
  author: Author
  tags: [String!]
}

type Author @aws_api_key @aws_iam @aws_cognito_user_pools {
  name: String
  bio: String
}

type Query {
  ping: String @aws_api_key @aws_iam @aws_cognito_user_pools
}

type Mutation {
  save(id: ID!, title: String, ups: Int, score: Int, meta: AWSJSON, state: State): Post
    @aws_api_key @aws_iam @aws_cognito_user_pools
  fail(id: ID!): Post @aws_api_key @aws_iam
}

type Subscription {
  onPost(id: ID, title: String, ups: Int, state: State): Post
    @aws_subscribe(mutations: ["save", "fail"]) @aws_api_key @aws_iam @aws_cognito_user_pools
  onGuarded(id: ID!): Post @aws_subscribe(mutations: ["save"]) @aws_api_key
  onIamOnly: Post @aws_subscribe(mutations: ["save"]) @aws_iam
}
"""

RESOLVERS = {
    ("Query", "ping"): Resolver("fn"),
    ("Mutation", "save"): Resolver("fn"),
    ("Mutation", "fail"): Resolver("fn"),
    ("Subscription", "onGuarded"): Resolver("fn"),
}


class Forbidden(Exception):
    pass


class NotSaved(Exception):
    pass


class Handler:
    """The API's Lambda: `save` returns what it was given, `fail` raises, `onGuarded` refuses "forbidden"."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], _context: Any) -> Any:
        self.events.append(event)
        field_name = event["info"]["fieldName"]
        args = event["arguments"]
        if field_name == "ping":
            return "pong"
        if field_name == "save":
            return {
                "id": args["id"],
                "title": args.get("title"),
                "ups": args.get("ups"),
                "score": args.get("score") or 0,
                "secret": "s3cret",
                "meta": args.get("meta"),
                "state": args.get("state"),
                "author": {"name": "ann", "bio": "writes"},
                "tags": ["a", "b"],
            }
        if field_name == "fail":
            raise NotSaved(f"post {args['id']} was not saved")
        if field_name == "onGuarded":
            if args["id"] == "forbidden":
                raise Forbidden("not your post")
            return None
        raise AssertionError(field_name)


@dataclass
class RealtimeApi:
    base: str
    engine: AppSyncEngine
    handler: Handler
    host: str = field(init=False)

    def __post_init__(self) -> None:
        self.host = self.base.removeprefix("http://")

    @property
    def graphql_url(self) -> str:
        return f"{self.base}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}/graphql"

    @property
    def realtime_url(self) -> str:
        return f"ws://{self.host}/graphql/realtime"

    def subscriptions(self, field_name: str | None = None) -> int:
        return self.engine.subscriptions.count(field_name)

    async def wait_for_subscriptions(self, count: int, field_name: str | None = None) -> None:
        """Until the server holds `count` registered subscriptions (clients without a per-subscription
        ack cannot know when theirs is registered; a closed socket is cleaned up after it closed)."""
        deadline = time.monotonic() + 5
        while self.subscriptions(field_name) != count:
            assert time.monotonic() < deadline, f"{self.subscriptions(field_name)} subscriptions, expected {count}"
            await asyncio.sleep(0.01)

    def expect_subscriptions(self, count: int) -> None:
        """`wait_for_subscriptions` for synchronous tests."""
        deadline = time.monotonic() + 5
        while self.subscriptions() != count:
            assert time.monotonic() < deadline, f"{self.subscriptions()} subscriptions, expected {count}"
            time.sleep(0.01)

    def api_key_headers(self) -> dict[str, str]:
        return {"host": self.host, "x-api-key": API_KEY}

    def iam_headers(self, path: str, body: str) -> dict[str, str]:
        """SigV4 headers for POST <path> with `body`, as AppSync's IAM clients sign them."""
        request = AWSRequest(
            method="POST",
            url=f"https://{self.host}{path}",
            data=body,
            headers={"accept": "application/json, text/javascript", "content-type": "application/json; charset=UTF-8"},
        )
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "appsync", REGION).add_auth(request)
        return {**dict(request.headers.items()), "host": self.host}

    def mutate(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """A mutation over HTTP with the API key; returns the response body."""
        response = httpx.post(
            self.graphql_url, json={"query": query, "variables": variables}, headers={"x-api-key": API_KEY}, timeout=10
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def start_frame(
        self,
        subscription_id: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        iam: bool = False,
        authorization: dict[str, str] | None = None,
    ) -> str:
        """An AppSync `start` frame: `data` as a JSON string, authorized with the API key (or IAM, signed
        over `data` as clients do, or the headers given)."""
        data = json.dumps({"query": query, "variables": variables or {}})
        if authorization is None:
            authorization = self.iam_headers("/graphql", data) if iam else self.api_key_headers()
        payload = {"data": data, "extensions": {"authorization": authorization}}
        return json.dumps({"id": subscription_id, "type": "start", "payload": payload})

    def save(self, selection: str = "{ id }", **args: Any) -> dict[str, Any]:
        declared = {"id": "ID!", "title": "String", "ups": "Int", "score": "Int", "meta": "AWSJSON", "state": "State"}
        names = ", ".join(f"${k}: {declared[k]}" for k in args)
        passed = ", ".join(f"{k}: ${k}" for k in args)
        return self.mutate(f"mutation Save({names}) {{ save({passed}) {selection} }}", args)


@contextmanager
def fresh(api: RealtimeApi) -> Iterator[RealtimeApi]:
    """One test's use of a shared API: afterwards, wait until the server has dropped every
    subscription the test's sockets held, so the next test counts only its own."""
    yield api
    api.expect_subscriptions(0)


@contextmanager
def realtime_api(
    *,
    user_pool: UserPool | None = None,
    options: RealtimeOptions | None = None,
    engine_options: EngineOptions | None = None,
) -> Iterator[RealtimeApi]:
    handler = Handler()
    modes: tuple[AuthMode, ...] = (AuthMode.AWS_IAM,) + ((AuthMode.AMAZON_COGNITO_USER_POOLS,) if user_pool else ())
    model = ApiModel(SDL, RESOLVERS, AuthMode.API_KEY, modes)
    engine = AppSyncEngine(model, InProcessInvoker({"fn": handler}), engine_options)
    authenticator = Authenticator(
        modes=(AuthMode.API_KEY, *modes),
        region=REGION,
        user_pool=user_pool,
        api_keys=lambda key: ApiKey(key, None) if key == API_KEY else None,
        iam={ACCESS_KEY: IamPrincipal(SECRET_KEY, "111122223333", "arn:aws:iam::111122223333:user/tests", "AIDATESTS")},
    )
    holder: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await holder["app"](scope, receive, send)

    with served(app) as base:
        outputs = {"data": {"url": f"{base}/graphql", "api_key": API_KEY}}
        holder["app"] = create_app(
            engine,
            authenticator,
            outputs,
            realtime=options or RealtimeOptions(keepalive_seconds=KEEPALIVE_SECONDS),
        )
        yield RealtimeApi(base, engine, handler)


def encoded(headers: dict[str, str], *, url_safe: bool = False) -> str:
    """Connection headers as AppSync clients put them in `?header=` (or, URL-safe, in `header-…`)."""
    raw = json.dumps(headers).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") if url_safe else base64.b64encode(raw).decode()


class Socket:
    """A raw WebSocket client, for asserting exact frames."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    @property
    def subprotocol(self) -> str | None:
        return self.connection.subprotocol

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.connection.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def receive(self, *, skip: tuple[str, ...] = ("ka", "ping"), timeout: float = 5) -> dict[str, Any]:
        """The next frame, passing over keep-alives."""
        while True:
            frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
            if frame.get("type") not in skip:
                return frame

    async def closed(self, timeout: float = 5) -> tuple[int, str]:
        """Wait for the server to close (passing over any frames); the close code and reason."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.wait_for(self.connection.recv(), timeout)
        received = self.connection.protocol.close_rcvd
        assert received is not None, "the server did not close the connection"
        return received.code, received.reason


@contextlib.asynccontextmanager
async def socket(url: str, subprotocols: list[str], headers: dict[str, str] | None = None) -> AsyncIterator[Socket]:
    async with connect(url, subprotocols=subprotocols, additional_headers=headers) as connection:  # type: ignore[arg-type]
        yield Socket(connection)


@contextlib.asynccontextmanager
async def appsync_socket(api: RealtimeApi, headers: dict[str, str] | None = None) -> AsyncIterator[Socket]:
    """An acknowledged AppSync real-time connection (API key unless `headers` are given)."""
    header = encoded(headers or api.api_key_headers())
    async with socket(f"{api.realtime_url}?header={header}&payload=e30=", [APPSYNC_PROTOCOL]) as ws:
        await ws.send({"type": "connection_init"})
        ack = await ws.receive()
        assert ack["type"] == "connection_ack", ack
        yield ws


@contextlib.asynccontextmanager
async def transport_ws_socket(api: RealtimeApi, payload: dict[str, Any] | None = None) -> AsyncIterator[Socket]:
    """An acknowledged graphql-transport-ws connection (API key unless `payload` is given)."""
    async with socket(api.ws_url, [TRANSPORT_WS_PROTOCOL]) as ws:
        await ws.send(
            {"type": "connection_init", "payload": payload if payload is not None else {"x-api-key": API_KEY}}
        )
        ack = await ws.receive()
        assert ack["type"] == "connection_ack", ack
        yield ws


async def start(
    ws: Socket,
    api: RealtimeApi,
    subscription_id: str,
    query: str,
    variables: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Send an AppSync `start` and return the server's answer to it (`start_ack` or `error`)."""
    await ws.send(api.start_frame(subscription_id, query, variables, **kwargs))
    return await ws.receive()
