"""Private channels in the template: the playback key pair imports the public half of a key generated at
deploy time inside its secret, and only the API function may read that secret."""

from __future__ import annotations

from typing import Any

from core.playback import KEY_SECRET_PROPERTY, PUBLIC_KEY_ATTRIBUTE
from infra.definitions import FUNCTIONS, OUTPUTS, PLAYBACK_KEY_FUNCTION
from tests.infra.infra_synth import Synth

PLAYBACK_SECRET = "SecretsPlaybackKey"


def _policies_naming(synth: Synth, secret_id: str) -> dict[str, list[dict[str, Any]]]:
    """Role logical id -> the statements of its policies that name the secret."""
    found: dict[str, list[dict[str, Any]]] = {}
    for policy in synth.properties("AWS::IAM::Policy").values():
        for statement in policy["PolicyDocument"]["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if {"Ref": secret_id} in resources:
                for role in policy["Roles"]:
                    found.setdefault(role["Ref"], []).append(statement)
    return found


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}


def _role_of(synth: Synth, handler: str) -> str:
    (function,) = [f for f in synth.properties("AWS::Lambda::Function").values() if f.get("Handler") == handler]
    return str(function["Role"]["Fn::GetAtt"][0])


def test_the_key_pair_imports_the_public_key_the_custom_resource_returns(each_stage: Synth) -> None:
    # GIVEN the playback key secret, and the custom resource that fills it
    secret = each_stage.id_with_prefix("AWS::SecretsManager::Secret", PLAYBACK_SECRET)
    (key_id,) = each_stage.resources("Custom::PlaybackSigningKey")
    key = each_stage.properties("Custom::PlaybackSigningKey")[key_id]

    # WHEN reading the IVS playback key pair
    pair = each_stage.only("AWS::IVS::PlaybackKeyPair")["Properties"]

    # THEN its public key is the custom resource's answer, and the custom resource fills that secret
    assert pair["PublicKeyMaterial"] == {"Fn::GetAtt": [key_id, PUBLIC_KEY_ATTRIBUTE]}
    assert key[KEY_SECRET_PROPERTY] == {"Ref": secret}
    assert pair["Name"] == f"ugc-{each_stage.config.stage}"
    # AND the secret starts as a generated placeholder: no key material is ever in the template
    secret_props = each_stage.properties("AWS::SecretsManager::Secret")[secret]
    assert "SecretString" not in secret_props
    assert "GenerateSecretString" in secret_props
    # AND the stack outputs the key pair's ARN
    outputs = each_stage.template.to_json()["Outputs"]
    assert outputs[OUTPUTS.playback_key_pair_arn]["Value"] == {
        "Fn::GetAtt": [each_stage.only_id("AWS::IVS::PlaybackKeyPair"), "Arn"]
    }


def test_the_custom_resource_runs_the_key_function_through_cdks_provider(each_stage: Synth) -> None:
    # GIVEN the Lambdas: the key function (the project's handler) and the provider framework's
    functions = each_stage.properties("AWS::Lambda::Function")
    (key_function,) = [k for k, f in functions.items() if f.get("Handler") == PLAYBACK_KEY_FUNCTION.handler]
    (framework,) = [
        k for k, f in functions.items() if k.startswith("PrivateChannels") and f.get("Handler") == "framework.onEvent"
    ]

    # WHEN reading the custom resource's service token and the framework's target
    (key,) = each_stage.properties("Custom::PlaybackSigningKey").values()

    # THEN CloudFormation calls the framework, which calls the key function
    assert key["ServiceToken"] == {"Fn::GetAtt": [framework, "Arn"]}
    assert functions[framework]["Environment"]["Variables"]["USER_ON_EVENT_FUNCTION_ARN"] == {
        "Fn::GetAtt": [key_function, "Arn"]
    }
    # AND the key function runs the bundled Python on the stage's architecture, with no settings at all
    assert functions[key_function]["Architectures"] == [each_stage.config.lambda_architecture]
    assert "Environment" not in functions[key_function]


def test_only_the_key_function_writes_the_secret_and_only_the_api_reads_it(each_stage: Synth) -> None:
    # GIVEN the playback key secret
    secret = each_stage.id_with_prefix("AWS::SecretsManager::Secret", PLAYBACK_SECRET)

    # WHEN reading which roles' policies name it
    by_role = _policies_naming(each_stage, secret)

    # THEN the key function may read it and put a value (nothing else: no delete, no policy changes)
    key_role = _role_of(each_stage, PLAYBACK_KEY_FUNCTION.handler)
    key_actions = _actions(by_role.pop(key_role))
    assert key_actions == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "secretsmanager:PutSecretValue",
    }
    # AND the only other reader is the API function (which signs the tokens), read-only
    readers = [name for name, definition in FUNCTIONS.items() if "playback_key" in definition.access]
    assert readers == ["api"]
    api_role = _role_of(each_stage, FUNCTIONS["api"].handler)
    assert set(by_role) == {api_role}
    assert _actions(by_role[api_role]) == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }


def test_a_new_key_version_replaces_the_secret_key_and_key_pair(dev: Synth, full: Synth) -> None:
    """Rotation: bumping playbackKeyVersion gives the three resources new logical ids, so CloudFormation
    creates the new ones, points the API at the new secret, and deletes the old ones at the end of the
    deployment (or keeps them if it rolls back)."""
    # GIVEN dev at version 1 and the `full` test stage at version 2
    assert (dev.config.playback_key_version, full.config.playback_key_version) == (1, 2)

    def ids(synth: Synth) -> list[str]:
        return [
            synth.id_with_prefix("AWS::SecretsManager::Secret", PLAYBACK_SECRET),
            *synth.resources("Custom::PlaybackSigningKey"),
            synth.only_id("AWS::IVS::PlaybackKeyPair"),
        ]

    # THEN version 1 keeps the plain ids (deployed stages are not replaced), version 2 has its own
    assert all("V2" not in logical_id for logical_id in ids(dev))
    assert all(
        logical_id.startswith(("SecretsPlaybackKeyV2", "PrivateChannelsSigningKeyV2", "PrivateChannelsKeyPairV2"))
        for logical_id in ids(full)
    )
    # AND the API signs with the new version's secret, named through the new key resource (so CloudFormation
    # moves the API only once that secret holds the key)
    (api,) = [
        f for f in full.properties("AWS::Lambda::Function").values() if f.get("Handler") == FUNCTIONS["api"].handler
    ]
    assert api["Environment"]["Variables"]["PLAYBACK_KEY_SECRET_ARN"] == {"Fn::GetAtt": [ids(full)[1], "SecretArn"]}
