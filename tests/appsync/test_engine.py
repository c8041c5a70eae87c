"""The local AppSync engine against a small SDL: events, errors, auth rules and batching as AppSync does them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from emulator.appsync.engine import AppSyncEngine, EngineOptions
from emulator.appsync.events import AuthContext, RequestInfo
from emulator.appsync.invoke import InProcessInvoker
from emulator.appsync.model import ApiModel, AuthMode, Resolver, SchemaError

SDL = """
type Post @aws_api_key @aws_cognito_user_pools {
  id: ID!
  title: String
  ups: Int
  secret: String @aws_cognito_user_pools
  meta: AWSJSON
  author: Author
  related: [Post!]
  comments(limit: Int): [Comment!]!
}
type Author { name: String! }
type Comment @aws_api_key @aws_cognito_user_pools { text: String! }
type Query {
  getPost(id: ID!, tag: String): Post @aws_api_key @aws_cognito_user_pools
  posts: [Post!]! @aws_api_key @aws_cognito_user_pools
  strict: Post! @aws_api_key
  admins: String @aws_cognito_user_pools(cognito_groups: ["admin"])
}
type Mutation {
  save(meta: AWSJSON, at: AWSDateTime): Post @aws_api_key
}
type Subscription {
  onSave: Post @aws_subscribe(mutations: ["save"]) @aws_api_key
}
"""

API_KEY = AuthContext(mode=AuthMode.API_KEY)
USER = AuthContext(
    mode=AuthMode.AMAZON_COGNITO_USER_POOLS, identity={"sub": "u-1", "claims": {"sub": "u-1"}}, groups=("staff",)
)


class NoTodo(Exception):
    pass


class UnauthorizedException(Exception):
    pass


class Handler:
    """A real Lambda handler that records what AppSync sent it."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, event: Any, _context: Any) -> Any:
        self.events.append(event)
        if isinstance(event, list):
            return self.batch(event)
        field = event["info"]["fieldName"]
        args = event["arguments"]
        if field == "getPost":
            if args["id"] == "missing":
                raise NoTodo("no post missing")
            if args["id"] == "denied":
                raise UnauthorizedException("internal detail")
            author = {"name": "Ann"} if args["id"] == "authored" else None
            return {"id": args["id"], "title": "Hi", "ups": 3, "secret": "s", "author": author, "hidden": "raw"}
        if field == "posts":
            return [{"id": str(i), "title": f"P{i}"} for i in range(3)]
        if field == "strict":
            return None
        if field == "save":
            return {"id": "p9", "meta": args.get("meta"), "title": args.get("at")}
        if field == "admins":
            return "secret admins"
        raise AssertionError(field)

    def batch(self, events: list[dict[str, Any]]) -> Any:
        ids = [e["source"]["id"] for e in events]
        if "boom" in ids:
            raise ValueError("batch exploded")
        if "short" in ids:
            return []
        return [
            {"data": None, "errorMessage": f"post {i} has none", "errorType": "NotFound"}
            if i == "1"
            else [{"id": f"{i}-r"}]
            for i in ids
        ]


def make_engine() -> tuple[AppSyncEngine, Handler]:
    handler = Handler()
    resolvers = {
        ("Query", "getPost"): Resolver("fn"),
        ("Query", "posts"): Resolver("fn"),
        ("Query", "strict"): Resolver("fn"),
        ("Query", "admins"): Resolver("fn"),
        ("Mutation", "save"): Resolver("fn"),
        ("Post", "related"): Resolver("fn", max_batch_size=2),
    }
    model = ApiModel(SDL, resolvers, AuthMode.AMAZON_COGNITO_USER_POOLS, (AuthMode.API_KEY, AuthMode.AWS_IAM))
    return AppSyncEngine(model, InProcessInvoker({"fn": handler})), handler


async def run(query: str, variables: dict[str, Any] | None = None, auth: AuthContext = USER) -> tuple[int, Any]:
    engine, _ = make_engine()
    response = await engine.execute(query, variables, None, auth, RequestInfo(headers={"x-api-key": "k"}))
    return response.status, response.body


async def test_event_info_uses_aliases_flattens_fragments_and_prints_the_sub_selection() -> None:
    # GIVEN a query with an alias, a nested field with arguments and a named fragment
    engine, handler = make_engine()
    query = (
        "query Q($id: ID!) { p: getPost(id: $id) { id t: title comments(limit: 2) { text } ...Extra } }"
        " fragment Extra on Post { ups }"
    )
    # WHEN it runs
    await engine.execute(query, {"id": "x"}, None, USER, RequestInfo(headers={"authorization": "jwt"}))
    # THEN the Lambda event carries AppSync's info, arguments, identity and request
    event = handler.events[0]
    assert event["info"] == {
        "fieldName": "getPost",
        "parentTypeName": "Query",
        "variables": {"id": "x"},
        "selectionSetList": ["id", "t", "comments", "comments/text", "ups"],
        "selectionSetGraphQL": "{\n  id\n  t: title\n  comments(limit: 2) {\n    text\n  }\n  ...Extra\n}",
    }
    assert event["arguments"] == {"id": "x"}
    assert event["identity"] == USER.identity
    assert event["source"] is None
    assert event["request"] == {"headers": {"authorization": "jwt"}, "domainName": None}
    assert event["prev"] is None
    assert event["stash"] == {}


