"""The synthesised template agrees with the facts it is built from (schema, table, settings, definitions)."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import schema
from core.settings import RUNTIME_PROVIDED, Settings
from core.table import TABLE
from infra.bundle import PYTHON_VERSION, content_hash
from infra.config import LOG_RETENTION_DAYS, file_context
from infra.definitions import (
    API,
    APP_CLIENT,
    ASSET_UPLOADS,
    COGNITO_TRIGGERS,
    DEPLOY_FUNCTIONS,
    EVENT_RULES,
    FUNCTIONS,
    OUTPUTS,
    QUEUES,
    SCHEDULES,
    USER_POOL,
    function_env,
    function_settings,
)
from tests.infra.infra_synth import Synth, declared_iam_only_mutations, every_arn

# What each access kind may do: the least-privilege lists the functions were specified with.
ACCESS_ACTIONS: dict[str, set[str]] = {
    "table": {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    },
    "pagination_secret": {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
    "ivs_channels": {
        "ivs:CreateChannel",
        "ivs:ListChannels",
        "ivs:GetChannel",
        "ivs:UpdateChannel",
        "ivs:DeleteChannel",
        "ivs:TagResource",
        "ivs:GetStream",
        "ivs:GetStreamSession",
        "ivs:StopStream",
        "ivs:CreateStreamKey",
        "ivs:DeleteStreamKey",
        "ivs:GetStreamKey",
        "ivs:ListStreamKeys",
    },
    "ivs_sessions": {"ivs:GetStreamSession"},
    "ivs_chat": {
        "ivschat:CreateRoom",
        "ivschat:GetRoom",
        "ivschat:UpdateRoom",
        "ivschat:DeleteRoom",
        "ivschat:TagResource",
        "ivschat:CreateChatToken",
        "ivschat:DeleteMessage",
        "ivschat:DisconnectUser",
    },
    "cognito_admin": {
        "cognito-idp:AdminGetUser",
        "cognito-idp:AdminUpdateUserAttributes",
        "cognito-idp:AdminDeleteUser",
        "cognito-idp:AdminDisableUser",
        "cognito-idp:AdminEnableUser",
        "cognito-idp:AdminUserGlobalSignOut",
        "cognito-idp:ListUsers",
    },
    "assets_bucket": {
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:ListBucket",
        "s3:ListBucketVersions",
    },
    "publish": {"appsync:GraphQL"},
    "metrics": {"cloudwatch:GetMetricData"},
    "playback_key": {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
    "product_api": {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
    "following_queue": {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"},
    # (and read the key that signs recording URLs)
    "recordings_bucket": {
        "s3:DeleteObject",
        "s3:ListBucket",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    },
    "recordings_listing": {"s3:ListBucket"},
    "ivs_video_settings": {"ivs:GetChannel", "ivs:UpdateChannel"},
}
# What CDK's SqsEventSource grants the consuming function (Lambda's poller acts with its role).
QUEUE_CONSUMER_ACTIONS = {
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}
# Logical-id prefixes of the Lambdas CDK adds for its custom resources (deploy time only).
CDK_HANDLERS = ("BucketNotificationsHandler", "CustomS3AutoDeleteObjects")
# The handler of CDK's custom-resource Provider framework: one per deploy-time resource.
PROVIDER_FRAMEWORK_HANDLER = "framework.onEvent"


def _deploy_functions(synth: Synth) -> list[Any]:
    """The deploy-time functions a stage has: every one (the signing keys', the run-time resources')."""
    return list(DEPLOY_FUNCTIONS.values())


def _work_queue(synth: Synth, name: str) -> str:
    """The logical id of QUEUES[name]'s queue (not its dead-letter queue)."""
    return next(
        qid
        for qid, q in synth.properties("AWS::SQS::Queue").items()
        if qid.startswith(f"Queues{name}") and "RedrivePolicy" in q
    )


# Logical-id prefixes of the stack's secrets (construct paths).
PAGINATION_SECRET = "SecretsPaginationSecret"
PRODUCT_API_SECRET = "SecretsProductApiCredentials"


def _secret(synth: Synth, prefix: str) -> dict[str, Any]:
    return {"Ref": synth.id_with_prefix("AWS::SecretsManager::Secret", prefix)}


def _granted(synth: Synth, kind: str) -> set[str]:
    """What an access kind grants on this stage: product search's secret exists only where it is on."""
    if kind == "product_api" and not synth.config.enable_amazon_product_stream_action:
        return set()
    if kind in {"recordings_bucket", "recordings_listing"} and not synth.config.recording:
        return set()
    return ACCESS_ACTIONS[kind]


# The only actions that take no resource ARN a grant could name: IVS makes channel ARNs at creation, and
# CloudWatch has no resource type for metrics (GetMetricData is granted on "*" or not at all).
RESOURCELESS_ACTIONS = {
    "ivs:CreateChannel",
    "ivs:ListChannels",
    "ivschat:ListRooms",
    "cloudwatch:GetMetricData",
    # Where the stage traces its functions (apiXray).
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def _function(synth: Synth, name: str) -> tuple[str, dict[str, Any]]:
    """The Lambda built for FUNCTIONS[name], found by its handler."""
    handler = FUNCTIONS[name].handler
    found = [(k, p) for k, p in synth.properties("AWS::Lambda::Function").items() if p.get("Handler") == handler]
    assert len(found) == 1, f"expected one function with handler {handler}"
    return found[0]


def _role_policy_statements(synth: Synth, role_arn: dict[str, Any]) -> list[dict[str, Any]]:
    role_id = role_arn["Fn::GetAtt"][0]
    return [
        statement
        for policy in synth.properties("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Roles"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _graphql_url(synth: Synth) -> dict[str, Any]:
    return {"Fn::GetAtt": [synth.only_id("AWS::AppSync::GraphQLApi"), "GraphQLUrl"]}


def _mutation_arn(synth: Synth, field_name: str) -> dict[str, Any]:
    """appsync:GraphQL's resource for one mutation of the stack's API, as the template has it."""
    api_id = {"Fn::GetAtt": [synth.only_id("AWS::AppSync::GraphQLApi"), "ApiId"]}
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":appsync:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":apis/",
                api_id,
                f"/types/Mutation/fields/{field_name}",
            ],
        ]
    }


