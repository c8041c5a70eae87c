"""`@aws_subscribe` on the generic local AppSync, over real sockets: what a mutation publishes, which
subscribers receive it, and the shape each one gets (a small SDL, see realtime_app.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from emulator.appsync.model import ApiModel, AuthMode, SchemaError
from tests.appsync.realtime_app import RealtimeApi, appsync_socket, start

ON_POST = "subscription { onPost { id title } }"


def data(frame: dict[str, Any], subscription_id: str) -> dict[str, Any]:
    assert frame["type"] == "data", frame
    assert frame["id"] == subscription_id
    payload: dict[str, Any] = frame["payload"]
    return payload


async def test_a_subscriber_gets_its_own_selection_with_nulls_for_what_the_mutation_did_not_select(
    api: RealtimeApi,
) -> None:
    # GIVEN a subscriber selecting fields (nested too) that the mutation will not select
    async with appsync_socket(api) as ws:
        await start(ws, api, "s", "subscription { onPost { id title ups author { name bio } } }")
        # WHEN the mutation selects only some of them
        api.save("{ id title author { name } }", id="1", title="Hi", ups=5)
        # THEN the subscriber gets the published values, and null (no error) for the others
        assert data(await ws.receive(), "s") == {
            "data": {"onPost": {"id": "1", "title": "Hi", "ups": None, "author": {"name": "ann", "bio": None}}}
        }


async def test_a_non_null_field_the_mutation_did_not_select_is_a_non_null_error(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "s", "subscription { onPost { id score } }")
        api.save("{ id }", id="1", score=3)
        assert data(await ws.receive(), "s") == {
            "data": {"onPost": None},
            "errors": [
                {
                    "path": ["onPost", "score"],
                    "locations": None,
                    "message": "Cannot return null for non-nullable type: 'Int' within parent 'Post' (/onPost/score)",
                }
            ],
        }


async def test_mutation_aliases_publish_under_schema_field_names(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "s", "subscription { onPost { id title author { name } } }")
        # WHEN the mutation aliases every field it selects
        api.mutate('mutation { save(id: 1, title: "Hi") { i: id t: title who: author { n: name } } }')
        # THEN subscribers still get them by their schema names
        assert data(await ws.receive(), "s")["data"] == {
            "onPost": {"id": "1", "title": "Hi", "author": {"name": "ann"}}
        }


async def test_each_aliased_mutation_field_publishes_in_execution_order(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "s", "subscription { onPost { id } }")
        api.mutate("mutation { a: save(id: 1) { id } b: save(id: 2) { id } }")
        received = [data(await ws.receive(), "s")["data"]["onPost"]["id"] for _ in range(2)]
        assert received == ["1", "2"]


async def test_the_data_key_is_the_subscribers_alias(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "s", "subscription { post: onPost { key: id __typename } }")
        api.save(id="7")
        assert data(await ws.receive(), "s")["data"] == {"post": {"key": "7", "__typename": "Post"}}


async def test_argument_filters_are_anded_equalities_with_ids_compared_as_strings(api: RealtimeApi) -> None:
    # GIVEN a subscriber filtering on an ID and an Int
    async with appsync_socket(api) as ws:
        answer = await start(
            ws,
            api,
            "s",
            "subscription S($id: ID, $ups: Int) { onPost(id: $id, ups: $ups) { id ups } }",
            {"id": 1, "ups": 2},
        )
        assert answer["type"] == "start_ack"
        # WHEN posts that match one argument, the other, and both are published
        api.save("{ id ups }", id="1", ups=3)
        api.save("{ id ups }", id="2", ups=2)
        api.save("{ id ups }", id="1", ups=2)
        api.save("{ id ups }", id="9", ups=9)
        # THEN only the one matching both arrives
        assert data(await ws.receive(), "s")["data"] == {"onPost": {"id": "1", "ups": 2}}
        await ws.send({"type": "stop", "id": "s"})
        assert await ws.receive() == {"type": "complete", "id": "s"}


async def test_an_omitted_argument_does_not_filter_and_an_explicit_null_matches_null(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "null", "subscription { onPost(title: null) { id } }")
        await start(ws, api, "unsent", "subscription S($t: String) { onPost(title: $t) { id } }")
        await start(ws, api, "omitted", "subscription { onPost { id } }")
        api.save("{ id title }", id="1", title="Hi")
        api.save("{ id title }", id="2")
        frames = [await ws.receive() for _ in range(5)]
        received = sorted((f["id"], f["payload"]["data"]["onPost"]["id"]) for f in frames)
        # A variable the client did not send leaves the argument out, so it does not filter either.
        assert received == [("null", "2"), ("omitted", "1"), ("omitted", "2"), ("unsent", "1"), ("unsent", "2")]


async def test_filters_see_only_what_the_mutation_selected(api: RealtimeApi) -> None:
    # GIVEN subscribers filtering on the title
    async with appsync_socket(api) as ws:
        await start(ws, api, "titled", 'subscription { onPost(title: "Hi") { id } }')
        await start(ws, api, "untitled", "subscription { onPost(title: null) { id } }")
        # WHEN a mutation with that title does not select it
        api.save("{ id }", id="1", title="Hi")
        # THEN to the filters the title is missing: only the null filter matches
        assert (await ws.receive())["id"] == "untitled"
        api.save("{ id title }", id="2", title="Hi")
        assert (await ws.receive())["id"] == "titled"


async def test_enum_arguments_filter_by_value_name(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "s", "subscription { onPost(state: LIVE) { id state } }")
        api.mutate("mutation { save(id: 1, state: DRAFT) { id state } }")
        api.mutate("mutation { save(id: 2, state: LIVE) { id state } }")
        assert data(await ws.receive(), "s")["data"] == {"onPost": {"id": "2", "state": "LIVE"}}


async def test_fields_are_authorized_for_each_subscribers_own_mode(api: RealtimeApi) -> None:
    # GIVEN an API-key and an IAM subscriber; `secret` is IAM-only
    async with appsync_socket(api) as ws:
        await start(ws, api, "key", "subscription { onPost { id secret } }")
        await start(ws, api, "iam", "subscription { onPost { id secret } }", iam=True)
        # WHEN an IAM caller publishes a post with its secret
        body = json.dumps({"query": "mutation { save(id: 1) { id secret } }"})
        response = httpx.post(
            api.graphql_url, content=body, headers={**api.iam_headers("/graphql", body), "host": api.host}
        )
        assert response.json() == {"data": {"save": {"id": "1", "secret": "s3cret"}}}
        frames = {f["id"]: f["payload"] for f in [await ws.receive(), await ws.receive()]}
        # THEN the IAM subscriber reads it, the API-key one gets AppSync's Unauthorized null
        assert frames["iam"] == {"data": {"onPost": {"id": "1", "secret": "s3cret"}}}
        assert frames["key"]["data"] == {"onPost": {"id": "1", "secret": None}}
        [error] = frames["key"]["errors"]
        assert error["errorType"] == "Unauthorized"
        assert error["message"] == "Not Authorized to access secret on type Post"
        assert error["path"] == ["onPost", "secret"]


async def test_a_mutation_that_failed_publishes_nothing(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        await start(ws, api, "s", ON_POST)
        # WHEN a listened-to mutation fails, then another succeeds
        failed = api.mutate("mutation { fail(id: 1) { id } }")
        assert failed["errors"][0]["errorType"] == "NotSaved"
        api.save(id="2")
        # THEN the first thing delivered is the success
        assert data(await ws.receive(), "s")["data"] == {"onPost": {"id": "2", "title": None}}


async def test_messages_over_240_kb_are_not_delivered(api: RealtimeApi) -> None:
    # GIVEN one subscriber selecting a big field and one selecting only the id
    async with appsync_socket(api) as ws:
        await start(ws, api, "title", ON_POST)
        await start(ws, api, "id", "subscription { onPost { id } }")
        # WHEN a post whose title alone is over 240 KB is published, then a small one
        api.save("{ id title }", id="big", title="x" * (240 * 1024))
        api.save("{ id title }", id="small", title="x")
        received = [(f["id"], f["payload"]["data"]["onPost"]["id"]) for f in [await ws.receive() for _ in range(3)]]
        # THEN the big message is dropped, and each subscriber's smaller messages still arrive in order
        assert sorted(received) == [("id", "big"), ("id", "small"), ("title", "small")]


async def test_the_subscribe_time_resolver_gets_the_appsync_event_and_can_refuse(api: RealtimeApi) -> None:
    async with appsync_socket(api) as ws:
        # WHEN a subscription with a Lambda resolver starts
        assert (await start(ws, api, "ok", 'subscription { onGuarded(id: "p1") { id title } }'))["type"] == "start_ack"
        # THEN the Lambda got the AppSync event of a Subscription field
        event = api.handler.events[-1]
        assert event["info"]["parentTypeName"] == "Subscription"
        assert event["info"]["fieldName"] == "onGuarded"
        assert event["info"]["selectionSetList"] == ["id", "title"]
        assert event["arguments"] == {"id": "p1"}
        assert event["identity"] is None
        assert event["source"] is None
        assert event["request"]["headers"]["x-api-key"]
        # AND a resolver that raises refuses the subscription with its error, and no start_ack
        refused = await start(ws, api, "no", 'subscription { onGuarded(id: "forbidden") { id } }')
        assert refused["type"] == "error"
        assert refused["id"] == "no"
        [error] = refused["payload"]["errors"]
        assert (error["errorType"], error["message"], error["path"]) == ("Forbidden", "not your post", ["onGuarded"])
        assert api.subscriptions("onGuarded") == 1


SUBSCRIBE_SDL = """
type Post {{ id: ID! }}
type Note {{ id: ID! }}
type Query {{ a: Int }}
type Mutation {{ save: Post note: Note }}
type Subscription {{ {field} }}
"""


@pytest.mark.parametrize(
    "field",
    [
        'onPost: Post @aws_subscribe(mutations: ["nope"])',
        'onPost: Post @aws_subscribe(mutations: ["note"])',
        "onPost: Post @aws_subscribe(mutations: 3)",
    ],
)
def test_subscriptions_appsync_would_refuse_are_refused_at_load(field: str) -> None:
    with pytest.raises(SchemaError):
        ApiModel(SUBSCRIBE_SDL.format(field=field), {}, AuthMode.API_KEY)


def test_only_subscription_fields_may_subscribe() -> None:
    sdl = (
        'type Query { a: Post @aws_subscribe(mutations: ["save"]) }\ntype Post { id: ID }\ntype Mutation { save: Post }'
    )
    with pytest.raises(SchemaError):
        ApiModel(sdl, {}, AuthMode.API_KEY)


def test_a_subscription_listens_to_each_mutation_it_names() -> None:
    model = ApiModel(
        SUBSCRIBE_SDL.format(field='onPost: Post! @aws_subscribe(mutations: ["save"]) other: Note'),
        {},
        AuthMode.API_KEY,
    )
    assert model.triggers == {"onPost": ("save",)}
    assert model.listeners("save") == ("onPost",)
    assert model.listeners("note") == ()
