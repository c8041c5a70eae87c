"""The synthesised template agrees with the facts it is built from (schema, table, settings, definitions)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict
from typing import Any

import schema
from core.settings import RUNTIME_PROVIDED, Settings
from core.table import TABLE
from infra.bundle import PYTHON_VERSION, content_hash
from infra.config import LOG_RETENTION_DAYS
from infra.definitions import API, APP_CLIENT, FUNCTIONS, OUTPUTS, USER_POOL
from tests.infra.infra_synth import Synth


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


def test_every_lambda_field_has_exactly_one_direct_lambda_resolver(dev: Synth) -> None:
    # GIVEN the fields the schema says a Lambda resolves
    expected = sorted((f.type_name, f.field_name, f.max_batch_size) for f in schema.lambda_fields())

    # WHEN the dev stage is synthesised
    resolvers = list(dev.properties("AWS::AppSync::Resolver").values())

    # THEN there is one resolver per field, none extra, with the field's batch size
    actual = sorted((r["TypeName"], r["FieldName"], r.get("MaxBatchSize", 0)) for r in resolvers)
    assert actual == expected
    # AND each is a Direct Lambda resolver: no mapping templates, no pipeline
    for resolver in resolvers:
        assert resolver["Kind"] == "UNIT"
        assert not {"RequestMappingTemplate", "ResponseMappingTemplate", "Code", "Runtime"} & resolver.keys()


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
    # AND point-in-time recovery is on
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_function_environment_names_every_setting_but_runtime_provided_ones(each_stage: Synth) -> None:
    # GIVEN the names the settings model reads
    expected = Settings.env_names() - RUNTIME_PROVIDED

    for name in FUNCTIONS:
        # WHEN reading a function's environment
        _, function = _function(each_stage, name)
        env = function["Environment"]["Variables"]

        # THEN it sets exactly those names
        assert set(env) == expected
        # AND the stage-dependent values come from the stage config
        assert env["STAGE"] == each_stage.config.stage
        assert env["IVS_CHANNEL_TYPE"] == each_stage.config.ivs_channel_type.value
        assert env["POWERTOOLS_LOG_LEVEL"] == each_stage.config.log_level


def test_stage_configs_pick_the_channel_type_per_stage(dev: Synth, prod: Synth) -> None:
    # GIVEN cdk.json's stages
    # WHEN both are synthesised
    _, dev_function = _function(dev, "api")
    _, prod_function = _function(prod, "api")

    # THEN dev creates BASIC channels and prod STANDARD ones
    assert dev_function["Environment"]["Variables"]["IVS_CHANNEL_TYPE"] == "BASIC"
    assert prod_function["Environment"]["Variables"]["IVS_CHANNEL_TYPE"] == "STANDARD"


def test_function_environment_points_at_the_stack_resources(dev: Synth) -> None:
    # GIVEN the table, user pool and pagination secret of the stack
    table = next(iter(dev.resources("AWS::DynamoDB::Table")))
    pool = next(iter(dev.resources("AWS::Cognito::UserPool")))
    secret = next(iter(dev.resources("AWS::SecretsManager::Secret")))

    # WHEN reading the API function's environment
    _, function = _function(dev, "api")
    env = function["Environment"]["Variables"]

    # THEN it names those very resources
    assert env["TABLE_NAME"] == {"Ref": table}
    assert env["USER_POOL_ID"] == {"Ref": pool}
    assert env["PAGINATION_SECRET_ARN"] == {"Ref": secret}


def test_pagination_secret_is_a_generated_64_character_string(dev: Synth) -> None:
    # GIVEN the stack
    # WHEN reading the pagination secret
    secret = dev.only("AWS::SecretsManager::Secret")["Properties"]

    # THEN CloudFormation generates it: 64 characters, none that need escaping
    assert secret["GenerateSecretString"]["PasswordLength"] == 64
    assert secret["GenerateSecretString"]["ExcludePunctuation"] is True
    assert "SecretString" not in secret


def test_functions_run_the_bundled_python_on_the_configured_architecture(each_stage: Synth) -> None:
    for name, definition in FUNCTIONS.items():
        # WHEN reading a function
        _, function = _function(each_stage, name)

        # THEN its runtime is the Python the bundle installs wheels for, on the stage's architecture
        assert function["Runtime"] == f"python{PYTHON_VERSION}"
        assert function["Architectures"] == [each_stage.config.lambda_architecture]
        assert function["MemorySize"] == (each_stage.config.lambda_memory_mb or definition.memory_mb)
        assert function["Timeout"] == definition.timeout_seconds


def test_each_function_deploys_the_folder_bundled_for_it(each_stage: Synth) -> None:
    for name in FUNCTIONS:
        # WHEN reading a function's code location
        _, function = _function(each_stage, name)

        # THEN the asset is named by the content of build/lambda/<name> (not by its path, which CDK
        # would stage only once per process); CDK names a custom-hashed asset by the SHA-256 of that hash
        expected = hashlib.sha256(content_hash(each_stage.asset_root / name).encode()).hexdigest()
        assert function["Code"]["S3Key"] == f"{expected}.zip"


def test_api_function_gets_only_the_grants_it_needs(dev: Synth) -> None:
    # GIVEN the API function's role
    _, function = _function(dev, "api")
    statements = _role_policy_statements(dev, function["Role"])
    table = next(iter(dev.resources("AWS::DynamoDB::Table")))
    secret = next(iter(dev.resources("AWS::SecretsManager::Secret")))

    # WHEN grouping its statements by service
    actions = {a for s in statements for a in _as_list(s["Action"])}

    # THEN it reads and writes items of this table, reads this secret and manages IVS channels
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= actions
    assert "secretsmanager:GetSecretValue" in actions
    assert {"ivs:CreateChannel", "ivs:CreateStreamKey"} <= actions
    # AND it never scans or manages the table
    assert not {"dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:UpdateTable"} & actions
    for statement in statements:
        resources = _as_list(statement["Resource"])
        services = {a.split(":")[0] for a in _as_list(statement["Action"])}
        if services == {"dynamodb"}:
            assert all(table in str(r) for r in resources)
        if services == {"secretsmanager"}:
            assert resources == [{"Ref": secret}]


def test_no_policy_grants_a_whole_service_or_any_action_on_anything_but_ivs(each_stage: Synth) -> None:
    for policy in each_stage.properties("AWS::IAM::Policy").values():
        for statement in policy["PolicyDocument"]["Statement"]:
            # WHEN reading each statement of each policy in the stack
            actions = _as_list(statement["Action"])

            # THEN no action is a wildcard ("*", "dynamodb:*", "dynamodb:Get*")
            assert not [a for a in actions if "*" in a], statement
            # AND only IVS actions (whose ARNs IVS generates at creation) apply to every resource
            if "*" in _as_list(statement["Resource"]):
                assert all(a.startswith("ivs:") for a in actions), statement


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

    for type_name in ("AWS::DynamoDB::Table", "AWS::Cognito::UserPool"):
        # WHEN reading the stateful resources
        prod_resource = prod.only(type_name)
        dev_resource = dev.only(type_name)

        # THEN prod's survive the stack and refuse deletion; dev's go with it
        assert prod_resource["DeletionPolicy"] == "Retain"
        assert dev_resource["DeletionPolicy"] == "Delete"
    assert prod.only("AWS::DynamoDB::Table")["Properties"]["DeletionProtectionEnabled"] is True
    assert prod.only("AWS::Cognito::UserPool")["Properties"]["DeletionProtection"] == "ACTIVE"


def test_every_log_group_keeps_logs_for_the_stage_retention(each_stage: Synth) -> None:
    # GIVEN the stage's log retention
    days = each_stage.config.log_retention_days

    # WHEN reading the stack's log groups (the functions' and the API's)
    groups = each_stage.properties("AWS::Logs::LogGroup")

    # THEN there is one per function plus the API's, each with that retention
    assert len(groups) == len(FUNCTIONS) + 1
    assert {g.get("RetentionInDays") for g in groups.values()} == {days}
    # AND no function falls back to a never-expiring group Lambda would create itself
    for _, function in each_stage.properties("AWS::Lambda::Function").items():
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

    # THEN each key is there, and the stage is a literal
    assert set(outputs) == set(asdict(OUTPUTS).values())
    assert outputs[OUTPUTS.stage]["Value"] == each_stage.config.stage
    assert outputs[OUTPUTS.region]["Value"] == {"Ref": "AWS::Region"}


def test_every_allowed_retention_maps_to_a_cdk_retention() -> None:
    from infra.constructs.stage import log_retention

    # GIVEN every retention infra.config accepts, and "never expire"
    # WHEN converting each to CDK's enum
    # THEN each has one, distinct from the others
    converted = {log_retention(days) for days in [*LOG_RETENTION_DAYS, None]}
    assert len(converted) == len(LOG_RETENTION_DAYS) + 1