def _assets_base_url(synth: Synth) -> dict[str, Any]:
    return _base_url(synth, "AssetsDistribution")


def _base_url(synth: Synth, prefix: str) -> dict[str, Any]:
    distribution = synth.id_with_prefix("AWS::CloudFront::Distribution", prefix)
    return {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}]]}


def _identity_statements(synth: Synth) -> list[dict[str, Any]]:
    """Every statement of every identity policy in the stack (policies, roles' inline and managed ones)."""
    documents = [p["PolicyDocument"] for p in synth.properties("AWS::IAM::Policy").values()]
    documents += [p["PolicyDocument"] for p in synth.properties("AWS::IAM::ManagedPolicy").values()]
    documents += [
        p["PolicyDocument"] for r in synth.properties("AWS::IAM::Role").values() for p in r.get("Policies", [])
    ]
    return [statement for document in documents for statement in document["Statement"]]


def test_every_lambda_field_has_exactly_one_direct_lambda_resolver(dev: Synth) -> None:
    # GIVEN the fields the schema says a Lambda resolves
    expected = sorted((f.type_name, f.field_name, f.max_batch_size) for f in schema.lambda_fields())

    # WHEN the dev stage is synthesised
    lambda_sources = {
        p["Name"] for p in dev.properties("AWS::AppSync::DataSource").values() if p["Type"] == "AWS_LAMBDA"
    }
    resolvers = [r for r in dev.properties("AWS::AppSync::Resolver").values() if r["DataSourceName"] in lambda_sources]

    # THEN there is one Lambda resolver per field, none extra, with the field's batch size
    actual = sorted((r["TypeName"], r["FieldName"], r.get("MaxBatchSize", 0)) for r in resolvers)
    assert actual == expected
    # AND subscribe-time resolvers are among them (AppSync runs them when a client subscribes)
    assert any(type_name == "Subscription" for type_name, _, _ in actual)
    # AND each is a Direct Lambda resolver: no mapping templates, no pipeline
    for resolver in resolvers:
        assert resolver["Kind"] == "UNIT"
        assert not {"RequestMappingTemplate", "ResponseMappingTemplate", "Code", "Runtime"} & resolver.keys()


def test_every_local_field_returns_its_argument_from_a_none_data_source(dev: Synth) -> None:
    from infra.constructs.api import local_resolver_code

    # GIVEN the fields the schema gives local resolvers (the publish-only mutations)
    fields = schema.local_fields()
    assert fields, "the schema has no local field: the test would prove nothing"
    none_sources = {p["Name"] for p in dev.properties("AWS::AppSync::DataSource").values() if p["Type"] == "NONE"}
    resolvers = {(r["TypeName"], r["FieldName"]): r for r in dev.properties("AWS::AppSync::Resolver").values()}

    for field in fields:
        # WHEN reading a local field's resolver
        resolver = resolvers[(field.type_name, field.field_name)]

        # THEN it runs on a NONE data source (no Lambda is invoked) and its APPSYNC_JS code passes the argument
        # through as the result, which AppSync then sends to the mutation's subscribers
        assert resolver["DataSourceName"] in none_sources
        assert resolver["Runtime"] == {"Name": "APPSYNC_JS", "RuntimeVersion": "1.0.0"}
        assert resolver["Code"] == local_resolver_code(field.argument)
        assert f"payload: ctx.args.{field.argument}" in resolver["Code"]
    # AND every resolver of the API is either a Lambda field's or a local field's
    assert len(resolvers) == len(schema.lambda_fields()) + len(fields)


def test_each_resolver_invokes_the_function_its_field_names(dev: Synth) -> None:
    # GIVEN the data sources and resolvers of the synthesised API
    data_sources = dev.properties("AWS::AppSync::DataSource")
    by_name = {p["Name"]: p for p in data_sources.values()}
    functions = dev.resources("AWS::Lambda::Function")
    resolvers = {(r["TypeName"], r["FieldName"]): r for r in dev.properties("AWS::AppSync::Resolver").values()}

    for field in schema.lambda_fields():
        # WHEN following a field's resolver to its data source and Lambda
        source = by_name[resolvers[(field.type_name, field.field_name)]["DataSourceName"]]
        assert source["Type"] == "AWS_LAMBDA"
        function_id = source["LambdaConfig"]["LambdaFunctionArn"]["Fn::GetAtt"][0]

        # THEN that Lambda runs the handler of the function the schema names
        assert functions[function_id]["Properties"]["Handler"] == FUNCTIONS[field.function].handler


def test_api_schema_is_the_generated_sdl(dev: Synth) -> None:
    # GIVEN the schema module's SDL
    # WHEN reading the schema the template deploys
    deployed = dev.only("AWS::AppSync::GraphQLSchema")["Properties"]["Definition"]

    # THEN AppSync gets exactly that SDL (schema.graphql has not drifted)
    assert deployed == schema.sdl()


def test_api_auth_modes_are_the_defined_ones(dev: Synth) -> None:
    # GIVEN the API definition's default and additional auth modes
    # WHEN reading the synthesised GraphQL API
    api = dev.only("AWS::AppSync::GraphQLApi")["Properties"]

    # THEN the default and the additional modes match, in order
    assert api["AuthenticationType"] == API.default_auth
    additional = [p["AuthenticationType"] for p in api.get("AdditionalAuthenticationProviders", [])]
    assert additional == list(API.additional_auth)
    # AND the user pool mode points at the stack's own pool
    assert api["UserPoolConfig"]["UserPoolId"] == {"Ref": next(iter(dev.resources("AWS::Cognito::UserPool")))}