async def test_an_argument_bound_to_an_unsent_variable_arrives_as_null() -> None:
    engine, handler = make_engine()
    await engine.execute(
        "query Q($id: ID!, $tag: String) { getPost(id: $id, tag: $tag) { id } }", {"id": "x"}, None, USER, RequestInfo()
    )
    assert handler.events[0]["arguments"] == {"id": "x", "tag": None}


async def test_a_lambda_exception_becomes_an_error_named_after_its_class() -> None:
    status, body = await run('{ getPost(id: "missing") { id } }')
    assert status == 200
    assert body["data"] == {"getPost": None}
    assert body["errors"] == [
        {
            "path": ["getPost"],
            "data": None,
            "errorType": "NoTodo",
            "errorInfo": None,
            "locations": [{"line": 1, "column": 3, "sourceName": None}],
            "message": "no post missing",
        }
    ]


async def test_unauthorized_exception_messages_are_replaced() -> None:
    _, body = await run('{ getPost(id: "denied") { id } }')
    assert body["errors"][0]["errorType"] == "UnauthorizedException"
    assert body["errors"][0]["message"] == "You are not authorized to make this call."


async def test_null_for_a_non_null_field_bubbles_up_with_appsyncs_message() -> None:
    status, body = await run("{ strict { id } }", auth=API_KEY)
    assert status == 200
    assert body["data"] is None
    assert body["errors"] == [
        {
            "path": ["strict"],
            "locations": None,
            "message": "Cannot return null for non-nullable type: 'Post' within parent 'Query' (/strict)",
        }
    ]


async def test_a_field_the_mode_may_not_read_is_null_with_an_unauthorized_error_and_siblings_resolve() -> None:
    # GIVEN an API-key caller; Post.secret is user-pools only
    status, body = await run('{ getPost(id: "1") { id secret } }', auth=API_KEY)
    # THEN the root resolved, the denied field is null with AppSync's error, HTTP 200
    assert status == 200
    assert body["data"] == {"getPost": {"id": "1", "secret": None}}
    assert body["errors"][0]["errorType"] == "Unauthorized"
    assert body["errors"][0]["message"] == "Not Authorized to access secret on type Post"
    assert body["errors"][0]["path"] == ["getPost", "secret"]


async def test_a_denied_root_field_never_invokes_its_lambda() -> None:
    engine, handler = make_engine()
    api_key_only = AuthContext(mode=AuthMode.AWS_IAM, identity={"userArn": "x"})
    response = await engine.execute('{ getPost(id: "1") { id } }', None, None, api_key_only, RequestInfo())
    assert response.body["data"] == {"getPost": None}
    assert response.body["errors"][0]["message"] == "Not Authorized to access getPost on type Query"
    assert handler.events == []


async def test_types_without_directives_fall_back_to_the_default_mode() -> None:
    # Author has no directive: the default (user pools) alone may read it, not the API key.
    engine, _handler = make_engine()
    handler_result = await engine.execute('{ getPost(id: "1") { author { name } } }', None, None, USER, RequestInfo())
    assert "errors" not in handler_result.body


async def test_cognito_groups_restrict_user_pool_callers() -> None:
    _, body = await run("{ admins }")
    assert body["errors"][0]["errorType"] == "Unauthorized"
    admin = AuthContext(mode=AuthMode.AMAZON_COGNITO_USER_POOLS, identity={"sub": "a"}, groups=("admin",))
    _, body = await run("{ admins }", auth=admin)
    assert body == {"data": {"admins": "secret admins"}}


async def test_a_batched_field_is_one_invoke_per_chunk_with_envelopes_per_item() -> None:
    # GIVEN three posts whose `related` field is batched two at a time
    engine, handler = make_engine()
    response = await engine.execute("{ posts { id related { id } } }", None, None, USER, RequestInfo())
    # THEN two invokes (2 + 1 events), items in order, an enveloped error on its own item
    batches = [e for e in handler.events if isinstance(e, list)]
    assert [len(b) for b in batches] == [2, 1]
    assert batches[0][0]["source"] == {"id": "0", "title": "P0"}
    posts = response.body["data"]["posts"]
    assert posts[0]["related"] == [{"id": "0-r"}]
    assert posts[1]["related"] is None
    assert posts[2]["related"] == [{"id": "2-r"}]
    error = response.body["errors"][0]
    assert (error["path"], error["errorType"], error["message"]) == (
        ["posts", 1, "related"],
        "NotFound",
        "post 1 has none",
    )


