"""The real-time endpoints of the local AppSync: AppSync's own WebSocket protocol (subprotocol
`graphql-ws`: Amplify, gql's AppSyncWebsocketsTransport) and graphql-transport-ws (the `graphql-ws`
npm library, Apollo's GraphQLWsLink, gql's WebsocketsTransport), over one subscription hub.

Each connection handles its frames one at a time, in order: a subscription is registered (or
refused) before the next frame is read, and everything it sends goes through one queue, so a
`start_ack` always precedes the subscription's first `data`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode, OperationType
from starlette.websockets import WebSocket

from emulator.appsync.auth import Authenticator, HttpRequest
from emulator.appsync.engine import AppSyncEngine, OperationRefused
from emulator.appsync.errors import RequestRejected
from emulator.appsync.events import AuthContext, RequestInfo
from emulator.appsync.subscriptions import PreparedSubscription, Subscriber, SubscriptionRefused

logger = logging.getLogger(__name__)

APPSYNC_PROTOCOL = "graphql-ws"
TRANSPORT_WS_PROTOCOL = "graphql-transport-ws"
HEADER_PROTOCOL_PREFIX = "header-"


@dataclass(frozen=True)
class RealtimeOptions:
    keepalive_seconds: float = 60.0  # AppSync's `ka` / graphql-transport-ws `ping` interval
    connection_timeout_ms: int = 300_000  # what `connection_ack` tells AppSync clients to wait for a `ka`
    max_subscriptions: int = 100  # per connection (Service Quotas L-AA33EB36)
    max_connection_seconds: float = 24 * 3600.0
    init_timeout_seconds: float = 10.0  # graphql-transport-ws: time allowed before `connection_init`


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


def _error(error_type: str, message: str) -> dict[str, Any]:
    return {"errorType": error_type, "message": message}


def _unsupported(operation: str) -> dict[str, Any]:
    # AppSync's words when a start frame is not a subscription it can read (observed: "unknown ...").
    return _error("UnsupportedOperation", f"{operation} not supported through the realtime channel")


def _lower(headers: Mapping[str, Any]) -> dict[str, str]:
    return {str(k).lower(): v if isinstance(v, str) else json.dumps(v) for k, v in headers.items()}


def _decode_json_object(encoded: str) -> dict[str, Any]:
    """Base64 JSON as clients put it in the handshake: standard or URL-safe, padded or not, and with
    `+` turned into a space by query-string decoding when the client did not escape it."""
    text = encoded.strip().replace(" ", "+").replace("-", "+").replace("_", "/")
    try:
        value = json.loads(base64.b64decode(text + "=" * (-len(text) % 4), validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64-encoded JSON") from exc
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


class _Connection(ABC):
    """What both protocols share: the outgoing queue, keep-alives, auth and subscription bookkeeping."""

    subprotocol = ""

    def __init__(
        self, websocket: WebSocket, engine: AppSyncEngine, authenticator: Authenticator, options: RealtimeOptions
    ) -> None:
        self.ws = websocket
        self.engine = engine
        self.hub = engine.subscriptions
        self.authenticator = authenticator
        self.options = options
        self.subscribers: dict[str, Subscriber] = {}
        self.closing = False
        self._outbox: asyncio.Queue[str | _Close] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.upgrade_headers = {k.lower(): v for k, v in websocket.headers.items()}
        self.client_ip = websocket.client.host if websocket.client else None
        self._loop = asyncio.get_running_loop()

    # --- sending ---------------------------------------------------------------------------------
    def send(self, message: Mapping[str, Any]) -> None:
        self._outbox.put_nowait(json.dumps(message, separators=(",", ":")))

    def send_text(self, text: str) -> None:
        """A delivery from the hub, which runs on the loop of whoever ran the mutation: usually this
        connection's, but a tool driving the engine in-process may use another."""
        if self.closing:
            return
        try:
            same_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            same_loop = False
        if same_loop:
            self._outbox.put_nowait(text)
        else:
            self._loop.call_soon_threadsafe(self._outbox.put_nowait, text)

    def close(self, code: int, reason: str = "") -> None:
        """Close after everything queued so far is sent; later frames are not read."""
        if not self.closing:
            self.closing = True
            self._outbox.put_nowait(_Close(code, reason))

    async def _writer(self) -> None:
        try:
            while True:
                item = await self._outbox.get()
                if isinstance(item, _Close):
                    await self.ws.close(item.code, item.reason)
                    return
                await self.ws.send_text(item)
        except Exception as exc:  # the client went away mid-send: the reader sees the disconnect
            logger.debug("real-time send failed", extra={"error": repr(exc)})

    def start_keepalive(self, frame: Mapping[str, Any], *, immediately: bool) -> None:
        async def beat() -> None:
            if not immediately:
                await asyncio.sleep(self.options.keepalive_seconds)
            while not self.closing:
                self.send(frame)
                await asyncio.sleep(self.options.keepalive_seconds)

        self._tasks.append(asyncio.create_task(beat()))

    # --- lifecycle -------------------------------------------------------------------------------
    async def serve(self) -> None:
        await self.ws.accept(subprotocol=self.subprotocol)
        writer = asyncio.create_task(self._writer())
        loop = asyncio.get_running_loop()
        lifetime = loop.call_later(self.options.max_connection_seconds, self.close, 1001, "connection lifetime reached")
        try:
            await self.on_open()
            while not self.closing:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", errors="replace")
                await self.on_frame(text or "")
        finally:
            lifetime.cancel()
            for subscriber in self.subscribers.values():
                self.hub.unregister(subscriber)
            self.subscribers.clear()
            for task in self._tasks:
                task.cancel()
            if self.closing:
                # Let the final frames (connection_error, a close code) reach the client.
                await asyncio.wait({writer}, timeout=5)
            writer.cancel()

    async def on_open(self) -> None:  # noqa: B027 - an optional hook; most protocols need none
        """Runs once the socket is accepted, before any frame is read."""

    @abstractmethod
    async def on_frame(self, text: str) -> None:
        """Handle one text frame of this protocol."""

    # --- auth and requests -------------------------------------------------------------------------
    async def authenticate(self, headers: Mapping[str, str], path: str, body: str) -> AuthContext:
        """Authenticate as an HTTP request to the API would be: IAM signatures cover `POST <path>` on the
        API's host with `body`. Raises RequestRejected."""
        host = headers.get("host") or self.upgrade_headers.get("host", "")
        request = HttpRequest(
            method="POST",
            url=f"https://{host}{path}",
            headers=headers,
            body=body.encode(),
            source_ips=self.request_info(headers).source_ips(),
        )
        # JWKS fetches and signature checks block: keep them off the event loop.
        return await asyncio.to_thread(self.authenticator.authenticate, request)

    def request_info(self, auth_headers: Mapping[str, str]) -> RequestInfo:
        """`request` of the Lambda events: the upgrade request's headers with the auth headers on top."""
        merged = {**self.upgrade_headers, **auth_headers}
        return RequestInfo.from_pairs(list(merged.items()), self.client_ip, self.upgrade_headers.get("host"))

    async def prepare(
        self,
        document: DocumentNode,
        request: Mapping[str, Any],
        operation: OperationDefinitionNode,
        auth: AuthContext,
        auth_headers: Mapping[str, str],
    ) -> PreparedSubscription:
        operation_name = operation.name.value if operation.name else None
        return await self.hub.prepare(
            document,
            str(request.get("query")),
            dict(request.get("variables") or {}),
            operation_name,
            auth,
            self.request_info(auth_headers),
        )


