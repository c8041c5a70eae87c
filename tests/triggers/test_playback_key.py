"""The deploy-time playback key function, called with CloudFormation custom-resource events (as CDK's
Provider framework passes them) against the local AWS's Secrets Manager and IVS."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from client.playback import verify_playback_token
from core.playback import (
    KEY_SECRET_PROPERTY,
    PUBLIC_KEY_ATTRIBUTE,
    SECRET_ARN_ATTRIBUTE,
    PlaybackKeyError,
    sign_playback_token,
)
from tests.triggers.conftest import Handler, deploy_time_handler

CHANNEL = "arn:aws:ivs:us-east-1:123456789012:channel/private"


@pytest.fixture
def key_function(deploy_time_environment: None) -> Handler:
    import triggers.playback_key

    return deploy_time_handler(triggers.playback_key.handler, "playbackKey")


@pytest.fixture
def placeholder_secret(local_aws_client: Any) -> str:
    """A secret as CDK creates it: a generated random string, no key yet."""
    name = f"playback-key-{uuid.uuid4().hex[:8]}"
    return str(local_aws_client("secretsmanager").create_secret(Name=name, SecretString=secrets.token_hex(16))["ARN"])


def _event(request: str, secret_arn: str, physical_id: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:framework-onEvent",
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/UGC-dev/guid",
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "PrivateChannelsSigningKey",
        "ResourceType": "Custom::PlaybackSigningKey",
        "ResourceProperties": {"ServiceToken": "arn:...", KEY_SECRET_PROPERTY: secret_arn},
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event


def _secret(local_aws_client: Any, arn: str) -> str:
    return str(local_aws_client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def test_create_generates_the_key_inside_the_secret_and_returns_its_public_half(
    key_function: Handler, placeholder_secret: str, local_aws_client: Any
) -> None:
    # GIVEN a new stack's placeholder secret
    # WHEN CloudFormation creates the custom resource
    answer = key_function(_event("Create", placeholder_secret))

    # THEN the resource is named by the secret, and returns the secret (for the API's environment) and a
    # public key
    assert answer["PhysicalResourceId"] == placeholder_secret
    assert answer["Data"][SECRET_ARN_ATTRIBUTE] == placeholder_secret
    public_pem = answer["Data"][PUBLIC_KEY_ATTRIBUTE]
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    # AND the secret now holds the private half: a token the API would sign verifies with the returned key
    private_pem = _secret(local_aws_client, placeholder_secret)
    assert "PRIVATE KEY" in private_pem and "PRIVATE KEY" not in public_pem
    token = sign_playback_token(private_pem, CHANNEL, 4102444800)
    assert verify_playback_token(token, {"pair": public_pem}).channel_arn == CHANNEL
    # AND IVS accepts the public key as a playback key pair (what AWS::IVS::PlaybackKeyPair does with it)
    pair = local_aws_client("ivs").import_playback_key_pair(publicKeyMaterial=public_pem)["keyPair"]
    assert pair["arn"].startswith("arn:aws:ivs:")


def test_updates_and_retries_keep_the_key(
    key_function: Handler, placeholder_secret: str, local_aws_client: Any
) -> None:
    # GIVEN a created key
    first = key_function(_event("Create", placeholder_secret))
    private_pem = _secret(local_aws_client, placeholder_secret)

    # WHEN CloudFormation retries the create, then updates the stack twice
    again = key_function(_event("Create", placeholder_secret))
    updates = [key_function(_event("Update", placeholder_secret, placeholder_secret)) for _ in range(2)]

    # THEN every answer is the same key and the same resource, so the key pair is never replaced and tokens
    # players hold stay valid
    assert {a["Data"][PUBLIC_KEY_ATTRIBUTE] for a in [again, *updates]} == {first["Data"][PUBLIC_KEY_ATTRIBUTE]}
    assert {a["PhysicalResourceId"] for a in [again, *updates]} == {placeholder_secret}
    assert _secret(local_aws_client, placeholder_secret) == private_pem


def test_delete_leaves_the_secret_to_cloudformation(
    key_function: Handler, placeholder_secret: str, local_aws_client: Any
) -> None:
    key_function(_event("Create", placeholder_secret))
    private_pem = _secret(local_aws_client, placeholder_secret)

    answer = key_function(_event("Delete", placeholder_secret, placeholder_secret))

    assert answer == {"PhysicalResourceId": placeholder_secret}
    assert _secret(local_aws_client, placeholder_secret) == private_pem


def test_a_key_ivs_cannot_use_fails_the_deploy_and_is_not_overwritten(
    key_function: Handler, placeholder_secret: str, local_aws_client: Any
) -> None:
    # GIVEN an operator who put a P-256 key in the secret (IVS takes P-384 only)
    wrong = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    local_aws_client("secretsmanager").put_secret_value(SecretId=placeholder_secret, SecretString=wrong)

    # WHEN the stack deploys
    # THEN the custom resource fails with the reason (CloudFormation shows it and rolls back)
    with pytest.raises(PlaybackKeyError, match="not an EC P-384 key"):
        key_function(_event("Update", placeholder_secret, placeholder_secret))
    # AND the operator's key is still there
    assert _secret(local_aws_client, placeholder_secret) == wrong


def test_a_missing_secret_fails_the_deploy(key_function: Handler, local_aws_client: Any) -> None:
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"
    with pytest.raises(ClientError) as failed:
        key_function(_event("Create", missing))
    assert failed.value.response["Error"]["Code"] == "ResourceNotFoundException"
