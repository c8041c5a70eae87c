"""The extension gateway: routing by service and operation, handler contract, errors, reset."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server
from werkzeug.test import Client

from emulator.local_aws.clients import client
from emulator.local_aws.gateway import Gateway, identify
from emulator.local_aws.messages import AwsResponse, ServiceError
from emulator.local_aws.registry import Registry
from emulator.local_aws.state import LocalState

SIGNED_IVS = (
    "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240101/eu-west-1/ivs/aws4_request, SignedHeaders=host, Signature=x"
)


class Seen:
    """What the test handlers received."""

    def __init__(self):
        self.params = []


@pytest.fixture(scope="module")
def custom(local_aws):
    """A second gateway on its own port, over the same moto, with handlers written for these tests."""
    seen = Seen()
    registry = Registry()

    def tag_resource(request, ctx):
        seen.params.append(dict(request.params))
        return AwsResponse.json({})

    def initiate_auth(request, ctx):
        if request.params["AuthParameters"]["USERNAME"] == "blocked":
            raise ServiceError("NotAuthorizedException", "blocked by the test hook")
        return ctx.forward()

    def sign_up(request, ctx):
        # Rewrites the request before moto sees it, as a pre sign-up trigger may.
        body = dict(request.params, Username=request.params["Username"].lower())
        return ctx.forward(body=json.dumps(body).encode())

    def broken(request, ctx):
        raise RuntimeError("a bug in a handler")

    registry.add("ivs", "TagResource", tag_resource)
    registry.add("ivs", "ListPlaybackKeyPairs", broken)
    registry.add("cognito-idp", "InitiateAuth", initiate_auth)
    registry.add("cognito-idp", "SignUp", sign_up)
    app = Gateway(DomainDispatcherApplication(create_backend_app), registry, LocalState())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}", seen
    server.shutdown()
    server.server_close()
    thread.join()


def test_uri_labels_reach_the_handler_decoded(custom):
    # GIVEN a handler for IVS TagResource, whose ARN travels percent-encoded in the path
    endpoint, seen = custom
    arn = "arn:aws:ivs:us-east-1:123456789012:channel/abcDEF123456"

    # WHEN boto3 calls it
    client(endpoint, "ivs").tag_resource(resourceArn=arn, tags={"k": "v"})

    # THEN the handler gets the URI label and the body member as parameters, the ARN whole
    assert seen.params[-1] == {"resourceArn": arn, "tags": {"k": "v"}}


def test_unsigned_cognito_calls_are_routed_by_target(custom):
    # GIVEN a hook on InitiateAuth, which boto3 sends unsigned
    endpoint, _ = custom
    cognito = client(endpoint, "cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"gw-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]

    # WHEN a sign-in the hook refuses is attempted
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        cognito.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "blocked", "PASSWORD": "x"}
        )

    # THEN boto3 raises the modeled exception with the hook's message (JSON protocol error shape)
    assert raised.value.response["Error"]["Message"] == "blocked by the test hook"


def test_a_handler_can_rewrite_the_request_moto_receives(custom):
    # GIVEN a SignUp hook that lower-cases the user name before forwarding to moto
    endpoint, _ = custom
    cognito = client(endpoint, "cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"gw-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]

    # WHEN a user signs up with a mixed-case name
    cognito.sign_up(ClientId=client_id, Username="MixedCase", Password="Str0ng!Pass")

    # THEN moto stored the rewritten name
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="mixedcase")["Username"] == "mixedcase"


def test_operations_without_a_handler_still_reach_moto(custom):
    # GIVEN a gateway with handlers for some IVS operations only
    endpoint, _ = custom

    # WHEN another IVS operation is called
    created = client(endpoint, "ivs").create_channel(name=f"gw-{uuid.uuid4().hex[:8]}")

    # THEN moto answered it
    assert created["channel"]["arn"].startswith("arn:aws:ivs:us-east-1:")


def test_a_failing_handler_is_a_500_aws_error_not_a_crash(custom):
    # GIVEN a handler with a bug
    endpoint, _ = custom

    # WHEN its operation is called
    with pytest.raises(ClientError) as raised:
        client(endpoint, "ivs").list_playback_key_pairs()

    # THEN boto3 sees an AWS internal failure
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert raised.value.response["Error"]["Code"] == "InternalFailure"


def test_moto_reset_also_clears_the_extension_state():
    # GIVEN a gateway whose state holds something, in front of a stand-in for moto
    state = LocalState()
    with state.store(dict) as store:
        store["remembered"] = True

    def moto(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']

    gateway = Client(Gateway(moto, Registry(), state))

    # WHEN moto's reset endpoint is called through it
    response = gateway.post("/moto-api/reset")

    # THEN moto answered and the extension state is empty too
    assert response.status_code == 200
    with state.store(dict) as store:
        assert store == {}


def test_requests_for_unextended_services_stream_to_moto_untouched():
    # GIVEN a gateway with no handlers, in front of a stand-in for moto that echoes the body
    def moto(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("201 Created", [("X-Echo", "yes")])
        return [body]

    gateway = Client(Gateway(moto, Registry(), LocalState()))

    # WHEN a signed request for a service is sent
    response = gateway.post("/anything", data=b"payload", headers={"Authorization": SIGNED_IVS})

    # THEN moto received it as sent and its answer came back as is
    assert (response.status_code, response.headers["X-Echo"], response.data) == (201, "yes", b"payload")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"HTTP_AUTHORIZATION": SIGNED_IVS}, ("ivs", "eu-west-1", "AKIAEXAMPLE")),
        ({"HTTP_X_AMZ_TARGET": "AWSCognitoIdentityProviderService.InitiateAuth"}, ("cognito-idp", "us-east-1", "")),
        (
            {"QUERY_STRING": "X-Amz-Credential=AKIAQ%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x"},
            ("s3", "us-east-1", "AKIAQ"),
        ),
        ({"PATH_INFO": "/us-east-1_abc/.well-known/jwks.json"}, None),
    ],
    ids=["sigv4-header", "unsigned-target", "presigned-query", "not-an-aws-call"],
)
def test_callers_are_identified_like_moto_does(environ, expected):
    # GIVEN / WHEN a request environ is identified
    caller = identify(environ)

    # THEN service, region and access key come from the credential scope or the target prefix
    assert (None if caller is None else (caller.service, caller.region, caller.access_key)) == expected


def test_registry_refuses_unknown_and_duplicate_operations():
    # GIVEN a registry with one handler
    registry = Registry()

    def handler(request, ctx):
        return AwsResponse.empty()

    registry.add("ivs", "GetStream", handler)

    # WHEN an operation botocore does not know, or the same one again, is registered
    # THEN it is refused at once
    with pytest.raises(ValueError, match="no operation"):
        registry.add("ivs", "GetStreem", handler)
    with pytest.raises(ValueError, match="already"):
        registry.add("ivs", "GetStream", handler)