async def test_an_exception_in_a_batch_fails_every_item() -> None:
    engine, _ = make_engine()
    handler = Handler()
    handler.batch = lambda events: (_ for _ in ()).throw(ValueError("batch exploded"))  # type: ignore[method-assign]
    engine.invoker = InProcessInvoker({"fn": handler})
    response = await engine.execute("{ posts { id related { id } } }", None, None, USER, RequestInfo())
    errors = response.body["errors"]
    assert len(errors) == 3
    assert {e["errorType"] for e in errors} == {"ValueError"}


async def test_awsjson_arguments_arrive_parsed_and_results_leave_as_strings() -> None:
    status, body = await run(
        'mutation M($m: AWSJSON) { save(meta: $m, at: "2020-01-01T00:00+00:00") { meta title } }',
        {"m": '{"a": [1, 2]}'},
        auth=API_KEY,
    )
    assert status == 200
    assert body["data"]["save"]["meta"] == '{"a":[1,2]}'
    assert body["data"]["save"]["title"] == "2020-01-01T00:00+00:00"


@pytest.mark.parametrize("value", ["2020-01-01T00:00:00", "2020-01-01T00:00:00+0800", "yesterday"])
async def test_awsdatetime_requires_an_offset_with_a_colon(value: str) -> None:
    status, body = await run("mutation M($at: AWSDateTime) { save(at: $at) { id } }", {"at": value}, auth=API_KEY)
    assert status == 200
    assert body["data"] is None
    assert "errorType" not in body["errors"][0]


async def test_validation_errors_use_appsyncs_wording_and_shape() -> None:
    status, body = await run("{ getPost(id: 1) { nope } }")
    assert status == 200
    assert body["data"] is None
    assert body["errors"] == [
        {
            "path": None,
            "locations": [{"line": 1, "column": 20, "sourceName": None}],
            "message": "Validation error of type FieldUndefined: Field 'nope' in type 'Post' is undefined @ 'getPost/nope'",
        }
    ]


async def test_a_missing_required_argument_is_a_validation_error() -> None:
    _, body = await run("{ getPost { id } }")
    assert body["errors"][0]["message"].startswith("Validation error of type MissingFieldArgument:")


async def test_syntax_errors_are_rejected_as_malformed_requests() -> None:
    status, body = await run("{ getPost(")
    assert status == 400
    assert body == {
        "errors": [{"errorType": "MalformedHttpRequestException", "message": "Unable to parse GraphQL query."}]
    }


async def test_a_query_sent_again_is_answered_afresh_from_its_one_parsed_document() -> None:
    # Documents are kept by query text (a thousand subscribers of one subscription share one), so each
    # request must still get its own answer, and what a caller does to one answer never reaches the next.
    engine, handler = make_engine()
    query = "query Q($id: ID!) { getPost(id: $id) { id title } }"
    first = await engine.execute(query, {"id": "a"}, None, USER, RequestInfo(headers={}))
    second = await engine.execute(query, {"id": "b"}, None, USER, RequestInfo(headers={}))
    assert first.body == {"data": {"getPost": {"id": "a", "title": "Hi"}}}
    assert second.body == {"data": {"getPost": {"id": "b", "title": "Hi"}}}
    assert [e["arguments"] for e in handler.events] == [{"id": "a"}, {"id": "b"}]
    assert engine.operation(query, None)[0] is engine.operation(query, None)[0]

    invalid = "{ getPost(id: 1) { nope } }"
    refused = await engine.execute(invalid, None, None, USER, RequestInfo(headers={}))
    expected = copy.deepcopy(refused.body)
    refused.body["errors"][0]["locations"].clear()
    again = await engine.execute(invalid, None, None, USER, RequestInfo(headers={}))
    assert again.body == expected and expected["errors"][0]["locations"]
    for _ in range(2):
        assert (await engine.execute("{ getPost(", None, None, USER, RequestInfo(headers={}))).status == 400


async def test_subscriptions_are_refused_over_http() -> None:
    status, body = await run("subscription { onSave { id } }", auth=API_KEY)
    assert status == 200
    assert body["data"] is None
    assert "real-time endpoint" in body["errors"][0]["message"]


async def test_top_level_mutations_run_one_after_another() -> None:
    engine, handler = make_engine()
    await engine.execute(
        'mutation { a: save(meta: "1") { id } b: save(meta: "2") { id } }', None, None, API_KEY, RequestInfo()
    )
    assert [e["arguments"]["meta"] for e in handler.events] == [1, 2]