def test_api_key_expires_after_the_configured_days(each_stage: Synth) -> None:
    # GIVEN a stage's API key expiry in days
    days = each_stage.config.api_key_expiry_days

    # WHEN reading the API key
    expires = each_stage.only("AWS::AppSync::ApiKey")["Properties"]["Expires"]

    # THEN it expires that many days after synth (within the hour AppSync rounds to)
    assert abs(expires - (time.time() + days * 86400)) < 3600


def test_table_keys_and_indexes_are_the_table_definition(dev: Synth) -> None:
    # GIVEN the table definition the local stack creates its table from
    expected = TABLE.create_table_kwargs("unused")

    # WHEN reading the synthesised table
    table = dev.only("AWS::DynamoDB::Table")["Properties"]

    # THEN keys, attributes, indexes and billing are the same
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    assert table["GlobalSecondaryIndexes"] == expected["GlobalSecondaryIndexes"]
    assert table["BillingMode"] == expected["BillingMode"]
    # AND the TTL attribute that expires deleted accounts' tombstones is the definition's
    assert table["TimeToLiveSpecification"] == {"AttributeName": TABLE.ttl_attribute, "Enabled": True}
    # AND point-in-time recovery is on
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_function_environment_is_what_function_settings_gives_each_function(each_stage: Synth) -> None:
    # GIVEN the stack's resources, as the template names them
    resources = {
        "<table>": {"Ref": each_stage.only_id("AWS::DynamoDB::Table")},
        "<pool>": {"Ref": each_stage.only_id("AWS::Cognito::UserPool")},
        "<secret>": _secret(each_stage, PAGINATION_SECRET),
        # (the playback key's secret as its custom resource returns it, once the secret holds the key)
        "<playback>": {"Fn::GetAtt": [*each_stage.resources("Custom::PlaybackSigningKey"), "SecretArn"]},
        "<bucket>": {"Ref": each_stage.id_with_prefix("AWS::S3::Bucket", "AssetsBucket")},
        "<assets>": _assets_base_url(each_stage),
        "<graphql>": _graphql_url(each_stage),
        "<following>": {"Ref": _work_queue(each_stage, "following")},
        "<policy>": {"Fn::GetAtt": [each_stage.only_id("AWS::IVS::PlaybackRestrictionPolicy"), "Arn"]},
    }
    if each_stage.config.recording:
        resources["<recording>"] = {"Fn::GetAtt": [each_stage.only_id("AWS::IVS::RecordingConfiguration"), "Arn"]}
        resources["<recordings>"] = {"Ref": each_stage.id_with_prefix("AWS::S3::Bucket", "VideoRecordings")}
        resources["<cdn>"] = _base_url(each_stage, "RecordingsDistribution")
        resources["<key-id>"] = {"Ref": each_stage.id_with_prefix("AWS::CloudFront::PublicKey", "RecordingsPublicKey")}
        resources["<key>"] = {"Fn::GetAtt": [*each_stage.resources("Custom::RecordingsSigningKey"), "SecretArn"]}

    if each_stage.config.enable_amazon_product_stream_action:
        resources["<product>"] = _secret(each_stage, PRODUCT_API_SECRET)

    for name in FUNCTIONS:
        # WHEN reading a function's environment
        _, function = _function(each_stage, name)
        env = function["Environment"]["Variables"]

        # THEN it sets every name the settings model reads, except those the Lambda runtime provides
        assert set(env) == Settings.env_names() - RUNTIME_PROVIDED
        # AND each value is what function_settings gives for this stage and these resources, less what the
        # function may not know (function_env: Cognito's triggers get no user pool id, and only the
        # publishers get the GraphQL URL)
        settings = function_settings(
            each_stage.config,
            region="<region>",
            table_name="<table>",
            user_pool_id="<pool>",
            pagination_secret_arn="<secret>",
            assets_bucket="<bucket>",
            assets_base_url="<assets>",
            graphql_url="<graphql>",
            playback_key_secret_arn="<playback>",
            product_api_secret_arn="<product>" if each_stage.config.enable_amazon_product_stream_action else "",
            following_queue_url="<following>",
            playback_restriction_policy_arn="<policy>",
            recording_configuration_arn="<recording>" if each_stage.config.recording else "",
            recordings_bucket="<recordings>" if each_stage.config.recording else "",
            recordings_base_url="<cdn>" if each_stage.config.recording else "",
            recordings_key_id="<key-id>" if each_stage.config.recording else "",
            recordings_key_secret_arn="<key>" if each_stage.config.recording else "",
        )
        expected = function_env(FUNCTIONS[name], settings)
        assert env == {key: resources.get(value, value) for key, value in expected.items()}, name


def test_only_cognito_trigger_functions_go_without_the_user_pool_id(dev: Synth) -> None:
    # GIVEN the user pool, and the functions its triggers invoke
    pool = dev.only_id("AWS::Cognito::UserPool")
    triggered = set(COGNITO_TRIGGERS.values())

    for name in FUNCTIONS:
        # WHEN reading a function's USER_POOL_ID
        _, function = _function(dev, name)
        user_pool_id = function["Environment"]["Variables"]["USER_POOL_ID"]

        # THEN a trigger's is empty (the pool names it; it reads the pool from its events), others name the pool
        assert user_pool_id == ("" if name in triggered else {"Ref": pool}), name
    _, api = _function(dev, "api")
    # AND the stage's sign-up options reach the functions
    assert api["Environment"]["Variables"]["ENABLE_USER_AUTO_VERIFY"] == "true"
    assert api["Environment"]["Variables"]["CLIENT_BASE_URL"] == dev.config.client_base_url


