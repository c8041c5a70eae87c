"""`ugc outputs --stage S` writes a deployed stage's client configuration from its CloudFormation
outputs, in the format the local stack writes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from client.cli import main
from client.outputs import load_outputs
from emulator.local_aws import LOCAL_CREDENTIALS, LOCAL_REGION
from emulator.local_aws.clients import client
from emulator.local_aws.server import LocalAwsServer
from infra.definitions import OUTPUTS, stack_name

VALUES = {
    OUTPUTS.graphql_url: "https://abc.appsync-api.us-east-1.amazonaws.com/graphql",
    OUTPUTS.api_key: "da2-example",
    OUTPUTS.user_pool_id: "us-east-1_Example",
    OUTPUTS.user_pool_client_id: "exampleclient",
    OUTPUTS.region: "us-east-1",
    OUTPUTS.stage: "",
}


def deploy(endpoint: str, stage: str, values: dict[str, str]) -> None:
    """A stack with the outputs CDK gives UGC-<stage> (CloudFormation on the local AWS)."""
    template = {
        "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value or stage} for key, value in values.items()},
    }
    client(endpoint, "cloudformation").create_stack(StackName=stack_name(stage), TemplateBody=json.dumps(template))


@pytest.fixture
def aws_env(local_aws: LocalAwsServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_aws.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS[1])
    monkeypatch.setenv("AWS_DEFAULT_REGION", LOCAL_REGION)
    return local_aws.endpoint


def test_outputs_of_a_deployed_stage_are_written_as_amplify_outputs(aws_env: str, tmp_path: Path, capsys: Any) -> None:
    stage = f"t{uuid.uuid4().hex[:6]}"
    deploy(aws_env, stage, VALUES)
    target = tmp_path / "amplify_outputs.json"
    assert main(["outputs", "--stage", stage, "--file", str(target)]) == 0
    assert f"Wrote {target} for stage {stage}" in capsys.readouterr().out
    written = load_outputs(target)  # the client's own loader accepts it
    document = json.loads(target.read_text())
    assert document["data"] == {
        "url": VALUES[OUTPUTS.graphql_url],
        "aws_region": "us-east-1",
        "api_key": "da2-example",
        "default_authorization_type": "AMAZON_COGNITO_USER_POOLS",
        "authorization_types": ["API_KEY", "AWS_IAM"],
    }
    assert (written.auth.user_pool_id, written.auth.user_pool_client_id) == ("us-east-1_Example", "exampleclient")
    assert document["custom"]["ugc"]["stage"] == stage
    assert "aws_endpoint_url" not in document["custom"]["ugc"]  # a deployed stage: real AWS endpoints


def test_an_unknown_stage_or_missing_outputs_are_clear_errors(aws_env: str, tmp_path: Path, capsys: Any) -> None:
    assert main(["outputs", "--stage", "nosuchstage", "--file", str(tmp_path / "x.json")]) == 2
    assert "no deployed stack UGC-nosuchstage" in capsys.readouterr().err
    stage = f"t{uuid.uuid4().hex[:6]}"
    deploy(aws_env, stage, {k: v for k, v in VALUES.items() if k != OUTPUTS.api_key})
    assert main(["outputs", "--stage", stage, "--file", str(tmp_path / "y.json")]) == 2
    assert f"lacks the outputs {OUTPUTS.api_key}" in capsys.readouterr().err
    assert not (tmp_path / "y.json").exists()
