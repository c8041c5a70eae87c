from __future__ import annotations

import copy
import re
import socket
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

from client.auth import CognitoAuth
from client.errors import (
    ConfigError,
    GraphQLErrors,
    HttpError,
    LoginRequired,
    QuerySyntaxError,
    TransportError,
    UnauthorizedError,
)
from client.outputs import AmplifyOutputs
from client.sdk import ApiKeyAuth, IamAuth, JwtAuth, UGCClient

QUERY = "query Channel($username: String!) { channel(username: $username) { id username isLive } }"
AUTH_HEADER = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]{64})"
)


def recompute_signature(recorded: Any, credentials: ReadOnlyCredentials, body: bytes | None = None) -> bool:
    """Verify a captured request's SigV4 signature the way a server would: rebuild the canonical
    request from what arrived, sign it with botocore, and compare."""
    match = AUTH_HEADER.fullmatch(recorded.headers["Authorization"])
    assert match, recorded.headers["Authorization"]
    headers = {name: recorded.headers[name] for name in match["signed"].split(";")}
    request = AWSRequest(
        method=recorded.method,
        url=f"http://{recorded.headers['Host']}{recorded.path}",
        data=recorded.body if body is None else body,
        headers=headers,
    )
    request.context["timestamp"] = recorded.headers["X-Amz-Date"]
    signer = SigV4Auth(credentials, match["service"], match["region"])
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    return signer.signature(string_to_sign, request) == match["signature"]


def test_jwt_auth_sends_the_raw_token_as_appsync_expects(appsync: Any) -> None:
    # GIVEN a client authenticated with a JWT
    with UGCClient(appsync.url, JwtAuth("eyJ.header.sig")) as client:
        # WHEN it sends a query
        client.execute("{ me { id } }")

    # THEN the token is the whole Authorization header (no "Bearer"), and no API key is sent
    assert appsync.last.headers["Authorization"] == "eyJ.header.sig"
    assert "x-api-key" not in appsync.last.headers


def test_a_jwt_provider_is_asked_for_a_token_on_every_request(appsync: Any) -> None:
    # GIVEN a token provider that hands out a new token each time
    tokens = iter(["token-1", "token-2"])
    with UGCClient(appsync.url, JwtAuth(lambda: next(tokens))) as client:
        # WHEN two queries are sent
        client.execute("{ me { id } }")
        client.execute("{ me { id } }")

    # THEN each carried the token current at the time
    assert [r.headers["Authorization"] for r in appsync.requests] == ["token-1", "token-2"]


def test_api_key_auth_sends_x_api_key(appsync: Any) -> None:
    # GIVEN an anonymous client WHEN it queries THEN only x-api-key identifies it
    with UGCClient(appsync.url, ApiKeyAuth("da2-abc")) as client:
        client.execute("{ liveChannels { items { id } } }")
    assert appsync.last.headers["x-api-key"] == "da2-abc"
    assert "Authorization" not in appsync.last.headers


def test_iam_auth_signs_the_request_with_sigv4_for_appsync(appsync: Any) -> None:
    # GIVEN IAM credentials with a session token
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", token="session-token")
    with UGCClient(appsync.url, IamAuth(credentials, "eu-west-1")) as client:
        # WHEN a publisher mutation is sent
        client.execute(
            "mutation P($input: ChannelStateInput!) { publishChannelState(input: $input) { channelId } }",
            {"input": {"channelId": "c1", "isLive": True}},
        )

    # THEN the request carries a SigV4 signature for service appsync in the client's region that
    # botocore reproduces from the request as received, covering host, content type, date and token
    recorded = appsync.last
    match = AUTH_HEADER.fullmatch(recorded.headers["Authorization"])
    assert match
    assert (match["key"], match["region"], match["service"]) == ("AKIDEXAMPLE", "eu-west-1", "appsync")
    assert match["signed"] == "content-type;host;x-amz-date;x-amz-security-token"
    assert recorded.headers["X-Amz-Security-Token"] == "session-token"
    frozen = credentials.get_frozen_credentials()
    assert recompute_signature(recorded, frozen)

    # AND the signature would not survive a changed body or a wrong secret
    assert not recompute_signature(recorded, frozen, body=recorded.body.replace(b"c1", b"c2"))
    wrong = ReadOnlyCredentials("AKIDEXAMPLE", "another-secret", "session-token")
    assert not recompute_signature(recorded, wrong)


