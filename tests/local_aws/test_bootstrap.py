"""bootstrap() builds the project's resources from the definitions CDK deploys."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid

import jwt
import pytest

from core.table import TABLE
from emulator.local_aws import LOCAL_ACCOUNT_ID, LOCAL_REGION
from emulator.local_aws.bootstrap import bootstrap
from infra.definitions import API, APP_CLIENT, ASSET_UPLOADS, USER_POOL, StageConfig


def _sorted(indexes):
    return sorted(indexes, key=lambda index: index["IndexName"])


def test_table_matches_the_shared_table_definition(local_resources, local_aws_client):
    # GIVEN a bootstrapped local AWS
    expected = TABLE.create_table_kwargs(local_resources.table_name)

    # WHEN the table is described
    table = local_aws_client("dynamodb").describe_table(TableName=local_resources.table_name)["Table"]

    # THEN keys, attributes and every GSI (keys and projection) are those of core.table.TABLE
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        expected["AttributeDefinitions"], key=lambda a: a["AttributeName"]
    )
    actual_indexes = [
        {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
        for i in table["GlobalSecondaryIndexes"]
    ]
    assert _sorted(actual_indexes) == _sorted(expected["GlobalSecondaryIndexes"])
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # AND its TTL attribute is the definition's
    ttl = local_aws_client("dynamodb").describe_time_to_live(TableName=local_resources.table_name)
    assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": TABLE.ttl_attribute}


def test_user_pool_and_client_follow_the_definitions(local_resources, local_aws_client):
    # GIVEN a bootstrapped local AWS
    cognito = local_aws_client("cognito-idp")

    # WHEN the pool and its client are described
    pool = cognito.describe_user_pool(UserPoolId=local_resources.user_pool_id)["UserPool"]
    app = cognito.describe_user_pool_client(
        UserPoolId=local_resources.user_pool_id, ClientId=local_resources.user_pool_client_id
    )["UserPoolClient"]

    # THEN they carry what infra.definitions says
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == USER_POOL.password_policy.min_length
    assert policy["RequireSymbols"] is USER_POOL.password_policy.require_symbols
    assert pool["UsernameConfiguration"] == {"CaseSensitive": USER_POOL.sign_in_case_sensitive}
    assert pool["AutoVerifiedAttributes"] == list(USER_POOL.auto_verified_attributes)
    assert pool["AliasAttributes"] == ["preferred_username"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is (not USER_POOL.self_sign_up)
    assert sorted(app["ExplicitAuthFlows"]) == sorted(APP_CLIENT.auth_flows)
    assert app["IdTokenValidity"] == APP_CLIENT.id_token_minutes
    assert app["TokenValidityUnits"]["IdToken"] == "minutes"
    assert "ClientSecret" not in app


def test_api_has_the_definitions_auth_modes_and_a_live_key(local_resources, local_aws_client):
    # GIVEN a bootstrapped local AWS
    appsync = local_aws_client("appsync")

    # WHEN the API and its keys are read from moto's AppSync
    api = appsync.get_graphql_api(apiId=local_resources.api_id)["graphqlApi"]
    keys = appsync.list_api_keys(apiId=local_resources.api_id)["apiKeys"]

    # THEN Cognito is the default mode on the local pool, the additional modes are as defined,
    # and the API key exists with the stage's lifetime
    assert api["authenticationType"] == API.default_auth
    assert api["userPoolConfig"]["userPoolId"] == local_resources.user_pool_id
    assert [p["authenticationType"] for p in api["additionalAuthenticationProviders"]] == list(API.additional_auth)
    key = next(k for k in keys if k["id"] == local_resources.api_key)
    # AND the key has AppSync's shape (client-side checks of it pass): da2- and 26 letters and digits
    assert re.fullmatch(r"da2-[a-z0-9]{26}", local_resources.api_key)
    days_left = (key["expires"] - time.time()) / 86400
    assert (
        StageConfig(stage="local").api_key_expiry_days - 1 < days_left <= StageConfig(stage="local").api_key_expiry_days
    )


def test_pagination_secret_holds_a_random_64_character_value(local_resources, local_aws_client):
    # GIVEN a bootstrapped local AWS
    # WHEN the pagination secret is read
    value = local_aws_client("secretsmanager").get_secret_value(SecretId=local_resources.pagination_secret_arn)

    # THEN it is 64 characters long
    assert len(value["SecretString"]) == 64


def test_bootstrap_is_idempotent(local_aws, local_resources):
    # GIVEN a local AWS bootstrapped once
    # WHEN bootstrap runs again against the same server
    again = bootstrap(local_aws.endpoint)

    # THEN it finds and returns the same resources instead of creating new ones
    assert again == local_resources


def test_resources_are_addressed_in_the_local_region_and_account(local_resources, local_aws):
    # GIVEN / WHEN a bootstrapped local AWS
    # THEN the resources say where they live, and the issuer is Cognito's form for the pool
    assert local_resources.endpoint == local_aws.endpoint
    assert local_resources.region == LOCAL_REGION
    assert local_resources.account_id == LOCAL_ACCOUNT_ID
    assert local_resources.user_pool_issuer == (
        f"https://cognito-idp.{LOCAL_REGION}.amazonaws.com/{local_resources.user_pool_id}"
    )


def test_another_prefix_gives_separate_resources(local_aws, local_resources):
    # GIVEN a local AWS bootstrapped with the default prefix
    # WHEN bootstrap runs with another prefix
    other = bootstrap(local_aws.endpoint, StageConfig(stage="local", api_key_expiry_days=7), name_prefix="other")

    # THEN every named resource is a different one
    assert other.table_name != local_resources.table_name
    assert other.user_pool_id != local_resources.user_pool_id
    assert other.api_id != local_resources.api_id
    assert other.pagination_secret_arn != local_resources.pagination_secret_arn
    assert other.assets_bucket != local_resources.assets_bucket


def test_function_settings_describe_the_local_resources(local_resources):
    # GIVEN a bootstrapped local AWS
    # WHEN the Lambda settings are built for it
    settings = local_resources.function_settings()

    # THEN they point at the local resources, as CDK's would at the deployed ones
    assert settings.stage == "local"
    assert settings.table_name == local_resources.table_name
    assert settings.user_pool_id == local_resources.user_pool_id
    assert settings.pagination_secret_arn == local_resources.pagination_secret_arn
    assert settings.assets_bucket == local_resources.assets_bucket
    assert settings.assets_base_url == f"{local_resources.endpoint}/{local_resources.assets_bucket}"


def test_the_stages_ivs_resources_carry_its_tags_and_recordings_are_served_by_a_signed_edge(
    local_resources, local_aws_client
):
    # GIVEN a bootstrapped local AWS
    ivs = local_aws_client("ivs")
    # THEN the playback key pair, the restriction policy and the recording configuration carry the stage's tags
    for arn in (
        local_resources.playback_key_pair_arn,
        local_resources.playback_restriction_policy_arn,
        local_resources.recording_configuration_arn,
    ):
        assert ivs.list_tags_for_resource(resourceArn=arn)["tags"] == {"project": "ugc-live", "stage": "local"}, arn
    # AND the functions sign recording URLs for the edge of a distribution that trusts only the recordings key
    settings = local_resources.function_settings()
    assert settings.recordings_base_url.endswith(f"/_local/cloudfront/{local_resources.recordings_distribution_id}")
    cloudfront = local_aws_client("cloudfront")
    behaviour = cloudfront.get_distribution(Id=local_resources.recordings_distribution_id)["Distribution"][
        "DistributionConfig"
    ]["DefaultCacheBehavior"]
    [group] = behaviour["TrustedKeyGroups"]["Items"]
    assert cloudfront.get_key_group(Id=group)["KeyGroup"]["KeyGroupConfig"]["Items"] == [settings.recordings_key_id]


def test_assets_bucket_is_versioned_and_notifies_the_asset_function(local_resources, local_aws_client):
    # GIVEN a bootstrapped local AWS
    s3 = local_aws_client("s3")

    # WHEN the assets bucket is described
    versioning = s3.get_bucket_versioning(Bucket=local_resources.assets_bucket)
    notifications = s3.get_bucket_notification_configuration(Bucket=local_resources.assets_bucket)

    # THEN it keeps versions and sends every ObjectCreated event to ASSET_UPLOADS.function
    assert local_resources.assets_bucket == "ugc-local-assets"
    assert versioning["Status"] == "Enabled"
    (config,) = notifications["LambdaFunctionConfigurations"]
    assert config["LambdaFunctionArn"] == (
        f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:{ASSET_UPLOADS.function}"
    )
    assert config["Events"] == ["s3:ObjectCreated:*"]


@pytest.fixture
def signed_in(local_resources, local_aws_client):
    """A confirmed user of the local pool, signed in with USER_PASSWORD_AUTH on the app client."""
    cognito = local_aws_client("cognito-idp")
    username = f"user-{uuid.uuid4().hex[:8]}"
    password = "Corr3ct-Horse!"
    cognito.admin_create_user(
        UserPoolId=local_resources.user_pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=local_resources.user_pool_id, Username=username, Password=password, Permanent=True
    )
    result = cognito.initiate_auth(
        ClientId=local_resources.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return username, result


def test_signed_in_users_id_token_verifies_against_the_served_jwks(local_resources, signed_in):
    # GIVEN a user who signed in on the app client
    username, tokens = signed_in

    # WHEN the id token is verified with the key published at jwks_url
    signing_key = jwt.PyJWKClient(local_resources.jwks_url).get_signing_key_from_jwt(tokens["IdToken"])
    claims = jwt.decode(
        tokens["IdToken"],
        signing_key.key,
        algorithms=["RS256"],
        audience=local_resources.user_pool_client_id,
        issuer=local_resources.user_pool_issuer,
    )

    # THEN the signature, issuer and audience hold and the token names the user
    assert claims["iss"] == local_resources.user_pool_issuer
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == username
    assert claims["email"] == f"{username}@example.com"


def test_an_id_token_with_altered_claims_does_not_verify(local_resources, signed_in):
    # GIVEN the user's id token with its claims rewritten (another user name) but its signature kept
    _, tokens = signed_in
    header, payload, signature = tokens["IdToken"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = "someone-else"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"

    # WHEN it is verified against the served JWKS
    signing_key = jwt.PyJWKClient(local_resources.jwks_url).get_signing_key_from_jwt(tokens["IdToken"])

    # THEN the signature does not match
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, signing_key.key, algorithms=["RS256"], audience=local_resources.user_pool_client_id)
