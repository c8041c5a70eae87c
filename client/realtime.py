"""Subscriptions over WebSocket with gql: AppSync's real-time protocol (`AppSyncWebsocketsTransport`)
or graphql-transport-ws (`WebsocketsTransport`), one connection per subscription.

Starting a subscription waits until the server has registered it, so a mutation sent after `start()`
returns is delivered: with AppSync's protocol that is the `start_ack`; graphql-transport-ws has no
per-subscription ack, so a `ping` is sent after `subscribe` and its `pong` (which the local AppSync
sends only after it handled the `subscribe`) stands in for one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import ssl
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

from gql import GraphQLRequest
from gql.transport.appsync_auth import AppSyncAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.exceptions import (
    TransportError as GqlTransportError,
)
from gql.transport.websockets import WebsocketsTransport
from graphql import ExecutionResult
from websockets.exceptions import ConnectionClosed

from client.errors import (
    ConfigError,
    GraphQLErrors,
    HttpError,
    TransportError,
    UGCError,
    UnauthorizedError,
    untrusted_certificate,
)

if TYPE_CHECKING:
    from types import TracebackType

Protocol = Literal["appsync", "graphql-transport-ws"]
PROTOCOLS: tuple[Protocol, ...] = ("appsync", "graphql-transport-ws")
# Headers for a connection (data None) or for one subscription start (data: the start's `data` string).
RealtimeHeaders = Callable[[str, str | None], dict[str, str]]
# AppSync tells clients to drop a connection that sent no `ka` for this long (connectionTimeoutMs).
KEEPALIVE_TIMEOUT_SECONDS = 300
ACK_TIMEOUT_SECONDS = 15  # what Amplify waits for connection_ack and start_ack
CLOSE_TIMEOUT_SECONDS = 15
T = TypeVar("T")
# Closes started for cancelled consumers: asyncio keeps only weak references to tasks.
_CLOSING: set[asyncio.Future[None]] = set()


def realtime_url(graphql_url: str) -> str:
    """AppSync's real-time endpoint for a GraphQL URL: the `appsync-realtime-api` host for AppSync's
    own domains, `/graphql/realtime` on any other (custom domains, the local AppSync)."""
    parts = urlsplit(graphql_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    if ".appsync-api." in parts.netloc:
        return urlunsplit((scheme, parts.netloc.replace(".appsync-api.", ".appsync-realtime-api."), parts.path, "", ""))
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/realtime", "", ""))


def _tls_context(url: str, ca_certificate: str | None) -> ssl.SSLContext | bool:
    """How a `wss://` connection is verified: against `ca_certificate` when given, else the system's CAs
    (False lets gql choose its default, which verifies)."""
    if not ca_certificate or not url.startswith("wss://"):
        return False
    try:
        return ssl.create_default_context(cafile=ca_certificate)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot read the CA {ca_certificate} (custom.ugc.ca_certificate): {exc}") from exc


def websocket_url(graphql_url: str) -> str:
    """The GraphQL URL with a WebSocket scheme (graphql-transport-ws is served on the same path)."""
    parts = urlsplit(graphql_url)
    return urlunsplit(("wss" if parts.scheme == "https" else "ws", parts.netloc, parts.path, parts.query, ""))


class _HeadersAuth(AppSyncAuthentication):
    """gql's AppSync auth hook, fed by the SDK's own auth classes (fresh JWTs, frozen IAM credentials)."""

    def __init__(self, host: str, headers: RealtimeHeaders) -> None:
        self._host = host
        self._headers = headers

    def get_headers(self, data: str | None = None, headers: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._headers(self._host, data)


class ConnectionRefused(TransportServerError):
    """AppSync's `connection_error`, with its errors kept (gql keeps only their repr)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        code = errors[0].get("errorCode") if errors and isinstance(errors[0], dict) else None
        super().__init__(f"connection refused: {errors}", code if isinstance(code, int) else None)
        self.errors = errors


class _Settling:
    """When the server has answered this connection's one subscription: registered, or refused."""

    def __init__(self) -> None:
        self.sent = asyncio.Event()
        self.settled = asyncio.Event()
        self.refusal: TransportQueryError | None = None

    def refuse(self, error: TransportQueryError) -> None:
        self.refusal = error
        self.settled.set()