def test_only_the_functions_that_publish_know_the_graphql_url(each_stage: Synth) -> None:
    # GIVEN the API's URL, the functions granted its publish mutations, and the Lambdas behind its data sources
    url = _graphql_url(each_stage)
    publishers = {name for name, definition in FUNCTIONS.items() if "publish" in definition.access}
    data_sources = {
        p["LambdaConfig"]["LambdaFunctionArn"]["Fn::GetAtt"][0]
        for p in each_stage.properties("AWS::AppSync::DataSource").values()
        if p["Type"] == "AWS_LAMBDA"
    }
    assert publishers, "no function publishes: the test below would prove nothing"

    for name in FUNCTIONS:
        # WHEN reading a function's GRAPHQL_URL
        function_id, function = _function(each_stage, name)
        graphql_url = function["Environment"]["Variables"]["GRAPHQL_URL"]

        # THEN a publisher's is the API's own URL, and every other function's is empty
        assert graphql_url == (url if name in publishers else ""), name
        # AND no function behind the API's resolvers knows it (they have no reason to call the API back)
        if function_id in data_sources:
            assert graphql_url == "", name
    # AND the stack's output is that same URL
    assert each_stage.template.to_json()["Outputs"][OUTPUTS.graphql_url]["Value"] == url


def test_publish_grants_name_exactly_the_iam_only_mutations(each_stage: Synth) -> None:
    # GIVEN the mutations the schema declares for IAM callers only (the back end's publish mutations)
    mutations = declared_iam_only_mutations()
    assert mutations, "the schema declares no IAM-only mutation: the test below would prove nothing"
    expected = sorted((_mutation_arn(each_stage, m) for m in mutations), key=json.dumps)

    for name, definition in FUNCTIONS.items():
        # WHEN reading the AppSync statements of a function's role
        _, function = _function(each_stage, name)
        statements = [
            s
            for s in _role_policy_statements(each_stage, function["Role"])
            if "appsync:GraphQL" in _as_list(s["Action"])
        ]

        # THEN a function with publish access may call exactly those mutations of this API, one ARN each
        # (no types/Mutation/*, no user-facing mutation); other functions may call none
        resources = sorted((r for s in statements for r in _as_list(s["Resource"])), key=json.dumps)
        assert resources == (expected if "publish" in definition.access else []), name
        assert all(_as_list(s["Action"]) == ["appsync:GraphQL"] for s in statements), name


def test_stage_configs_pick_the_channel_type_per_stage(dev: Synth, prod: Synth) -> None:
    # GIVEN cdk.json's stages
    # WHEN both are synthesised
    _, dev_function = _function(dev, "api")
    _, prod_function = _function(prod, "api")

    # THEN dev creates BASIC channels and prod STANDARD ones
    assert dev_function["Environment"]["Variables"]["IVS_CHANNEL_TYPE"] == "BASIC"
    assert prod_function["Environment"]["Variables"]["IVS_CHANNEL_TYPE"] == "STANDARD"


def test_pagination_secret_is_a_generated_64_character_string(dev: Synth) -> None:
    # GIVEN the stack
    # WHEN reading the pagination secret
    secret = dev.resources("AWS::SecretsManager::Secret")[
        dev.id_with_prefix("AWS::SecretsManager::Secret", PAGINATION_SECRET)
    ]["Properties"]

    # THEN CloudFormation generates it: 64 characters, none that need escaping
    assert secret["GenerateSecretString"]["PasswordLength"] == 64
    assert secret["GenerateSecretString"]["ExcludePunctuation"] is True
    assert "SecretString" not in secret


def test_one_lambda_per_function_definition_with_its_handler(each_stage: Synth) -> None:
    # GIVEN the stack's Lambdas
    functions = each_stage.properties("AWS::Lambda::Function")

    # WHEN setting CDK's own deploy-time handlers apart (stack-level singletons with fixed id prefixes, and
    # the Provider framework of each custom resource)
    helpers = sorted(prefix for prefix in CDK_HANDLERS for logical_id in functions if logical_id.startswith(prefix))
    frameworks = [f for f in functions.values() if f.get("Handler") == PROVIDER_FRAMEWORK_HANDLER]
    project = [
        f
        for logical_id, f in functions.items()
        if not logical_id.startswith(tuple(CDK_HANDLERS)) and f.get("Handler") != PROVIDER_FRAMEWORK_HANDLER
    ]

    # THEN there is one Lambda per FUNCTIONS entry and per deploy-time function of the stage (the teardown
    # only where the stage's data goes with the stack), running that entry's handler
    definitions = [*FUNCTIONS.values(), *_deploy_functions(each_stage)]
    assert sorted(f["Handler"] for f in project) == sorted(d.handler for d in definitions)
    # AND CDK adds one Provider framework per deploy-time function, the bucket-notification handler, and the
    # bucket emptier where data is not kept
    assert len(frameworks) == len(_deploy_functions(each_stage))
    expected = ["BucketNotificationsHandler"] + ([] if each_stage.config.retain_data else ["CustomS3AutoDeleteObjects"])
    assert helpers == sorted(expected)


def test_functions_run_the_bundled_python_on_the_configured_architecture(each_stage: Synth) -> None:
    for name, definition in FUNCTIONS.items():
        # WHEN reading a function
        _, function = _function(each_stage, name)

        # THEN its runtime is the Python the bundle installs wheels for, on the stage's architecture
        assert function["Runtime"] == f"python{PYTHON_VERSION}"
        assert function["Architectures"] == [each_stage.config.lambda_architecture]
        assert function["MemorySize"] == (each_stage.config.lambda_memory_mb or definition.memory_mb)
        assert function["Timeout"] == definition.timeout_seconds
        # AND it is traced (active X-Ray) exactly where the stage traces its API (no TracingConfig is Lambda's
        # default, PassThrough: it traces only requests that arrive sampled)
        mode = function.get("TracingConfig", {}).get("Mode", "PassThrough")
        assert mode == ("Active" if each_stage.config.api_xray else "PassThrough"), name