class AppSyncConnection(_Connection):
    """AppSync's real-time protocol: connection auth from the handshake, per-subscription auth in
    each `start`, `start_ack`, `ka`, `data`, `stop`/`complete`, `error` and `connection_error`."""

    subprotocol = APPSYNC_PROTOCOL

    def __init__(
        self, websocket: WebSocket, engine: AppSyncEngine, authenticator: Authenticator, options: RealtimeOptions
    ) -> None:
        super().__init__(websocket, engine, authenticator, options)
        self.initialised = False

    def _handshake_headers(self) -> dict[str, str]:
        """The connection's auth headers: `?header=`, else a `header-` subprotocol, else the upgrade
        request's own headers. Raises ValueError when a given one cannot be read."""
        params = self.ws.query_params
        if "payload" in params:
            _decode_json_object(params["payload"])
        if "header" in params:
            return _lower(_decode_json_object(params["header"]))
        for offered in self.ws.scope.get("subprotocols") or ():
            if offered.startswith(HEADER_PROTOCOL_PREFIX):
                return _lower(_decode_json_object(offered.removeprefix(HEADER_PROTOCOL_PREFIX)))
        return dict(self.upgrade_headers)

    def connection_error(self, error_type: str, message: str, code: int) -> None:
        error = {**_error(error_type, message), "errorCode": code}
        self.send({"type": "connection_error", "payload": {"errors": [error]}})
        self.close(1000)

    async def _initialise(self, acknowledge: bool) -> bool:
        try:
            headers = self._handshake_headers()
        except ValueError:
            self.connection_error("MalformedHttpRequestException", "Unable to parse the connection headers.", 400)
            return False
        try:
            # The connection is signed as POST /graphql/connect with an empty JSON object.
            await self.authenticate(headers, "/graphql/connect", "{}")
        except RequestRejected as exc:
            self.connection_error(exc.error_type, exc.message, exc.status)
            return False
        self.initialised = True
        if acknowledge:
            self.send(
                {"type": "connection_ack", "payload": {"connectionTimeoutMs": self.options.connection_timeout_ms}}
            )
        self.start_keepalive({"type": "ka"}, immediately=True)
        return True

    async def on_frame(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if not self.initialised:
            if kind == "connection_init":
                await self._initialise(acknowledge=True)
            elif kind == "start" and await self._initialise(acknowledge=False):
                # connection_init is optional in AppSync's protocol: a start authenticates the connection.
                await self._start(message)
            return  # anything else before the ack is ignored, as AppSync does
        if kind == "start":
            await self._start(message)
        elif kind == "stop":
            self._stop(message)
        elif kind == "connection_init":
            return
        else:
            frame: dict[str, Any] = {"type": "error", "payload": {"errors": [_unsupported(str(kind or "unknown"))]}}
            if isinstance(message, dict) and isinstance(message.get("id"), str):
                frame["id"] = message["id"]
            self.send(frame)

    def _refuse(self, subscription_id: str, errors: list[dict[str, Any]]) -> None:
        self.send({"type": "error", "id": subscription_id, "payload": {"errors": errors}})

    async def _start(self, message: dict[str, Any]) -> None:
        subscription_id = message.get("id")
        if not isinstance(subscription_id, str) or not subscription_id:
            self.send({"type": "error", "payload": {"errors": [_error("BadRequestException", "start needs an id")]}})
            return
        if subscription_id in self.subscribers:
            self._refuse(
                subscription_id,
                [_error("DuplicatedOperationError", f"Duplicated operation with id {subscription_id}")],
            )
            return
        if len(self.subscribers) >= self.options.max_subscriptions:
            limit = self.options.max_subscriptions
            self._refuse(
                subscription_id,
                [_error("MaxSubscriptionsReachedError", f"Max number of {limit} subscriptions reached")],
            )
            return
        payload = message.get("payload")
        data = payload.get("data") if isinstance(payload, dict) else None
        try:
            request = json.loads(data) if isinstance(data, str) else None
        except ValueError:
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("variables") or {}, dict):
            self._refuse(subscription_id, [_unsupported("unknown")])
            return
        extensions = payload.get("extensions") if isinstance(payload, dict) else None
        authorization = extensions.get("authorization") if isinstance(extensions, dict) else None
        auth_headers = _lower(authorization) if isinstance(authorization, dict) else {}
        try:
            # Each start is signed as POST /graphql whose body is the `data` string.
            auth = await self.authenticate(auth_headers, "/graphql", str(data))
        except RequestRejected as exc:
            self._refuse(subscription_id, [_error(exc.error_type, exc.message)])
            return
        try:
            document, operation = self.engine.operation(request.get("query"), request.get("operationName"))
        except OperationRefused as exc:
            errors = exc.response.body.get("errors") or []
            self._refuse(subscription_id, errors if exc.response.status == 200 else [_unsupported("unknown")])
            return
        if operation.operation != OperationType.SUBSCRIPTION:
            self._refuse(subscription_id, [_unsupported(operation.operation.value)])
            return
        try:
            prepared = await self.prepare(document, request, operation, auth, auth_headers)
        except SubscriptionRefused as exc:
            self._refuse(subscription_id, exc.errors)
            return
        if self.closing:
            return
        prefix = f'{{"type":"data","id":{json.dumps(subscription_id)},"payload":'
        self.subscribers[subscription_id] = self.hub.register(
            prepared, lambda text: self.send_text(f"{prefix}{text}}}")
        )
        self.send({"type": "start_ack", "id": subscription_id})

    def _stop(self, message: dict[str, Any]) -> None:
        subscription_id = message.get("id")
        if not isinstance(subscription_id, str):
            return
        subscriber = self.subscribers.pop(subscription_id, None)
        if subscriber is not None:
            self.hub.unregister(subscriber)
        self.send({"type": "complete", "id": subscription_id})


