"""Trigger tests call the trigger Lambdas with events shaped exactly as Cognito and S3 send them."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emulator.appsync.invoke import LambdaContext
from emulator.local_aws import LOCAL_CREDENTIALS, LOCAL_REGION
from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import function_environment

Handler = Callable[[dict[str, Any]], Any]


@pytest.fixture(scope="module")
def cognito_trigger(local_aws: LocalAwsServer) -> Iterator[Handler]:
    import triggers.cognito
    import triggers.runtime

    resources = bootstrap(local_aws.endpoint, name_prefix=f"triggers-{uuid.uuid4().hex[:6]}")
    with function_environment(resources, "cognito", composition_root=triggers.runtime):

        def call(event: dict[str, Any]) -> Any:
            return triggers.cognito.handler(
                copy.deepcopy(event), LambdaContext(function_name="cognito", aws_request_id=str(uuid.uuid4()))
            )

        yield call


def cognito_event(source: str, username: str, attributes: dict[str, str], **request: Any) -> dict[str, Any]:
    """A Cognito trigger event (version 1 shape)."""
    return {
        "version": "1",
        "region": "us-east-1",
        "userPoolId": "us-east-1_test",
        "userName": username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client"},
        "triggerSource": source,
        "request": {"userAttributes": attributes, **request},
        "response": {},
    }


@pytest.fixture
def deploy_time_environment(local_aws: LocalAwsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process becomes a deploy-time function's container: only the Lambda runtime's own variables
    (those functions get no settings), pointed at the local AWS."""
    monkeypatch.setenv("AWS_REGION", LOCAL_REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_aws.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS[1])


def deploy_time_handler(handler: Callable[[dict[str, Any], Any], dict[str, Any]], name: str) -> Handler:
    """A deploy-time handler called as the Provider framework calls it."""
    return lambda event: handler(event, LambdaContext(function_name=name, aws_request_id=str(uuid.uuid4())))
