"""`UGCClient`: queries and mutations over HTTP with gql, and subscriptions over WebSocket, signed for
any of AppSync's auth modes.

Each auth mode is a `requests` auth hook, so the headers are computed per request: a JWT provider
can refresh an expiring token, and a SigV4 signature covers the exact body that is sent. The same
objects give the headers of real-time connections and subscription starts (`realtime_headers`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.requests import RequestsHTTPTransport
from graphql import GraphQLSyntaxError
from requests.auth import AuthBase

from client.errors import (
    ConfigError,
    GraphQLErrors,
    HttpError,
    QuerySyntaxError,
    TransportError,
    UGCError,
    UnauthorizedError,
    untrusted_certificate,
)

if TYPE_CHECKING:
    from types import TracebackType

    from botocore.credentials import Credentials
    from gql.client import SyncClientSession
    from requests import PreparedRequest

    from client.auth import TokenCache
    from client.outputs import AmplifyOutputs
    from client.realtime import AsyncSubscription, Subscription

APPSYNC_SERVICE = "appsync"
DEFAULT_TIMEOUT_SECONDS = 30
# Headers SigV4 adds; only these are copied back, so requests keeps control of everything else.
_SIGV4_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")
# The headers AppSync's real-time clients sign (Amplify, gql), with the host of the GraphQL endpoint.
_REALTIME_SIGNED_HEADERS = {
    "accept": "application/json, text/javascript",
    "content-encoding": "amz-1.0",
    "content-type": "application/json; charset=UTF-8",
}


class JwtAuth(AuthBase):
    """Cognito user pools (or OIDC): AppSync takes the raw JWT in `Authorization`, with no "Bearer".

    Pass a callable to have a fresh token looked up for every request (see `UGCClient.for_user`).
    """

    def __init__(self, token_or_provider: str | Callable[[], str]) -> None:
        self._provider = token_or_provider if callable(token_or_provider) else lambda: token_or_provider

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["Authorization"] = self._provider()
        return request

    def realtime_headers(self, host: str, data: str | None) -> dict[str, str]:
        """For a real-time connection (`data` None) or one subscription start."""
        return {"host": host, "Authorization": self._provider()}


class ApiKeyAuth(AuthBase):
    """AppSync API key (anonymous viewers)."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["x-api-key"] = self._api_key
        return request

    def realtime_headers(self, host: str, data: str | None) -> dict[str, str]:
        return {"host": host, "x-api-key": self._api_key}


class IamAuth(AuthBase):
    """IAM: SigV4 over the request as sent (method, URL, body, content type and host)."""

    def __init__(self, credentials: Credentials, region: str) -> None:
        self._credentials = credentials
        self._region = region

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        # Sign only what no proxy or HTTP library rewrites; botocore adds host and x-amz-date itself.
        signed = AWSRequest(
            method=request.method,
            url=request.url,
            data=body,
            headers={"Content-Type": request.headers.get("Content-Type", "application/json")},
        )
        # Frozen per request so a refreshing credential provider cannot mix two key pairs in one signature.
        frozen = self._credentials.get_frozen_credentials()
        SigV4Auth(frozen, APPSYNC_SERVICE, self._region).add_auth(signed)
        for name in _SIGV4_HEADERS:
            if name in signed.headers:
                request.headers[name] = signed.headers[name]
        return request

    def realtime_headers(self, host: str, data: str | None) -> dict[str, str]:
        """AppSync signs a connection as `POST /graphql/connect` with body `{}`, and each subscription
        start as `POST /graphql` with the start's `data` string as the body."""
        signed = AWSRequest(
            method="POST",
            url=f"https://{host}/graphql" + ("" if data is not None else "/connect"),
            data=data if data is not None else "{}",
            headers=dict(_REALTIME_SIGNED_HEADERS),
        )
        SigV4Auth(self._credentials.get_frozen_credentials(), APPSYNC_SERVICE, self._region).add_auth(signed)
        return {**dict(signed.headers.items()), "host": host}