def test_execute_sends_the_query_as_written_and_returns_data(appsync: Any) -> None:
    # GIVEN AppSync answers with data
    appsync.reply.body = {"data": {"channel": {"id": "c1", "username": "alice", "isLive": False}}}

    # WHEN a query with variables and an operation name is executed
    with UGCClient(appsync.url, ApiKeyAuth("k")) as client:
        data = client.execute(QUERY, {"username": "alice"}, operation_name="Channel")

    # THEN data is returned, and exactly one request was made: no schema introspection first
    assert data == {"channel": {"id": "c1", "username": "alice", "isLive": False}}
    assert len(appsync.requests) == 1
    sent = appsync.last.json()
    assert sent["variables"] == {"username": "alice"}
    assert sent["operationName"] == "Channel"
    assert "channel(username: $username)" in sent["query"]
    assert "__schema" not in sent["query"]


def test_unknown_fields_are_left_for_the_server_to_judge(appsync: Any) -> None:
    # GIVEN a query with a field no schema has WHEN executed THEN it is sent, not validated locally
    with UGCClient(appsync.url, ApiKeyAuth("k")) as client:
        client.execute("{ fieldTheClientHasNeverHeardOf }")
    assert "fieldTheClientHasNeverHeardOf" in appsync.last.json()["query"]


def test_errors_in_the_body_raise_graphql_errors_with_appsync_details(appsync: Any) -> None:
    # GIVEN AppSync answers with partial data and an error
    error = {
        "path": ["me"],
        "data": None,
        "errorType": "NotProvisioned",
        "errorInfo": None,
        "locations": [{"line": 1, "column": 3, "sourceName": None}],
        "message": "this account has no channel yet; call createResources first",
    }
    appsync.reply.body = {"data": {"me": None, "channel": {"id": "c1"}}, "errors": [error]}

    with UGCClient(appsync.url, JwtAuth("t")) as client:
        # WHEN executed THEN GraphQLErrors carries AppSync's error dicts and the partial data
        with pytest.raises(GraphQLErrors) as raised:
            client.execute('{ me { id } channel(username: "a") { id } }')
        # AND execute_raw returns the same body without raising, for callers who want partial data
        body = client.execute_raw('{ me { id } channel(username: "a") { id } }')

    assert raised.value.error_types == ["NotProvisioned"]
    assert raised.value.errors[0]["path"] == ["me"]
    assert raised.value.data == {"me": None, "channel": {"id": "c1"}}
    assert str(raised.value) == "NotProvisioned: this account has no channel yet; call createResources first"
    assert body == appsync.reply.body


def test_a_401_is_an_unauthorized_error_not_a_query_error(appsync: Any) -> None:
    # GIVEN AppSync refuses the credentials the way it does: 401 with an errors body
    appsync.reply.status = 401
    appsync.reply.body = {
        "errors": [{"errorType": "UnauthorizedException", "message": "You are not authorized to make this call."}]
    }

    # WHEN a query is sent (even via execute_raw) THEN it raises UnauthorizedError with AppSync's words
    with UGCClient(appsync.url, JwtAuth("expired")) as client, pytest.raises(UnauthorizedError) as raised:
        client.execute_raw("{ me { id } }")
    assert raised.value.status == 401
    assert raised.value.errors[0]["errorType"] == "UnauthorizedException"
    assert "UnauthorizedException: You are not authorized" in str(raised.value)


def test_http_failures_without_a_graphql_body_are_http_or_transport_errors(appsync: Any) -> None:
    with UGCClient(appsync.url, ApiKeyAuth("k")) as client:
        # GIVEN a gateway error page WHEN queried THEN HttpError with the status
        appsync.reply.status, appsync.reply.body = 502, "<html>Bad Gateway</html>"
        with pytest.raises(HttpError) as raised:
            client.execute("{ ok }")
        assert raised.value.status == 502

        # GIVEN a 200 that is not GraphQL WHEN queried THEN TransportError
        appsync.reply.status, appsync.reply.body = 200, {"hello": "world"}
        with pytest.raises(TransportError, match="did not answer with a GraphQL response"):
            client.execute("{ ok }")