def test_every_function_deploys_the_runtime_folder_of_its_architecture(each_stage: Synth) -> None:
    # GIVEN the folder bundled for the stage's architecture (one for every function: same code and deps)
    folder = each_stage.asset_root / f"runtime-{each_stage.config.lambda_architecture}"
    # CDK names a custom-hashed asset by the SHA-256 of that hash (the content's, not the path's, which CDK
    # would stage only once per process)
    expected = hashlib.sha256(content_hash(folder).encode()).hexdigest()
    handlers = {d.handler for d in [*FUNCTIONS.values(), *DEPLOY_FUNCTIONS.values()]}
    project = [f for f in each_stage.properties("AWS::Lambda::Function").values() if f.get("Handler") in handlers]
    assert len(project) == len(FUNCTIONS) + len(_deploy_functions(each_stage))

    for function in project:
        # WHEN reading a function's code location
        # THEN it is that one asset
        assert function["Code"]["S3Key"] == f"{expected}.zip"


def test_each_function_gets_exactly_the_grants_its_access_kinds_name(each_stage: Synth) -> None:
    for name, definition in FUNCTIONS.items():
        # WHEN reading the actions a function's role allows
        _, function = _function(each_stage, name)
        statements = _role_policy_statements(each_stage, function["Role"])
        actions = {a for s in statements for a in _as_list(s["Action"])}

        # THEN they are exactly those of its access kinds: nothing missing, nothing extra
        # (plus X-Ray's, where the stage traces its functions)
        expected = set().union(*(_granted(each_stage, kind) for kind in definition.access))
        # (plus what the event source mapping of a queue it consumes needs)
        if any(queue.function == name for queue in QUEUES.values()):
            expected |= QUEUE_CONSUMER_ACTIONS
        assert actions == expected | (XRAY_ACTIONS if each_stage.config.api_xray else set()), name
        # AND a Cognito trigger function never administers the pool (that grant would be a cycle)
        if name in COGNITO_TRIGGERS.values():
            assert not any(a.startswith("cognito-idp:") for a in actions)


def _resource_set(resources: list[Any]) -> list[str]:
    """A statement's resources compared as a set (the template's order is CDK's, not a fact)."""
    return sorted(json.dumps(r, sort_keys=True) for r in resources)


@pytest.mark.parametrize("stage", ["dev", "full"])
def test_grants_name_the_stack_resources_or_this_accounts_ivs_resources(synths: dict[str, Synth], stage: str) -> None:
    # GIVEN the stack's table, secrets, pool, bucket and API
    dev = synths[stage]
    table = dev.only_id("AWS::DynamoDB::Table")
    secrets = list(dev.resources("AWS::SecretsManager::Secret"))
    pool = dev.only_id("AWS::Cognito::UserPool")
    bucket = _arn(dev.id_with_prefix("AWS::S3::Bucket", "AssetsBucket"))
    recordings = _arn(dev.id_with_prefix("AWS::S3::Bucket", "VideoRecordings")) if dev.config.recording else None
    expected: dict[str, list[list[Any]]] = {
        "dynamodb": [[_arn(table), {"Fn::Join": ["", [_arn(table), "/index/*"]]}]],
        # (a function reading several secrets gets one statement naming them: CDK minimises policies)
        "secretsmanager": [
            [{"Ref": secret} for secret in chosen]
            for size in range(1, len(secrets) + 1)
            for chosen in itertools.combinations(secrets, size)
        ],
        "cognito-idp": [[_arn(pool)]],
        "s3": [[bucket], [{"Fn::Join": ["", [bucket, "/*"]]}]]
        + ([[recordings], [{"Fn::Join": ["", [recordings, "/*"]]}]] if recordings else []),
        # AND IVS resources, which IVS makes at runtime, are those of this account and region
        "ivs": [["*"], [every_arn("ivs", "channel"), every_arn("ivs", "stream-key")], [every_arn("ivs", "channel")]],
        "ivschat": [[every_arn("ivschat", "room")]],
        # AND the API's publish mutations, one ARN each
        "appsync": [[_mutation_arn(dev, m) for m in declared_iam_only_mutations()]],
        # AND CloudWatch metrics, which have no ARN (see RESOURCELESS_ACTIONS)
        "cloudwatch": [["*"]],
        # AND the work queues, each by itself
        "sqs": [[_arn(_work_queue(dev, name))] for name in QUEUES],
    }
    allowed = {service: [_resource_set(r) for r in options] for service, options in expected.items()}

    for name in FUNCTIONS:
        _, function = _function(dev, name)
        for statement in _role_policy_statements(dev, function["Role"]):
            # WHEN reading each statement of each function's role
            services = {a.split(":")[0] for a in _as_list(statement["Action"])}
            assert len(services) == 1, statement

            # THEN it names this stack's resources of its one service
            assert _resource_set(_as_list(statement["Resource"])) in allowed[services.pop()], statement


def test_no_identity_policy_allows_wildcard_actions_or_data_actions_on_every_resource(each_stage: Synth) -> None:
    for statement in _identity_statements(each_stage):
        # WHEN reading each statement of each identity policy in the stack (CDK's helpers' too)
        actions = _as_list(statement["Action"])
        resources = _as_list(statement["Resource"])

        # THEN no action is a wildcard ("*", "dynamodb:*", "s3:Get*")
        assert not [a for a in actions if "*" in a], statement
        # AND no data action (items, objects) applies to every resource
        if "*" in resources:
            assert not [a for a in actions if a.startswith(("dynamodb:", "s3:"))], statement
            # AND the only grants on "*" are the actions that take no resource (IVS channel creation and
            # listing, CloudWatch's GetMetricData)
            assert set(actions) <= RESOURCELESS_ACTIONS, statement


def test_the_pool_names_a_function_for_every_cognito_trigger(each_stage: Synth) -> None:
    # GIVEN the trigger registry
    pool = each_stage.only_id("AWS::Cognito::UserPool")

    # WHEN reading the user pool's Lambda configuration
    config = each_stage.only("AWS::Cognito::UserPool")["Properties"]["LambdaConfig"]

    # THEN each trigger invokes the function the registry names, and no other trigger is set
    assert config == {trigger: _arn(_function(each_stage, name)[0]) for trigger, name in COGNITO_TRIGGERS.items()}
    # AND Cognito may invoke those functions, on behalf of this pool only
    permissions = list(each_stage.properties("AWS::Lambda::Permission").values())
    for name in set(COGNITO_TRIGGERS.values()):
        function_id, _ = _function(each_stage, name)
        assert {
            "Action": "lambda:InvokeFunction",
            "FunctionName": _arn(function_id),
            "Principal": "cognito-idp.amazonaws.com",
            "SourceArn": _arn(pool),
        } in permissions