class _AppSyncTransport(AppSyncWebsocketsTransport):
    """gql's AppSync transport, which ignores `start_ack` and flattens `connection_error` to text."""

    def __init__(self, url: str, auth: AppSyncAuthentication, tls: ssl.SSLContext | bool) -> None:
        super().__init__(
            url, auth=auth, ssl=tls, ack_timeout=ACK_TIMEOUT_SECONDS, keep_alive_timeout=KEEPALIVE_TIMEOUT_SECONDS
        )
        self.progress = _Settling()

    def _parse_answer(self, answer: str) -> tuple[str, int | None, ExecutionResult | None]:
        try:
            message = json.loads(answer)
        except ValueError:
            message = None
        if isinstance(message, dict):
            if message.get("type") == "start_ack":
                self.progress.settled.set()
            elif message.get("type") == "connection_error":
                payload = message.get("payload")
                errors = payload.get("errors") if isinstance(payload, dict) else None
                raise ConnectionRefused(errors if isinstance(errors, list) else [{"message": str(payload)}])
        try:
            return super()._parse_answer(answer)
        except TransportQueryError as exc:
            self.progress.refuse(exc)
            raise

    async def _send_query(self, request: GraphQLRequest) -> int:
        query_id = await super()._send_query(request)
        self.progress.sent.set()
        return query_id


class _TransportWsTransport(WebsocketsTransport):
    """gql's transport on graphql-transport-ws, recording a refused subscribe and the ping barrier."""

    def __init__(self, url: str, init_payload: dict[str, Any], tls: ssl.SSLContext | bool) -> None:
        super().__init__(
            url=url,
            ssl=tls,
            init_payload=init_payload,
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            ack_timeout=ACK_TIMEOUT_SECONDS,
        )
        self.progress = _Settling()

    def _parse_answer(self, answer: str) -> tuple[str, int | None, ExecutionResult | None]:
        try:
            parsed = super()._parse_answer(answer)
        except TransportQueryError as exc:
            self.progress.refuse(exc)
            raise
        if parsed[0] == "pong" and self.progress.sent.is_set():
            self.progress.settled.set()
        return parsed

    async def _send_query(self, request: GraphQLRequest) -> int:
        query_id = await super()._send_query(request)
        self.progress.sent.set()
        await self.send_ping()
        return query_id


def _errors_of(exc: TransportQueryError) -> list[dict[str, Any]]:
    """AppSync's `error` frames nest their errors in `payload.errors`; graphql-transport-ws sends a list."""
    errors = [e for e in exc.errors or [] if isinstance(e, dict)]
    if len(errors) == 1 and isinstance(errors[0].get("errors"), list):
        return [e for e in errors[0]["errors"] if isinstance(e, dict)]
    return errors or [{"message": str(exc)}]


def subscription_error(exc: BaseException, url: str) -> UGCError:
    """One of the SDK's errors for what gql or the socket raised."""
    if isinstance(exc, UGCError):
        return exc
    if isinstance(exc, ConnectionRefused):
        status = exc.code or 400
        error_class = UnauthorizedError if status in (401, 403) else HttpError
        return error_class(status, exc.errors, {"errors": exc.errors})
    if isinstance(exc, TransportQueryError):
        return GraphQLErrors(_errors_of(exc), exc.data)
    closed = exc.__cause__ if isinstance(exc.__cause__, ConnectionClosed) else None
    if closed is not None and closed.rcvd is not None:
        code, reason = closed.rcvd.code, closed.rcvd.reason
        if code in (4401, 4403):
            return UnauthorizedError(code - 4000, [{"message": reason}], None)
        return TransportError(f"{url} closed the connection: {code} {reason}".rstrip())
    verification = exc if isinstance(exc, ssl.SSLCertVerificationError) else exc.__cause__
    if isinstance(verification, ssl.SSLCertVerificationError):
        return untrusted_certificate(url, verification)
    if isinstance(exc, TransportConnectionFailed) and isinstance(exc.__cause__, OSError):
        return TransportError(f"cannot reach {url} (is the stack running? `ugc dev` starts the local one)")
    if isinstance(exc, GqlTransportError | OSError | TimeoutError):
        return TransportError(f"subscription over {url} failed: {exc or type(exc).__name__}")
    return TransportError(f"subscription over {url} failed: {exc!r}")


