"""The local AppSync over HTTP: AppSync's auth modes, status codes, bodies and headers."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from importlib import resources as package_files
from typing import Any

import httpx
import jwt
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.clients import client
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import Api, http_api

ME = {"query": "{ me { id username } }"}


@pytest.fixture(scope="module")
def api(local_aws: LocalAwsServer) -> Iterator[Api]:
    with http_api(bootstrap(local_aws.endpoint, name_prefix="http-auth")) as deployed:
        yield deployed


@pytest.fixture(scope="module")
def alice(api: Api) -> str:
    return api.user("alice")


def post(api: Api, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.post(
        api.stack.graphql_url, content=content, headers={"content-type": "application/json", **(headers or {})}
    )


def pool_signed(claims: dict[str, Any]) -> str:
    """A token signed with the local pool's own key (moto's), to test claims the pool would not issue."""
    packed = package_files.files("moto.cognitoidp").joinpath("resources/jwks-private.json.gz").read_bytes()
    jwk = json.loads(gzip.decompress(packed))
    key = jwk["keys"][0] if "keys" in jwk else jwk
    return jwt.encode(claims, jwt.PyJWK(key).key, algorithm="RS256", headers={"kid": "dummy"})


def claims_for(api: Api, user: str, **changes: Any) -> dict[str, Any]:
    claims = jwt.decode(api.tokens[user], options={"verify_signature": False})
    return {**claims, **changes}


def assert_unauthorized(response: httpx.Response, message: str) -> None:
    assert response.status_code == 401
    assert response.json() == {"errors": [{"errorType": "UnauthorizedException", "message": message}]}
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_a_request_without_credentials_is_refused(api: Api) -> None:
    assert_unauthorized(post(api, ME), "Valid authorization header not provided.")


def test_an_unknown_api_key_is_refused(api: Api) -> None:
    assert_unauthorized(post(api, ME, {"x-api-key": "da2-notakey"}), "You are not authorized to make this call.")


def test_the_api_key_allows_public_fields_only(api: Api) -> None:
    response = post(api, {"query": "{ liveChannels { items { id } } me { id } }"}, {"x-api-key": api.resources.api_key})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.headers["x-amzn-RequestId"]
    body = response.json()
    assert body["data"] == {"liveChannels": {"items": []}, "me": None}
    assert body["errors"][0]["message"] == "Not Authorized to access me on type Query"


def test_a_deleted_api_key_stops_working(api: Api) -> None:
    appsync = client(api.resources.endpoint, "appsync")
    key = appsync.create_api_key(apiId=api.resources.api_id)["apiKey"]["id"]
    assert post(api, ME, {"x-api-key": key}).status_code == 200
    appsync.delete_api_key(apiId=api.resources.api_id, id=key)
    time.sleep(2.2)  # the local AppSync re-reads the API's keys every 2 s
    assert_unauthorized(post(api, ME, {"x-api-key": key}), "You are not authorized to make this call.")


def test_a_user_pool_id_token_identifies_the_caller(api: Api, alice: str) -> None:
    response = post(api, {"query": "mutation { createResources { username } }"}, {"authorization": api.tokens[alice]})
    assert response.json() == {"data": {"createResources": {"username": alice}}}


def test_access_tokens_and_the_bearer_scheme_are_accepted(api: Api, alice: str) -> None:
    access = api.stack.sign_in(alice, "Passw0rd!")["accessToken"]
    for header in (access, f"Bearer {access}", f"Bearer {api.tokens[alice]}"):
        response = post(api, {"query": "{ following { items { id } } }"}, {"authorization": header})
        assert response.status_code == 200
        assert "errors" not in response.json()


def test_a_malformed_token_cannot_be_parsed(api: Api) -> None:
    assert_unauthorized(post(api, ME, {"authorization": "not-a-jwt"}), "Unable to parse JWT token.")


def test_an_expired_token_is_refused(api: Api, alice: str) -> None:
    token = pool_signed(claims_for(api, alice, exp=int(time.time()) - 10))
    assert_unauthorized(post(api, ME, {"authorization": token}), "Token has expired.")


def test_a_token_signed_with_another_key_is_refused(api: Api, alice: str) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims_for(api, alice), other, algorithm="RS256", headers={"kid": "dummy"})
    assert_unauthorized(post(api, ME, {"authorization": token}), "You are not authorized to make this call.")


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"},
        {"aud": "another-app-client"},
        {"token_use": "refresh"},
    ],
)
def test_tokens_for_another_pool_client_or_use_are_refused(api: Api, alice: str, changes: dict[str, Any]) -> None:
    token = pool_signed(claims_for(api, alice, **changes))
    assert_unauthorized(post(api, ME, {"authorization": token}), "You are not authorized to make this call.")


def signed(
    api: Api, body: bytes, secret: str = LOCAL_CREDENTIALS[1], akid: str = LOCAL_CREDENTIALS[0]
) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=api.stack.graphql_url, data=body, headers={"content-type": "application/json"}
    )
    SigV4Auth(Credentials(akid, secret), "appsync", api.resources.region).add_auth(request)
    return dict(request.headers.items())


def test_iam_signed_requests_are_authenticated_as_iam(api: Api) -> None:
    # GIVEN a SigV4-signed request with the local credentials; every step-1 field is public or user-only
    body = json.dumps(ME).encode()
    response = post(api, None, signed(api, body), raw=body)
    # THEN the request is accepted, and fields IAM may not read are denied the AppSync way
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == "Not Authorized to access me on type Query"


@pytest.mark.parametrize(
    "secret, akid", [("wrong-secret", LOCAL_CREDENTIALS[0]), (LOCAL_CREDENTIALS[1], "AKIAUNKNOWN000000000")]
)
def test_bad_iam_signatures_are_refused(api: Api, secret: str, akid: str) -> None:
    body = json.dumps(ME).encode()
    assert_unauthorized(
        post(api, None, signed(api, body, secret, akid), raw=body), "You are not authorized to make this call."
    )


def test_a_signed_body_cannot_be_swapped(api: Api) -> None:
    headers = signed(api, json.dumps(ME).encode())
    other = json.dumps({"query": "{ liveChannels { items { id } } }"}).encode()
    assert_unauthorized(post(api, None, headers, raw=other), "You are not authorized to make this call.")


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "Request body is empty."),
        (b"meow", "Unable to parse GraphQL query."),
        (b"[]", "Unable to parse GraphQL query."),
        (b'{"query": "{ me { "}', "Unable to parse GraphQL query."),
    ],
)
def test_malformed_requests_are_400(api: Api, raw: bytes, message: str) -> None:
    response = post(api, None, {"x-api-key": api.resources.api_key}, raw=raw)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"errorType": "MalformedHttpRequestException", "message": message}]}


def test_queries_can_be_sent_with_get(api: Api) -> None:
    response = httpx.get(
        api.stack.graphql_url,
        params={"query": "query L($n: Int) { liveChannels(limit: $n) { nextToken } }", "variables": '{"n": 3}'},
        headers={"x-api-key": api.resources.api_key},
    )
    assert response.json() == {"data": {"liveChannels": {"nextToken": None}}}


def test_browsers_get_graphiql_with_demo_sign_in(api: Api) -> None:
    response = httpx.get(api.stack.graphql_url, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "GraphiQL" in response.text
    assert api.resources.api_key in response.text


def test_graphiql_sign_in_returns_tokens_or_refuses(api: Api, alice: str) -> None:
    base = api.stack.graphql_url.removesuffix("/graphql")
    ok = httpx.post(f"{base}/local/sign-in", json={"username": alice, "password": "Passw0rd!"})
    assert ok.status_code == 200
    reply = post(api, {"query": "{ following { items { id } } }"}, {"authorization": ok.json()["idToken"]})
    assert reply.json() == {"data": {"following": {"items": []}}}
    refused = httpx.post(f"{base}/local/sign-in", json={"username": alice, "password": "wrong"})
    assert refused.status_code == 401


def test_client_configuration_is_served_in_amplify_outputs_format(api: Api) -> None:
    base = api.stack.graphql_url.removesuffix("/graphql")
    outputs = httpx.get(f"{base}/amplify_outputs.json").json()
    assert outputs["version"] == "1.4"
    assert outputs["auth"]["user_pool_id"] == api.resources.user_pool_id
    assert outputs["auth"]["user_pool_client_id"] == api.resources.user_pool_client_id
    assert outputs["data"] == {
        "url": api.stack.graphql_url,
        "aws_region": api.resources.region,
        "api_key": api.resources.api_key,
        "default_authorization_type": "AMAZON_COGNITO_USER_POOLS",
        "authorization_types": ["API_KEY", "AWS_IAM"],
    }
    assert outputs["custom"]["ugc"]["aws_endpoint_url"] == api.resources.endpoint
    # AND the local IAM secret is not in it (it signs the IAM-only publish mutations)
    assert "aws_credentials" not in outputs["custom"]["ugc"]
    assert api.stack.outputs["custom"]["ugc"]["aws_credentials"]["secret_access_key"] not in json.dumps(outputs)


def test_cors_preflight_is_answered_for_any_origin(api: Api) -> None:
    response = httpx.options(
        api.stack.graphql_url,
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "http://localhost:3000")


FOREIGN = "https://evil.example"


def test_configuration_and_sign_in_are_refused_to_other_origins(api: Api, alice: str) -> None:
    # GIVEN a page of another origin open in the developer's browser
    base = api.stack.graphql_url.removesuffix("/graphql")
    # WHEN it fetches the configuration or posts to the demo sign-in (with or without a preflight)
    outputs = httpx.get(f"{base}/amplify_outputs.json", headers={"origin": FOREIGN, "sec-fetch-site": "cross-site"})
    sign_in = httpx.post(
        f"{base}/local/sign-in",
        json={"username": alice, "password": "Passw0rd!"},
        headers={"origin": FOREIGN, "sec-fetch-site": "cross-site"},
    )
    preflight = httpx.options(
        f"{base}/local/sign-in", headers={"origin": FOREIGN, "access-control-request-method": "POST"}
    )
    # THEN both are refused, with no CORS header that would let the page read an answer
    assert outputs.status_code == 403 and "api_key" not in outputs.text
    assert sign_in.status_code == 403 and "idToken" not in sign_in.text
    for response in (outputs, sign_in, preflight):
        assert "access-control-allow-origin" not in response.headers


def test_a_cross_site_form_cannot_sign_in(api: Api, alice: str) -> None:
    # GIVEN a form post (text/plain needs no preflight) that a browser sent without an Origin header
    base = api.stack.graphql_url.removesuffix("/graphql")
    body = json.dumps({"username": alice, "password": "Passw0rd!"})
    # WHEN it reaches the demo sign-in
    response = httpx.post(f"{base}/local/sign-in", content=body, headers={"content-type": "text/plain"})
    # THEN it is refused
    assert response.status_code == 415 and "idToken" not in response.text


def test_a_dns_rebound_name_is_refused(api: Api) -> None:
    # GIVEN a page whose own name now resolves to 127.0.0.1 (so the browser thinks it is same-origin)
    base = api.stack.graphql_url.removesuffix("/graphql")
    # WHEN it fetches the configuration under that name
    response = httpx.get(f"{base}/amplify_outputs.json", headers={"host": "rebind.evil.example"})
    # THEN the Host is not a loopback name, and the request is refused
    assert response.status_code == 403


def test_the_stacks_own_pages_still_get_configuration_and_sign_in(api: Api, alice: str) -> None:
    # GIVEN the local stack's own page (same origin: the browser sends Origin = this server)
    base = api.stack.graphql_url.removesuffix("/graphql")
    own = {"origin": base, "sec-fetch-site": "same-origin"}
    # WHEN it fetches the configuration and signs in
    outputs = httpx.get(f"{base}/amplify_outputs.json", headers=own)
    sign_in = httpx.post(f"{base}/local/sign-in", json={"username": alice, "password": "Passw0rd!"}, headers=own)
    # THEN both answer
    assert outputs.status_code == 200 and outputs.json()["data"]["api_key"] == api.resources.api_key
    assert sign_in.status_code == 200 and sign_in.json()["idToken"]


def test_graphql_answers_any_origin_with_cors(api: Api) -> None:
    # GIVEN a frontend on another origin (as on AppSync)
    response = httpx.post(
        api.stack.graphql_url,
        json={"query": "{ liveChannels { nextToken } }"},
        headers={"origin": FOREIGN, "x-api-key": api.resources.api_key},
    )
    # THEN it gets its answer with a CORS header
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", FOREIGN)