def test_an_unreachable_server_is_a_transport_error() -> None:
    # GIVEN a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    # WHEN queried THEN TransportError names the URL
    url = f"http://127.0.0.1:{port}/graphql"
    with (
        UGCClient(url, ApiKeyAuth("k")) as client,
        pytest.raises(TransportError, match=rf"cannot reach {re.escape(url)} \(is the stack running\?"),
    ):
        client.execute("{ ok }")


def test_a_syntax_error_is_reported_before_anything_is_sent(appsync: Any) -> None:
    client = UGCClient(appsync.url, ApiKeyAuth("k"))
    with client, pytest.raises(QuerySyntaxError, match=r"Syntax Error.*\(line 1, column \d+\)"):
        client.execute("{ channel(username: ")
    assert appsync.requests == []


def test_for_user_sends_the_cached_id_token(outputs: AmplifyOutputs, cognito: Any, appsync: Any) -> None:
    # GIVEN alice ran `ugc login`
    session = CognitoAuth(outputs).sign_in("alice", cognito.password)

    # WHEN a client for alice queries
    with UGCClient.for_user(outputs, "alice") as client:
        client.execute("{ me { id } }")

    # THEN her id token authenticates the request
    assert appsync.last.headers["Authorization"] == session.tokens.id_token


def test_for_user_without_a_session_fails_at_once(outputs: AmplifyOutputs, appsync: Any) -> None:
    # GIVEN nobody signed in WHEN a client for alice is made THEN it says to log in, sending nothing
    with pytest.raises(LoginRequired, match="ugc login alice"):
        UGCClient.for_user(outputs, "alice")
    assert appsync.requests == []


def test_a_session_lost_between_requests_surfaces_as_login_required(
    outputs: AmplifyOutputs, cognito: Any, appsync: Any
) -> None:
    # GIVEN a client for alice, whose session is then signed out by another process
    CognitoAuth(outputs).sign_in("alice", cognito.password)
    client = UGCClient.for_user(outputs, "alice")
    CognitoAuth(outputs).cache.remove(cognito.user_pool_id, "alice")

    # WHEN it queries THEN the auth error comes through as itself, not as a connection failure
    with client, pytest.raises(LoginRequired):
        client.execute("{ me { id } }")
    assert appsync.requests == []


def test_anonymous_uses_the_stacks_api_key(outputs: AmplifyOutputs, appsync: Any) -> None:
    with UGCClient.anonymous(outputs) as client:
        client.execute("{ liveChannels { items { id } } }")
    assert appsync.last.headers["x-api-key"] == outputs.data.api_key


def test_anonymous_without_an_api_key_is_a_config_error(outputs_doc: dict) -> None:
    document = copy.deepcopy(outputs_doc)
    del document["data"]["api_key"]
    with pytest.raises(ConfigError, match=r"data\.api_key is missing"):
        UGCClient.anonymous(AmplifyOutputs.from_dict(document))


def test_with_iam_signs_with_the_local_stacks_credentials(outputs: AmplifyOutputs, appsync: Any) -> None:
    # GIVEN the local stack's outputs, which name the credentials it accepts
    assert outputs.local_credentials is not None

    # WHEN an IAM client queries
    with UGCClient.with_iam(outputs) as client:
        client.execute("{ ok }")

    # THEN the signature verifies against exactly those credentials
    local = ReadOnlyCredentials(
        outputs.local_credentials.access_key_id, outputs.local_credentials.secret_access_key, None
    )
    assert recompute_signature(appsync.last, local)


def test_with_iam_and_no_credentials_anywhere_is_a_config_error(outputs_doc: dict) -> None:
    # GIVEN a deployed stack's outputs and no AWS credentials in the environment
    document = copy.deepcopy(outputs_doc)
    del document["custom"]

    # WHEN an IAM client is made THEN the error says credentials are missing
    with pytest.raises(ConfigError, match="no AWS credentials"):
        UGCClient.with_iam(AmplifyOutputs.from_dict(document))