class AsyncSubscription(AsyncIterator[dict[str, Any]]):
    """One subscription on its own connection; iterate for each event's `data`.

    A message that carries errors raises `GraphQLErrors` (with `.data`); the subscription stays open
    and iteration may go on. Connection failures raise the SDK's errors and end it. `aclose()` (or
    leaving `async with`) stops the subscription and closes the connection.
    """

    def __init__(
        self,
        protocol: str,
        graphql_url: str,
        headers: RealtimeHeaders,
        request: GraphQLRequest,
        *,
        ca_certificate: str | None = None,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
        self.protocol = protocol
        self.url = realtime_url(graphql_url) if protocol == "appsync" else websocket_url(graphql_url)
        self._ssl = _tls_context(self.url, ca_certificate)
        self._host = urlsplit(graphql_url).netloc
        self._headers = headers
        self._request = request
        self._transport: _AppSyncTransport | _TransportWsTransport | None = None
        self._events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        self._ended = False

    def _make_transport(self) -> _AppSyncTransport | _TransportWsTransport:
        if self.protocol == "appsync":
            return _AppSyncTransport(self.url, _HeadersAuth(self._host, self._headers), self._ssl)
        return _TransportWsTransport(self.url, self._headers(self._host, None), self._ssl)

    async def start(self) -> None:
        """Connect and subscribe; returns once the server registered the subscription, raises if it
        refused it (GraphQLErrors) or the connection (UnauthorizedError, HttpError, TransportError)."""
        if self._transport is not None or self._ended:
            return
        transport = self._transport = self._make_transport()
        try:
            await transport.connect()
        except (GqlTransportError, OSError, TimeoutError) as exc:
            self._ended = True
            self._transport = None
            # gql may have left the failed connection's close running: finish it, so nothing is orphaned.
            await transport.close()
            raise subscription_error(exc, self.url) from exc
        self._pump = asyncio.create_task(self._run(transport))
        with contextlib.suppress(TimeoutError):
            # Set by the ack (or the pong standing in for one), a refusal, or the end of the pump.
            await asyncio.wait_for(transport.progress.settled.wait(), ACK_TIMEOUT_SECONDS)
        refusal = transport.progress.refusal
        if refusal is None and transport.progress.settled.is_set() and not self._pump.done():
            return
        failure: BaseException = refusal or TimeoutError("the server did not acknowledge the subscription")
        if refusal is None and self._pump.done() and not self._events.empty():
            kind, value = self._events.get_nowait()
            failure = value if kind == "error" else failure
        await self.aclose()
        raise subscription_error(failure, self.url) from failure

    async def _run(self, transport: _AppSyncTransport | _TransportWsTransport) -> None:
        try:
            async for result in transport.subscribe(self._request):
                self._events.put_nowait(("data", result))
            self._events.put_nowait(("end", None))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the consumer, who gets it as an SDK error
            self._events.put_nowait(("error", exc))
        finally:
            transport.progress.settled.set()  # a subscription that ended before it settled is settled

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._ended:
            raise StopAsyncIteration
        await self.start()
        try:
            kind, value = await self._events.get()
        except asyncio.CancelledError:
            # The consumer's task is going away, and so does the subscription; a second cancellation
            # must not cut the close short (gql would be left with a half-closed connection).
            closing = asyncio.ensure_future(self.aclose())
            _CLOSING.add(closing)
            closing.add_done_callback(_CLOSING.discard)
            await asyncio.shield(closing)
            raise
        if kind == "data":
            result: ExecutionResult = value
            if result.errors:
                raise GraphQLErrors(list(result.errors), result.data)  # type: ignore[arg-type]
            return result.data or {}
        await self.aclose()
        if kind == "error":
            raise subscription_error(value, self.url) from value
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Stop the subscription (`stop` / `complete` to the server) and close the connection."""
        self._ended = True
        pump, self._pump = self._pump, None
        if pump is not None and not pump.done():
            pump.cancel()  # gql's subscribe generator sends the stop frame as it unwinds
            await asyncio.gather(pump, return_exceptions=True)
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()


class Subscription(Iterator[dict[str, Any]], AsyncIterator[dict[str, Any]]):
    """An `AsyncSubscription` whose connection lives on an event loop in a background thread, so
    keep-alives are answered whatever the caller does between events. Use it from synchronous code
    (`with`, `for`, `close()`) or from asyncio (`async with`, `async for`, `aclose()`), not both.

    It starts when entered, first iterated, or by `start()`/`astart()`, which return once the server
    registered the subscription and raise if it refused. A consumer cancelled while waiting for an
    event (its task is going away) ends the subscription.
    """

    def __init__(self, subscription: AsyncSubscription) -> None:
        self._subscription = subscription
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    def _submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="ugc-subscription", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    # --- synchronous use ---------------------------------------------------------------------------
    def start(self) -> Self:
        try:
            self._submit(self._subscription.start()).result()
        except BaseException:
            self.close()
            raise
        return self

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> dict[str, Any]:
        if self._closed:
            raise StopIteration
        try:
            return self._submit(self._subscription.__anext__()).result()
        except StopAsyncIteration:
            self.close()
            raise StopIteration from None
        except GraphQLErrors:
            raise  # an event with errors: the subscription goes on
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the subscription and close its connection and thread."""
        if self._closed:
            return
        self._closed = True
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._subscription.aclose(), loop).result(timeout=CLOSE_TIMEOUT_SECONDS)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=CLOSE_TIMEOUT_SECONDS)
            if not thread.is_alive():
                loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # --- asyncio use -------------------------------------------------------------------------------
    async def astart(self) -> Self:
        try:
            await asyncio.wrap_future(self._submit(self._subscription.start()))
        except BaseException:
            await self.aclose()
            raise
        return self

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._closed:
            raise StopAsyncIteration
        try:
            return await asyncio.wrap_future(self._submit(self._subscription.__anext__()))
        except GraphQLErrors:
            raise
        except BaseException:  # the end, a failure, or the consumer's cancellation
            await self.aclose()
            raise

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    async def __aenter__(self) -> Self:
        return await self.astart()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()
