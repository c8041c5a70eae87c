"""IVS playback key pairs (private channels) through boto3's unchanged `ivs` client, and the local
endpoint that serves their public keys to `ugc verify-playback-token`."""

from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from client.playback import verify_playback_token
from core.playback import sign_playback_token


def _public_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_bootstrap_stores_the_private_key_and_imports_its_public_half(local_resources, local_aws_client, local_aws):
    # GIVEN the bootstrapped stack
    secret = local_aws_client("secretsmanager").get_secret_value(SecretId=local_resources.playback_key_secret_arn)
    ivs = local_aws_client("ivs")

    # WHEN its key pair is read back, listed, and a token signed with the secret is checked
    pair = ivs.get_playback_key_pair(arn=local_resources.playback_key_pair_arn)["keyPair"]
    listed = ivs.list_playback_key_pairs()["keyPairs"]
    served = requests.get(f"{local_aws.endpoint}/_local/ivs/playback-keys", timeout=5).json()["keyPairs"]
    token = sign_playback_token(secret["SecretString"], "arn:aws:ivs:us-east-1:123456789012:channel/x", 4102444800)

    # THEN IVS answers its shapes (no key material), and the served public key verifies the token
    assert secret["Name"].endswith("/playback-key")
    assert pair["arn"] == local_resources.playback_key_pair_arn
    assert len(pair["fingerprint"].split(":")) == 16
    assert "publicKeyMaterial" not in pair
    # (tagged with the stage, as the deployed stack's tags tag its key pair)
    assert {"arn": pair["arn"], "name": pair["name"], "tags": {"project": "ugc-live", "stage": "local"}} in listed
    keys = {p["arn"]: p["publicKeyMaterial"] for p in served}
    assert verify_playback_token(token, keys).key_pair_arn == pair["arn"]


def test_import_refuses_a_duplicate_and_a_key_that_is_not_p384(local_aws_client):
    ivs = local_aws_client("ivs")
    pem = _public_pem(ec.generate_private_key(ec.SECP384R1()))
    created = ivs.import_playback_key_pair(publicKeyMaterial=pem, name="extra", tags={"k": "v"})["keyPair"]
    assert created["name"] == "extra" and created["tags"] == {"k": "v"}

    with pytest.raises(ClientError) as duplicate:
        ivs.import_playback_key_pair(publicKeyMaterial=pem)
    assert duplicate.value.response["Error"]["Code"] == "ConflictException"

    for other in (_public_pem(ec.generate_private_key(ec.SECP256R1())), "not a key"):
        with pytest.raises(ClientError) as refused:
            ivs.import_playback_key_pair(publicKeyMaterial=other)
        assert refused.value.response["Error"]["Code"] == "ValidationException"

    with pytest.raises(ClientError) as missing:
        ivs.get_playback_key_pair(arn=created["arn"].rsplit("/", 1)[0] + "/doesnotexist")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
