"""The real-time endpoints frame by frame, over real sockets: AppSync's protocol (handshake auth,
acks, keep-alives, per-subscription auth and errors, limits) and graphql-transport-ws (its messages
and close codes)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.exceptions import InvalidStatus

from emulator.appsync.realtime import APPSYNC_PROTOCOL, TRANSPORT_WS_PROTOCOL, RealtimeOptions
from tests.appsync.realtime_app import (
    API_KEY,
    KEEPALIVE_SECONDS,
    RealtimeApi,
    appsync_socket,
    encoded,
    realtime_api,
    socket,
    start,
    transport_ws_socket,
)

ON_POST = "subscription { onPost { id } }"
UNAUTHORIZED = "You are not authorized to make this call."


# --- AppSync's protocol ----------------------------------------------------------------------------


async def test_the_connection_is_acked_with_its_timeout_then_kept_alive(api: RealtimeApi) -> None:
    # GIVEN a client authenticated in the query string, as Amplify and gql connect
    url = f"{api.realtime_url}?header={encoded(api.api_key_headers())}&payload=e30="
    async with socket(url, [APPSYNC_PROTOCOL]) as ws:
        # THEN the server speaks `graphql-ws`
        assert ws.subprotocol == APPSYNC_PROTOCOL
        # WHEN it sends connection_init
        await ws.send({"type": "connection_init"})
        # THEN the ack carries AppSync's keep-alive timeout, a `ka` follows at once, then one per interval
        assert await ws.receive() == {"type": "connection_ack", "payload": {"connectionTimeoutMs": 300000}}
        began = time.monotonic()
        assert await ws.receive(skip=()) == {"type": "ka"}
        assert await ws.receive(skip=()) == {"type": "ka"}
        assert await ws.receive(skip=()) == {"type": "ka"}
        assert time.monotonic() - began >= KEEPALIVE_SECONDS * 1.5


@pytest.mark.parametrize("url_safe", [False, True])
async def test_connection_headers_may_be_standard_or_url_safe_base64(api: RealtimeApi, url_safe: bool) -> None:
    header = encoded(api.api_key_headers() | {"x-pad": "??>>"}, url_safe=url_safe)
    async with socket(f"{api.realtime_url}?header={header}&payload=e30=", [APPSYNC_PROTOCOL]) as ws:
        await ws.send({"type": "connection_init"})
        assert (await ws.receive())["type"] == "connection_ack"


async def test_connection_headers_may_come_in_a_header_subprotocol(api: RealtimeApi) -> None:
    offered = [APPSYNC_PROTOCOL, f"header-{encoded(api.api_key_headers(), url_safe=True)}"]
    async with socket(api.realtime_url, offered) as ws:
        assert ws.subprotocol == APPSYNC_PROTOCOL
        await ws.send({"type": "connection_init"})
        assert (await ws.receive())["type"] == "connection_ack"


async def test_connection_headers_may_be_plain_http_headers(api: RealtimeApi) -> None:
    async with socket(api.realtime_url, [APPSYNC_PROTOCOL], {"x-api-key": API_KEY}) as ws:
        await ws.send({"type": "connection_init"})
        assert (await ws.receive())["type"] == "connection_ack"


async def test_the_appsync_protocol_is_also_served_at_graphql(api: RealtimeApi) -> None:
    async with socket(f"{api.ws_url}?header={encoded(api.api_key_headers())}&payload=e30=", [APPSYNC_PROTOCOL]) as ws:
        await ws.send({"type": "connection_init"})
        assert (await ws.receive())["payload"] == {"connectionTimeoutMs": 300000}


async def test_bad_connection_credentials_get_a_connection_error_and_a_close(api: RealtimeApi) -> None:
    header = encoded({"host": api.host, "x-api-key": "da2-wrong"})
    async with socket(f"{api.realtime_url}?header={header}&payload=e30=", [APPSYNC_PROTOCOL]) as ws:
        await ws.send({"type": "connection_init"})
        assert await ws.receive() == {
            "type": "connection_error",
            "payload": {"errors": [{"errorType": "UnauthorizedException", "message": UNAUTHORIZED, "errorCode": 401}]},
        }
        await ws.closed()


async def test_missing_connection_credentials_are_refused_as_on_http(api: RealtimeApi) -> None:
    async with socket(api.realtime_url, [APPSYNC_PROTOCOL]) as ws:
        await ws.send({"type": "connection_init"})
        error = (await ws.receive())["payload"]["errors"][0]
        assert (error["message"], error["errorCode"]) == ("Valid authorization header not provided.", 401)


async def test_unreadable_connection_headers_are_a_400_connection_error(api: RealtimeApi) -> None:
    async with socket(f"{api.realtime_url}?header=not*base64&payload=e30=", [APPSYNC_PROTOCOL]) as ws:
        await ws.send({"type": "connection_init"})
        frame = await ws.receive()
        assert frame["type"] == "connection_error"
        assert frame["payload"]["errors"][0]["errorCode"] == 400
        await ws.closed()


async def test_iam_connections_and_starts_are_verified_against_their_signatures(api: RealtimeApi) -> None:
    # GIVEN a connection signed as POST /graphql/connect with `{}`, as AppSync's IAM clients sign it
    async with appsync_socket(api, api.iam_headers("/graphql/connect", "{}")) as ws:
        # WHEN a start is signed over its own `data` string THEN it is accepted
        assert (await start(ws, api, "ok", "subscription { onIamOnly { id } }", iam=True))["type"] == "start_ack"
        # WHEN a start carries a signature made for another body THEN it is refused
        stolen = api.iam_headers("/graphql", json.dumps({"query": ON_POST, "variables": {}}))
        refused = await start(ws, api, "swapped", "subscription { onIamOnly { id secret } }", authorization=stolen)
        assert refused == {
            "type": "error",
            "id": "swapped",
            "payload": {"errors": [{"errorType": "UnauthorizedException", "message": UNAUTHORIZED}]},
        }


async def test_a_connection_signed_for_another_request_is_refused(api: RealtimeApi) -> None:
    header = encoded(api.iam_headers("/graphql", "{}"))
    async with socket(f"{api.realtime_url}?header={header}&payload=e30=", [APPSYNC_PROTOCOL]) as ws:
        await ws.send({"type": "connection_init"})
        assert (await ws.receive())["payload"]["errors"][0]["errorType"] == "UnauthorizedException"


async def test_each_start_is_authorized_on_its_own_headers_whatever_the_connection_used(api: RealtimeApi) -> None:
    # GIVEN a connection made with the API key
    async with appsync_socket(api) as ws:
        # THEN an IAM-only subscription is refused with the key, and accepted signed with IAM
        refused = await start(ws, api, "key", "subscription { onIamOnly { id } }")
        assert refused["type"] == "error"
        [error] = refused["payload"]["errors"]
        assert error["errorType"] == "Unauthorized"
        assert error["message"] == "Not Authorized to access onIamOnly on type Subscription"
        assert (await start(ws, api, "iam", "subscription { onIamOnly { id } }", iam=True))["type"] == "start_ack"
        # AND a start without authorization headers is refused
        missing = await start(ws, api, "none", ON_POST, authorization={})
        assert missing["payload"]["errors"] == [
            {"errorType": "UnauthorizedException", "message": "Valid authorization header not provided."}
        ]


async def test_start_ack_data_stop_complete(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        # GIVEN a started subscription
        assert await start(ws, api, "s1", ON_POST) == {"type": "start_ack", "id": "s1"}
        # WHEN a post is published THEN it is delivered in a data frame
        api.save(id="1")
        assert await ws.receive() == {"type": "data", "id": "s1", "payload": {"data": {"onPost": {"id": "1"}}}}
        # WHEN it is stopped THEN the server completes it and delivers nothing more to it
        await ws.send({"type": "stop", "id": "s1"})
        assert await ws.receive() == {"type": "complete", "id": "s1"}
        await start(ws, api, "s2", ON_POST)
        api.save(id="2")
        assert await ws.receive() == {"type": "data", "id": "s2", "payload": {"data": {"onPost": {"id": "2"}}}}
        assert api.subscriptions() == 1


async def test_closing_the_socket_ends_its_subscriptions(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "s1", ON_POST)
        await start(ws, api, "s2", ON_POST)
        assert api.subscriptions() == 2
    await api.wait_for_subscriptions(0)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "subscription { onPost { nope } }",
            "Validation error of type FieldUndefined: Field 'nope' in type 'Post' is undefined @ 'onPost/nope'",
        ),
        ("subscription { onPost(id: 1) }", None),
    ],
)
async def test_invalid_subscriptions_get_validation_errors_and_no_start_ack(
    api: RealtimeApi, query: str, message: str | None
) -> None:
    async with appsync_socket(api) as ws:
        frame = await start(ws, api, "bad", query)
        assert frame["type"] == "error"
        assert frame["id"] == "bad"
        [error] = frame["payload"]["errors"]
        assert error["message"].startswith("Validation error of type")
        assert message is None or error["message"] == message
        assert error["locations"][0]["sourceName"] is None
        # AND the connection stays usable
        assert (await start(ws, api, "good", ON_POST))["type"] == "start_ack"


async def test_queries_and_mutations_are_not_accepted_over_the_socket(api: RealtimeApi) -> None:
    invoked = len(api.handler.events)
    async with appsync_socket(api) as ws:
        for kind, query in (("query", "{ ping }"), ("mutation", "mutation { save(id: 1) { id } }")):
            frame = await start(ws, api, kind, query)
            assert frame["payload"]["errors"] == [
                {"errorType": "UnsupportedOperation", "message": f"{kind} not supported through the realtime channel"}
            ]
        assert len(api.handler.events) == invoked


async def test_a_start_whose_data_is_not_a_json_string_is_unsupported(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await ws.send(
            {
                "id": "obj",
                "type": "start",
                "payload": {"data": {"query": ON_POST}, "extensions": {"authorization": api.api_key_headers()}},
            }
        )
        assert await ws.receive() == {
            "type": "error",
            "id": "obj",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": "unknown not supported through the realtime channel",
                    }
                ]
            },
        }


async def test_a_duplicated_subscription_id_is_refused(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "same", ON_POST)
        assert await start(ws, api, "same", ON_POST) == {
            "type": "error",
            "id": "same",
            "payload": {
                "errors": [{"errorType": "DuplicatedOperationError", "message": "Duplicated operation with id same"}]
            },
        }
        assert api.subscriptions() == 1


async def test_a_connection_holds_at_most_100_subscriptions(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        for number in range(100):
            assert (await start(ws, api, f"s{number}", ON_POST))["type"] == "start_ack"
        refused = await start(ws, api, "s100", ON_POST)
        assert refused["type"] == "error"
        assert refused["payload"]["errors"][0]["errorType"] == "MaxSubscriptionsReachedError"
        # A stop makes room again.
        await ws.send({"type": "stop", "id": "s0"})
        assert (await ws.receive())["type"] == "complete"
        assert (await start(ws, api, "s100", ON_POST))["type"] == "start_ack"


async def test_frames_before_connection_init_are_ignored_but_a_start_opens_the_connection(api: RealtimeApi) -> None:
    url = f"{api.realtime_url}?header={encoded(api.api_key_headers())}&payload=e30="
    async with socket(url, [APPSYNC_PROTOCOL]) as ws:
        await ws.send({"type": "stop", "id": "x"})
        # connection_init is optional in AppSync's protocol: a start authenticates the connection.
        await ws.send(api.start_frame("s", ON_POST))
        assert await ws.receive() == {"type": "start_ack", "id": "s"}
        assert await ws.receive(skip=()) == {"type": "ka"}


async def test_unknown_frames_get_an_error_and_the_connection_stays(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await ws.send({"type": "subscribe", "id": "x"})
        frame = await ws.receive()
        assert (frame["type"], frame["id"]) == ("error", "x")
        assert frame["payload"]["errors"][0]["errorType"] == "UnsupportedOperation"
        await ws.send("not json")
        assert "id" not in await ws.receive()
        assert (await start(ws, api, "s", ON_POST))["type"] == "start_ack"


async def test_a_client_offering_no_known_subprotocol_is_refused(api: RealtimeApi) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with socket(api.realtime_url, ["mqtt"]):
            pass
    assert refused.value.response.status_code == 403


# --- graphql-transport-ws --------------------------------------------------------------------------


async def test_transport_ws_subscribe_next_and_complete(api: RealtimeApi) -> None:
    async with transport_ws_socket(api) as ws:
        assert ws.subprotocol == TRANSPORT_WS_PROTOCOL
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": ON_POST}})
        await api.wait_for_subscriptions(1)
        api.save(id="9")
        assert await ws.receive() == {"id": "1", "type": "next", "payload": {"data": {"onPost": {"id": "9"}}}}
        # WHEN the client completes it THEN it is unregistered (the server sends nothing back)
        await ws.send({"id": "1", "type": "complete"})
        await api.wait_for_subscriptions(0)


async def test_transport_ws_pings_are_answered_and_the_server_pings_too(api: RealtimeApi) -> None:
    async with transport_ws_socket(api) as ws:
        await ws.send({"type": "ping", "payload": {"n": 1}})
        assert await ws.receive(skip=()) == {"type": "pong", "payload": {"n": 1}}
        assert await ws.receive(skip=()) == {"type": "ping"}


async def test_transport_ws_takes_credentials_from_the_init_payload_headers(api: RealtimeApi) -> None:
    async with transport_ws_socket(api, {"headers": {"X-Api-Key": API_KEY}}) as ws:
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": ON_POST}})
        await api.wait_for_subscriptions(1)


async def test_transport_ws_refusals_are_error_messages(api: RealtimeApi) -> None:
    async with transport_ws_socket(api) as ws:
        await ws.send({"id": "v", "type": "subscribe", "payload": {"query": "subscription { onPost { nope } }"}})
        invalid = await ws.receive()
        assert (invalid["type"], invalid["id"]) == ("error", "v")
        assert invalid["payload"][0]["message"].startswith("Validation error of type FieldUndefined")
        await ws.send({"id": "a", "type": "subscribe", "payload": {"query": "subscription { onIamOnly { id } }"}})
        denied = await ws.receive()
        assert denied["payload"][0]["errorType"] == "Unauthorized"
        await ws.send(
            {"id": "r", "type": "subscribe", "payload": {"query": 'subscription { onGuarded(id: "forbidden") { id } }'}}
        )
        assert (await ws.receive())["payload"][0]["errorType"] == "Forbidden"


async def test_transport_ws_answers_queries_and_mutations(api: RealtimeApi) -> None:
    async with transport_ws_socket(api) as ws:
        await ws.send({"id": "q", "type": "subscribe", "payload": {"query": "{ ping }"}})
        assert await ws.receive() == {"id": "q", "type": "next", "payload": {"data": {"ping": "pong"}}}
        assert await ws.receive() == {"id": "q", "type": "complete"}


async def test_transport_ws_subscribe_before_ack_closes_4401(api: RealtimeApi) -> None:
    async with socket(api.ws_url, [TRANSPORT_WS_PROTOCOL]) as ws:
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": ON_POST}})
        assert await ws.closed() == (4401, "Unauthorized")


async def test_transport_ws_bad_credentials_close_4403(api: RealtimeApi) -> None:
    async with socket(api.ws_url, [TRANSPORT_WS_PROTOCOL]) as ws:
        await ws.send({"type": "connection_init", "payload": {"x-api-key": "da2-wrong"}})
        assert await ws.closed() == (4403, "Forbidden")


async def test_transport_ws_a_second_init_closes_4429(api: RealtimeApi) -> None:
    async with transport_ws_socket(api) as ws:
        await ws.send({"type": "connection_init", "payload": {"x-api-key": API_KEY}})
        assert await ws.closed() == (4429, "Too many initialisation requests")


async def test_transport_ws_a_duplicated_id_closes_4409(api: RealtimeApi) -> None:
    async with transport_ws_socket(api) as ws:
        for _ in range(2):
            await ws.send({"id": "1", "type": "subscribe", "payload": {"query": ON_POST}})
        assert await ws.closed() == (4409, "Subscriber for 1 already exists")


@pytest.mark.parametrize("frame", ["not json", json.dumps({"type": "start", "id": "1"}), json.dumps({"id": "1"})])
async def test_transport_ws_invalid_messages_close_4400(api: RealtimeApi, frame: str) -> None:
    async with transport_ws_socket(api) as ws:
        await ws.send(frame)
        assert await ws.closed() == (4400, "Invalid message received")


async def test_transport_ws_without_init_closes_4408() -> None:
    with realtime_api(options=RealtimeOptions(keepalive_seconds=KEEPALIVE_SECONDS, init_timeout_seconds=0.2)) as api:
        async with socket(api.ws_url, [TRANSPORT_WS_PROTOCOL]) as ws:
            assert await ws.closed() == (4408, "Connection initialisation timeout")


async def test_both_protocols_deliver_the_same_event(api: RealtimeApi) -> None:
    async with appsync_socket(api) as appsync, transport_ws_socket(api) as transport_ws:
        await start(appsync, api, "a", ON_POST)
        await transport_ws.send({"id": "t", "type": "subscribe", "payload": {"query": ON_POST}})
        await api.wait_for_subscriptions(2)
        api.save(id="5")
        received = await asyncio.gather(appsync.receive(), transport_ws.receive())
        assert [frame["payload"] for frame in received] == [{"data": {"onPost": {"id": "5"}}}] * 2
