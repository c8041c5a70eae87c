"""The API's subscriptions end to end on the local AppSync: real sockets, gql clients on both
protocols, the resolver Lambda in its worker process, and the back end's IAM publisher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import botocore.session
import pytest
from gql import Client, GraphQLRequest
from gql.transport.appsync_auth import AppSyncApiKeyAuthentication, AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError, TransportServerError
from gql.transport.websockets import WebsocketsTransport

from client.errors import GraphQLErrors
from client.sdk import JwtAuth, UGCClient
from core.publisher import Publisher
from emulator.appsync.realtime import RealtimeOptions
from emulator.appsync.server import create_app
from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.server import LocalAwsServer
from emulator.stack import LocalStack
from tests.stacks import Api, Http, served

KEEPALIVE_SECONDS = 0.2
ON_CHANNEL_STATE = """subscription OnChannelState($channelId: ID) {
  onChannelState(channelId: $channelId) { channelId username isLive }
}"""
ON_STREAM_EVENT = """subscription OnStreamEvent($channelId: ID!) {
  onStreamEvent(channelId: $channelId) { id channelId name isError }
}"""


@dataclass
class Realtime:
    api: Api
    base: str
    publisher: Publisher

    @property
    def host(self) -> str:
        return self.base.removeprefix("http://")

    @property
    def stack(self) -> LocalStack:
        return self.api.stack

    def subscriptions(self, field_name: str | None = None) -> int:
        return self.stack.engine.subscriptions.count(field_name)

    async def wait_for_subscriptions(self, count: int, field_name: str | None = None) -> None:
        for _ in range(500):
            if self.subscriptions(field_name) == count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{self.subscriptions(field_name)} subscriptions, expected {count}")

    async def channel_state(self, channel_id: str, username: str, is_live: bool) -> None:
        state = {"channelId": channel_id, "username": username, "isLive": is_live}
        await asyncio.to_thread(self.publisher.channel_state, state)


@pytest.fixture(scope="module")
def realtime(local_aws: LocalAwsServer) -> Iterator[Realtime]:
    """The local AppSync of one deployment over HTTP and WebSocket, with quick keep-alives."""
    resources = bootstrap(local_aws.endpoint, name_prefix="realtime")
    holder: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await holder["app"](scope, receive, send)

    with served(app) as base:
        stack = LocalStack(resources, f"{base}/graphql")
        holder["app"] = create_app(
            stack.engine,
            stack.authenticator,
            stack.outputs,
            realtime=RealtimeOptions(keepalive_seconds=KEEPALIVE_SECONDS),
        )
        session = botocore.session.Session()
        session.set_credentials(*LOCAL_CREDENTIALS)
        publisher = Publisher(stack.graphql_url, resources.region, session)
        yield Realtime(Api("http", stack, Http(stack.graphql_url)), base, publisher)


async def collect(session: Any, query: str, variables: dict[str, Any], into: asyncio.Queue[Any]) -> None:
    async for data in session.subscribe(GraphQLRequest(query, variable_values=variables)):
        await into.put(data)


@pytest.fixture
async def own_channel(realtime: Realtime) -> AsyncIterator[tuple[str, str]]:
    """A provisioned user and their channel id."""
    username = realtime.api.user("owner")
    reply = await realtime.api.as_user(username, "mutation { createResources { channel { id } } }")
    yield username, reply.data["createResources"]["channel"]["id"]


async def test_viewers_follow_channel_state_over_appsyncs_protocol(realtime: Realtime) -> None:
    # GIVEN an anonymous viewer subscribed with gql's AppSync transport, filtered on one channel
    auth = AppSyncApiKeyAuthentication(host=realtime.host, api_key=realtime.api.resources.api_key)
    transport = AppSyncWebsocketsTransport(url=f"ws://{realtime.host}/graphql/realtime", auth=auth)
    received: asyncio.Queue[Any] = asyncio.Queue()
    async with Client(transport=transport) as session:
        task = asyncio.create_task(collect(session, ON_CHANNEL_STATE, {"channelId": "ch-2"}, received))
        await realtime.wait_for_subscriptions(1, "onChannelState")
        # WHEN the back end publishes two channels' states with IAM
        await realtime.channel_state("ch-1", "one", True)
        await realtime.channel_state("ch-2", "two", True)
        # THEN only the followed channel's arrives, with what the publisher selected
        event = await asyncio.wait_for(received.get(), 10)
        assert event == {"onChannelState": {"channelId": "ch-2", "username": "two", "isLive": True}}
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        # gql's stop is answered with complete, and the server drops the subscription
        await realtime.wait_for_subscriptions(0)


async def test_signed_in_users_follow_over_graphql_transport_ws(realtime: Realtime) -> None:
    username = realtime.api.user("viewer")
    transport = WebsocketsTransport(
        url=f"ws://{realtime.host}/graphql",
        init_payload={"Authorization": realtime.api.tokens[username]},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    received: asyncio.Queue[Any] = asyncio.Queue()
    async with Client(transport=transport) as session:
        task = asyncio.create_task(collect(session, ON_CHANNEL_STATE, {}, received))
        await realtime.wait_for_subscriptions(1, "onChannelState")
        await realtime.channel_state("ch-3", "three", False)
        event = await asyncio.wait_for(received.get(), 10)
        assert event == {"onChannelState": {"channelId": "ch-3", "username": "three", "isLive": False}}
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await realtime.wait_for_subscriptions(0)


@pytest.mark.parametrize("protocol", ["appsync", "graphql-transport-ws"])
async def test_only_a_channels_owner_follows_its_stream_events(
    realtime: Realtime, own_channel: tuple[str, str], protocol: str
) -> None:
    owner, channel_id = own_channel
    stranger = realtime.api.user("stranger")
    api = realtime.api
    # WHEN someone else subscribes THEN the subscribe-time resolver refuses
    intruder = UGCClient(api.stack.graphql_url, JwtAuth(api.tokens[stranger]))
    with pytest.raises(GraphQLErrors) as refused:
        intruder.subscribe(ON_STREAM_EVENT, {"channelId": channel_id}, protocol=protocol).start()
    assert refused.value.error_types == ["Forbidden"]
    # WHEN the owner subscribes THEN the back end's events reach them
    client = UGCClient(api.stack.graphql_url, JwtAuth(api.tokens[owner]))
    with client.subscribe(ON_STREAM_EVENT, {"channelId": channel_id}, protocol=protocol) as events:
        event = {
            "id": "ev-1",
            "channelId": channel_id,
            "sessionId": "s-1",
            "name": "Stream Start",
            "type": "IVS Stream State Change",
            "eventTime": "2026-11-21T10:00:00Z",
            "isError": False,
        }
        await asyncio.to_thread(realtime.publisher.stream_event, event)
        data = await asyncio.to_thread(next, events)
        assert data == {
            "onStreamEvent": {"id": "ev-1", "channelId": channel_id, "name": "Stream Start", "isError": False}
        }


async def test_stream_events_are_for_signed_in_users_only(realtime: Realtime) -> None:
    auth = AppSyncApiKeyAuthentication(host=realtime.host, api_key=realtime.api.resources.api_key)
    transport = AppSyncWebsocketsTransport(url=f"ws://{realtime.host}/graphql/realtime", auth=auth)
    async with Client(transport=transport) as session:
        with pytest.raises(TransportQueryError) as refused:
            await collect(session, ON_STREAM_EVENT, {"channelId": "ch-1"}, asyncio.Queue())
    [payload] = refused.value.errors or []
    assert payload["errors"][0]["errorType"] == "Unauthorized"
    assert payload["errors"][0]["message"] == "Not Authorized to access onStreamEvent on type Subscription"


async def test_gql_keeps_an_idle_connection_alive_on_the_servers_keep_alives(realtime: Realtime) -> None:
    # GIVEN gql's AppSync transport expecting a `ka` at least every 0.6 s
    auth = AppSyncApiKeyAuthentication(host=realtime.host, api_key=realtime.api.resources.api_key)
    transport = AppSyncWebsocketsTransport(
        url=f"ws://{realtime.host}/graphql/realtime", auth=auth, keep_alive_timeout=KEEPALIVE_SECONDS * 3
    )
    received: asyncio.Queue[Any] = asyncio.Queue()
    async with Client(transport=transport) as session:
        task = asyncio.create_task(collect(session, ON_CHANNEL_STATE, {"channelId": "ch-ka"}, received))
        await realtime.wait_for_subscriptions(1, "onChannelState")
        # WHEN nothing is published for several keep-alive timeouts
        await asyncio.sleep(KEEPALIVE_SECONDS * 8)
        # THEN the connection is still up and delivers
        await realtime.channel_state("ch-ka", "ka", True)
        assert (await asyncio.wait_for(received.get(), 10))["onChannelState"]["channelId"] == "ch-ka"
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_bad_connection_credentials_are_refused_on_both_protocols(realtime: Realtime) -> None:
    # AppSync's protocol: connection_error, which gql raises as a server error
    auth = AppSyncJWTAuthentication(host=realtime.host, jwt="not-a-jwt")
    appsync = AppSyncWebsocketsTransport(url=f"ws://{realtime.host}/graphql/realtime", auth=auth)
    with pytest.raises(TransportServerError, match="Unable to parse JWT token"):
        async with Client(transport=appsync):
            pass
    # graphql-transport-ws: the connection is closed with 4403
    transport_ws = WebsocketsTransport(
        url=f"ws://{realtime.host}/graphql",
        init_payload={"x-api-key": "da2-wrong"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    with pytest.raises(TransportConnectionFailed) as closed:
        async with Client(transport=transport_ws):
            pass
    assert closed.value.__cause__.rcvd.code == 4403  # type: ignore[union-attr]