@pytest.mark.parametrize(
    "sdl",
    [
        "scalar AWSDateTime\ntype Query { a: Int }",
        "scalar Money\ntype Query { a: Int }",
        "directive @aws_iam on FIELD_DEFINITION\ntype Query { a: Int }",
    ],
)
def test_schemas_appsync_would_refuse_are_refused(sdl: str) -> None:
    with pytest.raises(SchemaError):
        ApiModel(sdl, {}, AuthMode.API_KEY)


LOCAL_SDL = """
type Post @aws_api_key @aws_iam { id: ID! title: String meta: AWSJSON }
input PostInput { id: ID! title: String meta: AWSJSON }
type Query { ping: String @aws_api_key }
type Mutation { publish(input: PostInput!): Post @aws_iam }
"""


async def test_a_local_resolver_returns_its_argument_without_invoking_a_lambda() -> None:
    # GIVEN a mutation with a local resolver (NONE data source), and no Lambda at all
    handler = Handler()
    model = ApiModel(
        LOCAL_SDL, {("Mutation", "publish"): Resolver(returns_argument="input")}, AuthMode.API_KEY, (AuthMode.AWS_IAM,)
    )
    engine = AppSyncEngine(model, InProcessInvoker({"fn": handler}))
    iam = AuthContext(mode=AuthMode.AWS_IAM)

    # WHEN it is called, with the argument partly from a variable
    response = await engine.execute(
        'mutation P($m: AWSJSON) { publish(input: { id: "p1", meta: $m }) { id title meta } }',
        {"m": '{"a": 1}'},
        None,
        iam,
        RequestInfo(),
    )

    # THEN the result is the argument as sent (unset fields null), and no Lambda ran
    assert response.status == 200
    assert response.body == {"data": {"publish": {"id": "p1", "title": None, "meta": '{"a":1}'}}}
    assert handler.events == []


def test_a_local_resolver_must_name_an_argument_of_its_field() -> None:
    with pytest.raises(SchemaError, match="no argument 'payload'"):
        ApiModel(LOCAL_SDL, {("Mutation", "publish"): Resolver(returns_argument="payload")}, AuthMode.API_KEY)
    with pytest.raises(SchemaError, match="neither a function nor an argument"):
        ApiModel(LOCAL_SDL, {("Mutation", "publish"): Resolver()}, AuthMode.API_KEY)


async def test_fields_deeper_than_the_depth_limit_fail_and_the_rest_of_the_operation_runs() -> None:
    # GIVEN an API whose depth limit is 2
    engine, handler = make_engine()
    engine = AppSyncEngine(engine.model, InProcessInvoker({"fn": handler}), EngineOptions(query_depth_limit=2))
    # WHEN a query asks a field at depth 3 beside fields at depth 2
    response = await engine.execute(
        '{ getPost(id: "authored") { id author { name } } }', None, None, USER, RequestInfo(headers={})
    )
    # THEN the deep field fails with the limit (its nullable parent is null), the others resolve
    assert response.body["data"] == {"getPost": {"id": "authored", "author": None}}
    (error,) = response.body["errors"]
    assert (error["errorType"], error["path"]) == ("QueryDepthLimitExceeded", ["getPost", "author", "name"])
    assert error["message"] == "Query depth limit of 2 exceeded."


async def test_past_the_resolver_count_limit_no_resolver_runs() -> None:
    # GIVEN an API that allows 3 resolvers a request
    engine, handler = make_engine()
    engine = AppSyncEngine(engine.model, InProcessInvoker({"fn": handler}), EngineOptions(resolver_count_limit=3))
    # WHEN a query asks 5 aliases of a resolved field
    query = "{ " + " ".join(f'p{i}: getPost(id: "{i}") {{ id }}' for i in range(5)) + " }"
    response = await engine.execute(query, None, None, USER, RequestInfo(headers={}))
    # THEN 3 ran, the last 2 failed with the limit, and their Lambda was never invoked
    assert len(handler.events) == 3
    data = response.body["data"]
    assert [data[f"p{i}"] is None for i in range(5)] == [False, False, False, True, True]
    assert {(e["errorType"], e["message"]) for e in response.body["errors"]} == {
        ("ResolverCountLimitExceeded", "Resolver count limit of 3 exceeded.")
    }


async def test_each_item_of_a_batched_field_counts_as_one_resolver() -> None:
    # GIVEN a limit of 3: `posts` (1) and `related` batched over its 3 posts (3) make 4
    engine, handler = make_engine()
    engine = AppSyncEngine(engine.model, InProcessInvoker({"fn": handler}), EngineOptions(resolver_count_limit=3))
    response = await engine.execute("{ posts { id related { id } } }", None, None, USER, RequestInfo(headers={}))
    # THEN the third post's `related` is refused
    assert [e["path"] for e in response.body["errors"] if e["errorType"] == "ResolverCountLimitExceeded"] == [
        ["posts", 2, "related"]
    ]