class TransportWsConnection(_Connection):
    """graphql-transport-ws (github.com/enisdenjo/graphql-ws PROTOCOL.md): auth from
    `connection_init.payload`, `subscribe` → `next`/`error`/`complete`, `ping`/`pong`, and the
    protocol's close codes. Queries and mutations are answered too, as that protocol allows."""

    subprotocol = TRANSPORT_WS_PROTOCOL

    def __init__(
        self, websocket: WebSocket, engine: AppSyncEngine, authenticator: Authenticator, options: RealtimeOptions
    ) -> None:
        super().__init__(websocket, engine, authenticator, options)
        self.init_received = False
        self.auth: AuthContext | None = None
        self.auth_headers: dict[str, str] = {}
        self._init_timer: asyncio.TimerHandle | None = None

    async def on_open(self) -> None:
        loop = asyncio.get_running_loop()
        self._init_timer = loop.call_later(
            self.options.init_timeout_seconds, self.close, 4408, "Connection initialisation timeout"
        )

    def _init_headers(self, payload: Any) -> dict[str, str]:
        """Auth headers from the init payload (top level or under `headers`), else the upgrade request's."""
        headers: dict[str, str] = {}
        if isinstance(payload, dict):
            nested = payload.get("headers")
            for source in (payload, nested if isinstance(nested, dict) else {}):
                headers.update({k.lower(): v for k, v in source.items() if isinstance(v, str)})
        if "authorization" not in headers and "x-api-key" not in headers:
            return {**self.upgrade_headers, **headers}
        return headers

    async def on_frame(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self.close(4400, "Invalid message received")
            return
        kind = message["type"]
        if kind == "connection_init":
            await self._initialise(message.get("payload"))
        elif kind == "ping":
            pong: dict[str, Any] = {"type": "pong"}
            if message.get("payload") is not None:
                pong["payload"] = message["payload"]
            self.send(pong)
        elif kind == "pong":
            return
        elif kind == "subscribe":
            await self._subscribe(message)
        elif kind == "complete":
            subscriber = self.subscribers.pop(str(message.get("id")), None)
            if subscriber is not None:
                self.hub.unregister(subscriber)
        else:
            self.close(4400, "Invalid message received")

    async def _initialise(self, payload: Any) -> None:
        if self.init_received:
            self.close(4429, "Too many initialisation requests")
            return
        self.init_received = True
        if self._init_timer is not None:
            self._init_timer.cancel()
        headers = self._init_headers(payload)
        try:
            self.auth = await self.authenticate(headers, "/graphql/connect", "{}")
        except RequestRejected:
            self.close(4403, "Forbidden")
            return
        self.auth_headers = headers
        self.send({"type": "connection_ack"})
        self.start_keepalive({"type": "ping"}, immediately=False)

    async def _subscribe(self, message: dict[str, Any]) -> None:
        if self.auth is None:
            self.close(4401, "Unauthorized")
            return
        operation_id = message.get("id")
        payload = message.get("payload")
        if (
            not isinstance(operation_id, str)
            or not operation_id
            or not isinstance(payload, dict)
            or not isinstance(payload.get("query"), str)
            or not isinstance(payload.get("variables") or {}, dict)
        ):
            self.close(4400, "Invalid message received")
            return
        if operation_id in self.subscribers:
            self.close(4409, f"Subscriber for {operation_id} already exists")
            return
        try:
            document, operation = self.engine.operation(payload["query"], payload.get("operationName"))
        except OperationRefused as exc:
            self._refuse(operation_id, exc.response.body.get("errors") or [])
            return
        if operation.operation != OperationType.SUBSCRIPTION:
            await self._execute(operation_id, payload)
            return
        if len(self.subscribers) >= self.options.max_subscriptions:
            limit = self.options.max_subscriptions
            self._refuse(
                operation_id, [_error("MaxSubscriptionsReachedError", f"Max number of {limit} subscriptions reached")]
            )
            return
        try:
            prepared = await self.prepare(document, payload, operation, self.auth, self.auth_headers)
        except SubscriptionRefused as exc:
            self._refuse(operation_id, exc.errors)
            return
        if self.closing:
            return
        prefix = f'{{"id":{json.dumps(operation_id)},"type":"next","payload":'
        self.subscribers[operation_id] = self.hub.register(prepared, lambda text: self.send_text(f"{prefix}{text}}}"))

    async def _execute(self, operation_id: str, payload: Mapping[str, Any]) -> None:
        assert self.auth is not None
        response = await self.engine.execute(
            payload["query"],
            payload.get("variables"),
            payload.get("operationName"),
            self.auth,
            self.request_info(self.auth_headers),
        )
        if response.status != 200:
            self._refuse(operation_id, response.body.get("errors") or [])
            return
        self.send({"id": operation_id, "type": "next", "payload": response.body})
        self.send({"id": operation_id, "type": "complete"})

    def _refuse(self, operation_id: str, errors: list[dict[str, Any]]) -> None:
        self.send({"id": operation_id, "type": "error", "payload": errors})


class RealtimeEndpoint:
    """The WebSocket route: the protocol is the subprotocol the client offers."""

    def __init__(self, engine: AppSyncEngine, authenticator: Authenticator, options: RealtimeOptions | None = None):
        self.engine = engine
        self.authenticator = authenticator
        self.options = options or RealtimeOptions()

    async def handle(self, websocket: WebSocket) -> None:
        offered = list(websocket.scope.get("subprotocols") or ())
        # graphql-transport-ws first: gql's WebsocketsTransport offers both names by default, while
        # AppSync clients offer only `graphql-ws` (plus a `header-` one).
        if TRANSPORT_WS_PROTOCOL in offered:
            await TransportWsConnection(websocket, self.engine, self.authenticator, self.options).serve()
        elif APPSYNC_PROTOCOL in offered:
            await AppSyncConnection(websocket, self.engine, self.authenticator, self.options).serve()
        else:
            await websocket.close(code=1002)  # before accept: the handshake is refused (HTTP 403)