def test_each_upload_kind_notifies_the_assets_function(each_stage: Synth) -> None:
    # GIVEN the assets bucket and the function its uploads go to
    bucket = each_stage.id_with_prefix("AWS::S3::Bucket", "AssetsBucket")
    function_id, _ = _function(each_stage, ASSET_UPLOADS.function)

    # WHEN reading the bucket's notification configuration
    notifications = each_stage.only("Custom::S3BucketNotifications")["Properties"]

    # THEN every object created under `<sub>/<kind>`, and only that, invokes the function
    assert notifications["BucketName"] == {"Ref": bucket}
    assert notifications["NotificationConfiguration"] == {
        "LambdaFunctionConfigurations": [
            {
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": f"/{kind}"}]}},
                "LambdaFunctionArn": _arn(function_id),
            }
            for kind in ASSET_UPLOADS.kinds
        ]
    }
    # AND S3 may invoke it, for this bucket only
    permissions = each_stage.properties("AWS::Lambda::Permission").values()
    assert [p["SourceArn"] for p in permissions if p["Principal"] == "s3.amazonaws.com"] == [_arn(bucket)]


def test_each_schedule_runs_its_function(each_stage: Synth) -> None:
    # GIVEN the schedule registry
    expected = sorted(
        (s.expression, json.dumps([_arn(_function(each_stage, s.function)[0])])) for s in SCHEDULES.values()
    )

    # WHEN reading the stack's scheduled EventBridge rules
    rules = {k: r for k, r in each_stage.properties("AWS::Events::Rule").items() if "ScheduleExpression" in r}

    # THEN there is one enabled rule per schedule, with its expression, invoking its function
    actual = sorted((r["ScheduleExpression"], json.dumps([t["Arn"] for t in r["Targets"]])) for r in rules.values())
    assert actual == expected
    assert all(r["State"] == "ENABLED" for r in rules.values())
    # AND EventBridge may invoke each function, for its own rule only
    permissions = list(each_stage.properties("AWS::Lambda::Permission").values())
    for rule_id, rule in rules.items():
        [target] = rule["Targets"]
        assert {
            "Action": "lambda:InvokeFunction",
            "FunctionName": target["Arn"],
            "Principal": "events.amazonaws.com",
            "SourceArn": _arn(rule_id),
        } in permissions


def test_metrics_are_collected_every_minute(each_stage: Synth) -> None:
    # GIVEN the one function allowed to read CloudWatch metrics: the scheduled metrics function
    readers = [name for name, definition in FUNCTIONS.items() if "metrics" in definition.access]
    assert readers == [SCHEDULES["metrics"].function]
    function_id, _ = _function(each_stage, SCHEDULES["metrics"].function)

    # WHEN reading the rules that invoke it
    rules = [
        r
        for r in each_stage.properties("AWS::Events::Rule").values()
        if _arn(function_id) in [t["Arn"] for t in r["Targets"]]
    ]

    # THEN one rule runs it, every minute, and no event pattern does
    assert [r.get("ScheduleExpression") for r in rules] == ["rate(1 minute)"]


def test_each_event_rule_sends_this_regions_matching_events_to_its_function(each_stage: Synth) -> None:
    # GIVEN the event rule registry
    rules = {k: r for k, r in each_stage.properties("AWS::Events::Rule").items() if "EventPattern" in r}
    permissions = list(each_stage.properties("AWS::Lambda::Permission").values())

    # WHEN reading the stack's pattern rules (every rule is either a schedule or one of these)
    assert len(rules) == len(EVENT_RULES)
    assert len(each_stage.resources("AWS::Events::Rule")) == len(SCHEDULES) + len(EVENT_RULES)
    for name, event_rule in EVENT_RULES.items():
        function_id, _ = _function(each_stage, event_rule.function)
        [(rule_id, rule)] = [
            (k, r)
            for k, r in rules.items()
            if r["EventPattern"] == {**event_rule.pattern, "region": [{"Ref": "AWS::Region"}]}
        ]

        # THEN its pattern is the registry's, restricted to the stack's own region, on the default bus
        assert "EventBusName" not in rule, name
        assert rule["State"] == "ENABLED", name
        # AND it invokes the registry's function, which EventBridge may invoke for this rule only
        assert [t["Arn"] for t in rule["Targets"]] == [_arn(function_id)], name
        assert {
            "Action": "lambda:InvokeFunction",
            "FunctionName": _arn(function_id),
            "Principal": "events.amazonaws.com",
            "SourceArn": _arn(rule_id),
        } in permissions


@pytest.mark.parametrize(
    ("key", "message"), [("region", "unsupported pattern keys region"), ("detail", "unsupported pattern keys detail")]
)
def test_an_event_rule_pattern_may_not_set_its_region_or_nested_fields(key: str, message: str) -> None:
    from infra.constructs.triggers import event_pattern
    from infra.definitions import EventRule

    # GIVEN a rule whose pattern names a key the stack sets itself (region) or cannot take from a flat list
    rule = EventRule(function="streams", pattern={"source": ["aws.ivs"], key: ["x"]})

    # WHEN building its pattern / THEN it is refused, naming the key
    with pytest.raises(ValueError, match=message):
        event_pattern("rule", rule, "eu-west-1")


def test_both_stages_synthesise_so_neither_has_a_dependency_cycle(synths: dict[str, Synth]) -> None:
    # GIVEN both stages synthesised with cdk.json's context (the session fixture); a cycle would have failed
    # that synth (see the next test), as it would fail `cdk synth`, long before CloudFormation refused it
    # THEN each has its resources
    assert all(synth.resources("AWS::Cognito::UserPool") for synth in synths.values())