class UGCClient:
    """A synchronous GraphQL client for one endpoint and one identity.

    Queries are sent as written: gql is given no schema and never fetches one, because AppSync may
    have introspection disabled and the server validates anyway. Use as a context manager (or call
    `close`) to release the HTTP connection. Not safe to share between threads.
    """

    def __init__(
        self,
        url: str,
        auth: AuthBase,
        *,
        timeout: int = DEFAULT_TIMEOUT_SECONDS,
        ca_certificate: str | None = None,
    ) -> None:
        """`ca_certificate`: a CA file to verify an `https://` URL with instead of the system's (the
        local stack's own CA, `custom.ugc.ca_certificate`)."""
        self.url = url
        self.auth = auth
        self.ca_certificate = ca_certificate
        self._gql = Client(
            transport=RequestsHTTPTransport(url=url, auth=auth, timeout=timeout, verify=ca_certificate or True),
            fetch_schema_from_transport=False,
        )
        self._session: SyncClientSession | None = None

    @classmethod
    def from_outputs(cls, outputs: AmplifyOutputs, *, auth: AuthBase) -> Self:
        """For the endpoint the outputs name; a local stack's `https://` one is trusted through its CA."""
        return cls(outputs.data.url, auth, ca_certificate=outputs.ugc.ca_certificate if outputs.ugc else None)

    @classmethod
    def for_user(cls, outputs: AmplifyOutputs, username: str, *, cache: TokenCache | None = None) -> Self:
        """Signed in as `username` via the token cache (`ugc login`); tokens refresh as they expire."""
        from client.auth import CognitoAuth

        cognito = CognitoAuth(outputs, cache=cache)
        cognito.session_for(username)  # fail now, not at the first query, when there is no session
        return cls.from_outputs(outputs, auth=JwtAuth(lambda: cognito.token_for(username)))

    @classmethod
    def anonymous(cls, outputs: AmplifyOutputs) -> Self:
        """With the stack's API key, as an anonymous viewer."""
        if not outputs.data.api_key:
            raise ConfigError(f"{outputs.source}: data.api_key is missing, so anonymous access is not possible")
        return cls.from_outputs(outputs, auth=ApiKeyAuth(outputs.data.api_key))

    @classmethod
    def with_iam(cls, outputs: AmplifyOutputs, credentials: Credentials | None = None) -> Self:
        """IAM-signed, as the back end's publishers call; default credentials as `client.aws` finds them."""
        if credentials is None:
            from client.aws import aws_credentials

            credentials = aws_credentials(outputs)
        return cls.from_outputs(outputs, auth=IamAuth(credentials, outputs.data.aws_region))

    def execute(
        self, query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None
    ) -> dict[str, Any]:
        """The response's `data`; raises `GraphQLErrors` if the response has any errors."""
        body = self.execute_raw(query, variables, operation_name)
        errors = body.get("errors")
        if errors:
            raise GraphQLErrors(errors, body.get("data"))
        data: dict[str, Any] = body.get("data") or {}
        return data

    def execute_raw(
        self, query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None
    ) -> dict[str, Any]:
        """The whole body, `{"data": ..., "errors": [...]}`, for callers who want partial data.

        GraphQL errors are returned, not raised; HTTP errors (401 included) still raise `HttpError`.
        """
        request = _request(query, variables, operation_name)
        # gql reads a JSON error body as GraphQL errors whatever the status; the status is what tells
        # "AppSync refused these credentials" apart from "your query failed", so record it.
        statuses: list[int] = []

        def record_status(response: requests.Response, *_: Any, **__: Any) -> None:
            statuses.append(response.status_code)

        try:
            result = self._connect().execute(
                request, get_execution_result=True, extra_args={"hooks": {"response": [record_status]}}
            )
            body: dict[str, Any] = {"data": result.data}
            extensions = result.extensions
        except TransportQueryError as exc:
            body = {"data": exc.data, "errors": exc.errors}
            extensions = exc.extensions
        except TransportServerError as exc:
            raise _http_error(exc.code or 0, None, None) from exc
        except TransportConnectionFailed as exc:
            # requests runs the auth hook inside the call gql wraps; surface our own errors (for
            # example "run ugc login") as themselves.
            if isinstance(exc.__cause__, UGCError):
                raise exc.__cause__ from None
            if isinstance(exc.__cause__, requests.exceptions.SSLError):
                raise untrusted_certificate(self.url, exc.__cause__) from exc
            if isinstance(exc.__cause__, requests.ConnectionError):
                raise TransportError(
                    f"cannot reach {self.url} (is the stack running? `ugc dev` starts the local one)"
                ) from exc
            raise TransportError(f"request to {self.url} failed: {exc}") from exc
        except TransportProtocolError as exc:
            raise TransportError(f"{self.url} did not answer with a GraphQL response: {exc}") from exc
        if extensions:
            body["extensions"] = extensions
        status = statuses[-1] if statuses else 200
        if status >= 400:
            raise _http_error(status, body.get("errors"), body)
        return body

    def subscribe(
        self, query: str, variables: dict[str, Any] | None = None, *, protocol: str = "appsync"
    ) -> Subscription:
        """A subscription; iterate it for each event's `data`, with `for` or `async for`.

        `with client.subscribe(q) as events:` (or `events.start()`) returns once the server registered
        the subscription, so mutations sent afterwards are delivered; leaving the block (or `close()`)
        stops it. The connection runs on a background thread; `subscribe_async` stays on the caller's
        event loop. `protocol`: "appsync" (AppSync's real-time endpoint, as Amplify uses it) or
        "graphql-transport-ws" (the local AppSync's `/graphql`, as Apollo's GraphQLWsLink uses it).
        A refused subscription raises `GraphQLErrors`, refused credentials `UnauthorizedError`; an event
        that carries errors raises `GraphQLErrors` and the subscription goes on.
        """
        from client.realtime import Subscription

        return Subscription(self.subscribe_async(query, variables, protocol=protocol))

    def subscribe_async(
        self, query: str, variables: dict[str, Any] | None = None, *, protocol: str = "appsync"
    ) -> AsyncSubscription:
        """`subscribe` for asyncio: `async with client.subscribe_async(q) as events: async for data in
        events: ...` (or `await events.start()`, then iterate, then `await events.aclose()`)."""
        from client.realtime import AsyncSubscription

        realtime_headers = getattr(self.auth, "realtime_headers", None)
        if realtime_headers is None:
            raise ConfigError(
                f"{type(self.auth).__name__} cannot authorize subscriptions; use JwtAuth, ApiKeyAuth or IamAuth"
            )
        return AsyncSubscription(
            protocol, self.url, realtime_headers, _request(query, variables, None), ca_certificate=self.ca_certificate
        )

    def _connect(self) -> SyncClientSession:
        if self._session is None:
            self._session = self._gql.connect_sync()
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._gql.close_sync()
            self._session = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _request(query: str, variables: dict[str, Any] | None, operation_name: str | None) -> GraphQLRequest:
    try:
        return GraphQLRequest(query, variable_values=variables, operation_name=operation_name)
    except GraphQLSyntaxError as exc:
        where = f" (line {exc.locations[0].line}, column {exc.locations[0].column})" if exc.locations else ""
        raise QuerySyntaxError(f"{exc.message}{where}") from exc


def _http_error(status: int, errors: list[dict[str, Any]] | None, body: Any) -> HttpError:
    error_class = UnauthorizedError if status in (401, 403) else HttpError
    return error_class(status, errors, body)
