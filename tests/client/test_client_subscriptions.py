"""`UGCClient.subscribe` / `subscribe_async` against the local AppSync's real-time endpoints, over both
protocols and AppSync's auth modes (the small API of tests/appsync/realtime_app.py)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from client.errors import ConfigError, GraphQLErrors, TransportError, UnauthorizedError
from client.realtime import realtime_url, websocket_url
from client.sdk import ApiKeyAuth, IamAuth, JwtAuth, UGCClient
from emulator.appsync.auth import UserPool
from tests.appsync.realtime_app import (
    ACCESS_KEY,
    API_KEY,
    REGION,
    SECRET_KEY,
    RealtimeApi,
    realtime_api,
)
from tests.client.conftest import PASSWORD, LocalCognito

PROTOCOLS = ["appsync", "graphql-transport-ws"]
ON_POST = "subscription OnPost($id: ID) { onPost(id: $id) { id title } }"


def key_client(api: RealtimeApi, key: str = API_KEY) -> UGCClient:
    return UGCClient(api.graphql_url, ApiKeyAuth(key))


def iam_client(api: RealtimeApi) -> UGCClient:
    return UGCClient(api.graphql_url, IamAuth(Credentials(ACCESS_KEY, SECRET_KEY), REGION))


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("make_client", [key_client, iam_client], ids=["api-key", "iam"])
def test_events_published_after_subscribe_returns_are_delivered(
    api: RealtimeApi, protocol: str, make_client: Any
) -> None:
    # GIVEN a started subscription filtered on one post
    with make_client(api).subscribe(ON_POST, {"id": "2"}, protocol=protocol) as events:
        # WHEN posts are published right after it returned
        api.save("{ id title }", id="1", title="other")
        api.save("{ id title }", id="2", title="mine")
        # THEN the matching one arrives, as the `data` of the event
        assert next(events) == {"onPost": {"id": "2", "title": "mine"}}
    # AND leaving the block stopped the subscription on the server
    api.expect_subscriptions(0)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_closing_stops_the_subscription_and_iteration(api: RealtimeApi, protocol: str) -> None:
    events = key_client(api).subscribe(ON_POST, protocol=protocol).start()
    assert api.subscriptions() == 1
    events.close()
    api.expect_subscriptions(0)
    assert list(events) == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_user_pool_tokens_authorize_subscriptions(cognito: LocalCognito, protocol: str) -> None:
    # GIVEN an API whose user pool is the local Cognito, and a signed-in user whose token is looked up
    pool = UserPool(
        issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{cognito.user_pool_id}",
        jwks_url=f"{cognito.endpoint_url}/{cognito.user_pool_id}/.well-known/jwks.json",
        client_ids=frozenset({cognito.client_id}),
    )
    tokens = cognito.admin.initiate_auth(
        ClientId=cognito.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    asked: list[str] = []

    def token() -> str:
        asked.append("token")
        return str(tokens["IdToken"])

    with realtime_api(user_pool=pool) as api:
        client = UGCClient(api.graphql_url, JwtAuth(token))
        # WHEN the user subscribes THEN the subscription starts with the current token and receives
        with client.subscribe(ON_POST, protocol=protocol) as events:
            api.save(id="7")
            assert next(events) == {"onPost": {"id": "7", "title": None}}
        assert asked


@pytest.mark.parametrize(("protocol", "status"), [("appsync", 401), ("graphql-transport-ws", 403)])
def test_refused_credentials_raise_unauthorized_error(api: RealtimeApi, protocol: str, status: int) -> None:
    with pytest.raises(UnauthorizedError) as refused:
        key_client(api, "da2-wrong").subscribe(ON_POST, protocol=protocol).start()
    assert refused.value.status == status
    if protocol == "appsync":
        assert refused.value.errors == [
            {
                "errorType": "UnauthorizedException",
                "message": "You are not authorized to make this call.",
                "errorCode": 401,
            }
        ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_refused_subscription_raises_graphql_errors(api: RealtimeApi, protocol: str) -> None:
    client = key_client(api)
    with pytest.raises(GraphQLErrors) as resolver_refused:
        client.subscribe('subscription { onGuarded(id: "forbidden") { id } }', protocol=protocol).start()
    assert resolver_refused.value.error_types == ["Forbidden"]
    with pytest.raises(GraphQLErrors) as field_refused:
        client.subscribe("subscription { onIamOnly { id } }", protocol=protocol).start()
    assert field_refused.value.errors[0]["message"] == "Not Authorized to access onIamOnly on type Subscription"
    with pytest.raises(GraphQLErrors) as invalid:
        client.subscribe("subscription { onPost { nope } }", protocol=protocol).start()
    assert invalid.value.errors[0]["message"].startswith("Validation error of type FieldUndefined")
    assert api.subscriptions() == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_event_with_errors_raises_and_the_subscription_goes_on(api: RealtimeApi, protocol: str) -> None:
    with key_client(api).subscribe("subscription { onPost { id secret } }", protocol=protocol) as events:
        api.save(id="1")
        with pytest.raises(GraphQLErrors) as event:
            next(events)
        assert event.value.error_types == ["Unauthorized"]
        assert event.value.data == {"onPost": {"id": "1", "secret": None}}
        api.save(id="2")
        with pytest.raises(GraphQLErrors):
            next(events)
        assert api.subscriptions() == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_unreachable_endpoint_is_a_transport_error(protocol: str) -> None:
    with realtime_api() as api:
        url = api.graphql_url
    with pytest.raises(TransportError):
        UGCClient(url, ApiKeyAuth(API_KEY)).subscribe(ON_POST, protocol=protocol).start()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscribe_async_runs_on_the_callers_loop(api: RealtimeApi, protocol: str) -> None:
    async with key_client(api).subscribe_async(ON_POST, protocol=protocol) as events:
        await asyncio.to_thread(api.save, id="3")
        async for data in events:
            assert data == {"onPost": {"id": "3", "title": None}}
            break
    await api.wait_for_subscriptions(0)


async def test_the_threaded_subscription_also_iterates_with_async_for(api: RealtimeApi) -> None:
    async with key_client(api).subscribe(ON_POST) as events:
        await asyncio.to_thread(api.save, id="4")
        assert await anext(events) == {"onPost": {"id": "4", "title": None}}
    await api.wait_for_subscriptions(0)


@pytest.mark.parametrize("make", ["subscribe", "subscribe_async"])
async def test_cancelling_the_consumer_ends_the_subscription(api: RealtimeApi, make: str) -> None:
    # GIVEN a task consuming a subscription, as `ugc watch` runs its three
    received = asyncio.Event()

    async def consume() -> None:
        async for _ in getattr(key_client(api), make)(ON_POST):
            received.set()

    task = asyncio.create_task(consume())
    await api.wait_for_subscriptions(1)
    await asyncio.to_thread(api.save, id="5")
    await asyncio.wait_for(received.wait(), 5)
    # WHEN the task is cancelled THEN the server drops the subscription
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await api.wait_for_subscriptions(0)


def test_no_thread_outlives_a_closed_subscription(api: RealtimeApi) -> None:
    before = threading.active_count()
    with key_client(api).subscribe(ON_POST):
        assert threading.active_count() == before + 1
    assert threading.active_count() == before


def test_only_appsync_auth_modes_can_subscribe(api: RealtimeApi) -> None:
    client = UGCClient(api.graphql_url, lambda request: request)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        client.subscribe(ON_POST)
    with pytest.raises(ValueError, match="protocol"):
        key_client(api).subscribe(ON_POST, protocol="mqtt")


@pytest.mark.parametrize(
    ("graphql_url", "appsync", "transport_ws"),
    [
        (
            "https://abc.appsync-api.eu-west-1.amazonaws.com/graphql",
            "wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/graphql",
            "wss://abc.appsync-api.eu-west-1.amazonaws.com/graphql",
        ),
        ("https://api.example.com/graphql", "wss://api.example.com/graphql/realtime", "wss://api.example.com/graphql"),
        ("http://127.0.0.1:4000/graphql", "ws://127.0.0.1:4000/graphql/realtime", "ws://127.0.0.1:4000/graphql"),
    ],
)
def test_real_time_urls_follow_appsyncs_rules(graphql_url: str, appsync: str, transport_ws: str) -> None:
    assert realtime_url(graphql_url) == appsync
    assert websocket_url(graphql_url) == transport_ws


def test_iam_signs_the_connection_and_each_start_as_appsync_verifies_them() -> None:
    credentials = Credentials(ACCESS_KEY, SECRET_KEY)
    auth = IamAuth(credentials, REGION)
    for path, body, data in (("/graphql/connect", "{}", None), ("/graphql", '{"query":"q"}', '{"query":"q"}')):
        headers = auth.realtime_headers("api.example.com", data)
        assert headers["host"] == "api.example.com"
        signed_names = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
        request = AWSRequest(
            method="POST",
            url=f"https://api.example.com{path}",
            data=body,
            headers={name: headers[next(k for k in headers if k.lower() == name)] for name in signed_names},
        )
        request.context["timestamp"] = headers["X-Amz-Date"]
        signer = SigV4Auth(credentials, "appsync", REGION)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        assert headers["Authorization"].endswith(f"Signature={expected}")