def test_a_dependency_cycle_fails_the_synth(tmp_path: Path) -> None:
    from aws_cdk import App, CfnResource, Stack

    # GIVEN cdk.json's context, and two resources naming each other
    app = App(context=file_context(), outdir=str(tmp_path))
    stack = Stack(app, "Cycle")
    first = CfnResource(stack, "First", type="AWS::SNS::Topic")
    second = CfnResource(stack, "Second", type="AWS::SNS::Topic", properties={"DisplayName": first.ref})
    first.add_property_override("DisplayName", second.ref)

    # WHEN synthesising / THEN it fails naming the cycle (cdk.json turns CDK's template validation on)
    with pytest.raises(RuntimeError, match="Circular dependency with \\[First -> Second -> First\\]"):
        app.synth()


def test_a_cognito_trigger_function_may_not_name_its_pool() -> None:
    from infra.constructs.triggers import check_cognito_triggers

    # GIVEN the trigger function given cognito_admin access
    trigger_function = COGNITO_TRIGGERS["PreSignUp"]
    definition = FUNCTIONS[trigger_function]
    definitions = {**FUNCTIONS, trigger_function: replace(definition, access=(*definition.access, "cognito_admin"))}

    # WHEN checking the trigger wiring / THEN it is refused, saying why
    with pytest.raises(ValueError, match="no cognito_admin access"):
        check_cognito_triggers(COGNITO_TRIGGERS, definitions)
    # AND so is a trigger function given the pool's id
    definitions = {**FUNCTIONS, trigger_function: replace(definition, knows_user_pool=True)}
    with pytest.raises(ValueError, match="needs knows_user_pool=False"):
        check_cognito_triggers(COGNITO_TRIGGERS, definitions)
    # AND so are triggers Cognito does not have, and functions FUNCTIONS does not define
    with pytest.raises(ValueError, match="'PreSignup': unsupported"):
        check_cognito_triggers({"PreSignup": trigger_function})
    with pytest.raises(ValueError, match="no function 'nope'"):
        check_cognito_triggers({"PreSignUp": "nope"})


def test_assets_bucket_is_private_versioned_encrypted_and_takes_uploads_from_the_client(each_stage: Synth) -> None:
    # GIVEN the stage's client URL
    client = urlsplit(each_stage.config.client_base_url)

    # WHEN reading the assets bucket
    bucket = each_stage.resources("AWS::S3::Bucket")[each_stage.id_with_prefix("AWS::S3::Bucket", "AssetsBucket")][
        "Properties"
    ]

    # THEN it blocks every kind of public access, keeps versions, and encrypts with S3-managed keys
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    # AND replaced uploads go after a day
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    # AND browsers on the client's origin (not its path) may POST uploads and GET objects
    [cors] = bucket["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedOrigins"] == [f"{client.scheme}://{client.netloc}"]
    assert sorted(cors["AllowedMethods"]) == ["GET", "POST"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://App.Example.com:443/ugc", "https://app.example.com"),
        ("https://app.example.com:8443", "https://app.example.com:8443"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_cors_allows_the_origin_a_browser_on_the_client_sends(url: str, origin: str) -> None:
    from infra.definitions import origin_of

    # GIVEN a client base URL / WHEN taking its origin / THEN it is what the browser's Origin header says
    assert origin_of(url) == origin


def test_only_the_distribution_may_read_the_bucket_and_only_over_tls(each_stage: Synth) -> None:
    # GIVEN the bucket policy and the distribution
    assets = each_stage.id_with_prefix("AWS::S3::Bucket", "AssetsBucket")
    (policy,) = [p for p in each_stage.properties("AWS::S3::BucketPolicy").values() if p["Bucket"] == {"Ref": assets}]
    statements = policy["PolicyDocument"]["Statement"]
    distribution = each_stage.id_with_prefix("AWS::CloudFront::Distribution", "AssetsDistribution")
    allows = [s for s in statements if s["Effect"] == "Allow"]

    # WHEN picking the statements for CloudFront
    cloudfront = [s for s in allows if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]

    # THEN CloudFront may read objects and their versions, for this distribution only
    [read] = cloudfront
    assert sorted(_as_list(read["Action"])) == ["s3:GetObject", "s3:GetObjectVersion"]
    assert {"Ref": distribution} in read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]
    # AND the only other principal allowed is CDK's bucket emptier, in stages that do not keep data
    others = [s for s in allows if s not in cloudfront]
    if each_stage.config.retain_data:
        assert others == []
    else:
        [emptier] = others
        assert emptier["Principal"]["AWS"]["Fn::GetAtt"][0].startswith("CustomS3AutoDeleteObjects")
    # AND requests without TLS are denied
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )


def test_assets_are_served_over_https_by_cloudfront_one_cache_entry_per_version(each_stage: Synth) -> None:
    # GIVEN the bucket
    bucket = each_stage.id_with_prefix("AWS::S3::Bucket", "AssetsBucket")

    # WHEN reading the distribution, its origin access control and its cache policy
    distribution = each_stage.id_with_prefix("AWS::CloudFront::Distribution", "AssetsDistribution")
    config = each_stage.properties("AWS::CloudFront::Distribution")[distribution]["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    oac = each_stage.id_with_prefix("AWS::CloudFront::OriginAccessControl", "AssetsDistribution")
    cache_policy = each_stage.properties("AWS::CloudFront::CachePolicy")[behavior["CachePolicyId"]["Ref"]]

    # THEN viewers must use HTTPS, and the only origin is the bucket, reached with signed requests
    assert behavior["ViewerProtocolPolicy"] == "https-only"
    [origin] = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket, "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac, "Id"]}
    access_control = each_stage.properties("AWS::CloudFront::OriginAccessControl")[oac]
    assert access_control["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    # AND the cache key is the path plus the versionId query string, nothing else
    key = cache_policy["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "whitelist", "QueryStrings": ["versionId"]}
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    # AND the functions and the outputs get its https:// address as the assets base URL
    outputs = each_stage.template.to_json()["Outputs"]
    assert outputs[OUTPUTS.assets_base_url]["Value"] == _assets_base_url(each_stage)
    assert outputs[OUTPUTS.assets_bucket]["Value"] == {"Ref": bucket}


def test_user_pool_and_client_follow_the_definitions(dev: Synth) -> None:
    # GIVEN the user pool and app client definitions
    # WHEN reading the synthesised pool and client
    pool = dev.only("AWS::Cognito::UserPool")["Properties"]
    client = dev.only("AWS::Cognito::UserPoolClient")["Properties"]

    # THEN sign-in, attributes and password rules match
    policy = USER_POOL.password_policy
    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": policy.min_length,
        "RequireLowercase": policy.require_lowercase,
        "RequireUppercase": policy.require_uppercase,
        "RequireNumbers": policy.require_digits,
        "RequireSymbols": policy.require_symbols,
    }
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is not USER_POOL.self_sign_up
    assert pool["UsernameConfiguration"]["CaseSensitive"] is USER_POOL.sign_in_case_sensitive
    assert set(pool["AliasAttributes"]) == set(USER_POOL.sign_in_aliases) - {"username"}
    assert set(pool["AutoVerifiedAttributes"]) == set(USER_POOL.auto_verified_attributes)
    required = {a["Name"] for a in pool["Schema"] if a.get("Required")}
    assert required == set(USER_POOL.required_attributes)
    # AND the client allows exactly the defined flows, with the defined token lifetimes
    assert set(client["ExplicitAuthFlows"]) == set(APP_CLIENT.auth_flows)
    assert client["GenerateSecret"] is APP_CLIENT.generate_secret
    assert client["IdTokenValidity"] == APP_CLIENT.id_token_minutes
    assert client["AccessTokenValidity"] == APP_CLIENT.access_token_minutes
    assert client["RefreshTokenValidity"] == APP_CLIENT.refresh_token_days * 24 * 60
    assert "AllowedOAuthFlows" not in client


def test_prod_keeps_its_data_and_dev_does_not(dev: Synth, prod: Synth) -> None:
    # GIVEN prod retains data and dev does not (cdk.json)
    assert prod.config.retain_data
    assert not dev.config.retain_data

    for type_name in ("AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::S3::Bucket"):
        # WHEN reading the stateful resources
        prod_resource = prod.only(type_name)
        dev_resource = dev.only(type_name)

        # THEN prod's survive the stack and refuse deletion; dev's go with it
        assert prod_resource["DeletionPolicy"] == "Retain"
        assert dev_resource["DeletionPolicy"] == "Delete"
    assert prod.only("AWS::DynamoDB::Table")["Properties"]["DeletionProtectionEnabled"] is True
    assert prod.only("AWS::Cognito::UserPool")["Properties"]["DeletionProtection"] == "ACTIVE"
    # AND only dev's bucket is emptied on deletion (CloudFormation cannot delete a bucket with objects)
    assert len(dev.resources("Custom::S3AutoDeleteObjects")) == 1
    assert not prod.resources("Custom::S3AutoDeleteObjects")


def test_every_log_group_keeps_logs_for_the_stage_retention(each_stage: Synth) -> None:
    # GIVEN the stage's log retention
    days = each_stage.config.log_retention_days

    # WHEN reading the stack's log groups (the functions' and the API's)
    groups = each_stage.properties("AWS::Logs::LogGroup")

    # THEN there is one per function plus the API's, and two per deploy-time resource (its function's and its
    # Provider framework's), each with that retention
    assert len(groups) == len(FUNCTIONS) + 1 + 2 * len(_deploy_functions(each_stage))
    assert {g.get("RetentionInDays") for g in groups.values()} == {days}
    # AND no function of the project falls back to a never-expiring group Lambda would create itself
    for name in FUNCTIONS:
        _, function = _function(each_stage, name)
        assert function["LoggingConfig"]["LogGroup"]["Ref"] in groups


def test_api_logs_errors_without_verbose_content_to_its_own_group(dev: Synth) -> None:
    # GIVEN the API
    api = dev.only("AWS::AppSync::GraphQLApi")["Properties"]

    # WHEN reading its log settings
    log_config = api["LogConfig"]

    # THEN resolver errors are logged, without headers or tokens
    assert log_config["FieldLogLevel"] == "ERROR"
    assert log_config["ExcludeVerboseContent"] is True
    # AND no log-retention custom resource is needed
    assert not dev.resources("Custom::LogRetention")


def test_outputs_name_everything_a_client_needs(each_stage: Synth) -> None:
    # GIVEN the output keys `ugc outputs` reads
    # WHEN reading the stack outputs
    outputs = each_stage.template.to_json()["Outputs"]

    # THEN each key is there (the product API's secret only where product search is on, the alarm topic only
    # where there are alarms, the recordings' base URL only where the stage records), and the stage is a literal
    expected = set(asdict(OUTPUTS).values())
    if not each_stage.config.enable_amazon_product_stream_action:
        expected.remove(OUTPUTS.product_api_secret_arn)
    if not each_stage.config.alarms:
        expected.remove(OUTPUTS.alarm_topic_arn)
    if not each_stage.config.recording:
        expected.remove(OUTPUTS.recordings_base_url)
    else:
        assert outputs[OUTPUTS.recordings_base_url]["Value"] == _base_url(each_stage, "RecordingsDistribution")
    assert set(outputs) == expected
    assert outputs[OUTPUTS.stage]["Value"] == each_stage.config.stage
    assert outputs[OUTPUTS.region]["Value"] == {"Ref": "AWS::Region"}


def test_every_allowed_retention_maps_to_a_cdk_retention() -> None:
    from infra.constructs.stage import log_retention

    # GIVEN every retention infra.config accepts, and "never expire"
    # WHEN converting each to CDK's enum
    # THEN each has one, distinct from the others
    converted = {log_retention(days) for days in [*LOG_RETENTION_DAYS, None]}
    assert len(converted) == len(LOG_RETENTION_DAYS) + 1
