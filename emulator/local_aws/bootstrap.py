"""Create the project's AWS resources in the local AWS, from the definitions CDK deploys.

The table comes from `core.table.TABLE`, the user pool, app client, API auth, Cognito triggers and
asset-upload notifications from `infra.definitions`, the API key lifetime from the stage config: the
local stack cannot drift from what is deployed. Every step finds its resource by name first, so
bootstrapping a running server again returns what it created the first time.

Functions are named by ARN as in AWS, `arn:aws:lambda:<region>:<account>:function:<name>` with the
name a key of `infra.definitions.FUNCTIONS`: the pool's LambdaConfig and the assets bucket's
notification configuration carry them, and the local AWS runs the named function through the invoker
given to `LocalAwsServer.set_functions`.

Where moto stores a setting without acting on it, the comment at the mapping says so; the local AWS
extension layer is the place to make it act.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from core.playback import KeyKind, ensure_signing_key
from core.settings import PROJECT_TAG, Settings
from core.table import TABLE
from emulator.local_aws import LOCAL_PRODUCT_API_CREDENTIALS, LOCAL_REGION
from emulator.local_aws.clients import boto_session, client
from emulator.local_aws.functions import function_arn
from emulator.local_aws.services.cloudfront import edge_base_url
from infra.definitions import (
    API,
    APP_CLIENT,
    ASSET_UPLOADS,
    COGNITO_TRIGGERS,
    LOCAL_STAGE,
    QUEUES,
    THUMBNAIL_STORAGE,
    USER_POOL,
    ApiDefinition,
    AppClientDefinition,
    AuthMode,
    QueueDefinition,
    StageConfig,
    UserPoolDefinition,
    allowed_origins,
    function_settings,
)

__all__ = [
    "LocalResources",
    "app_client_kwargs",
    "asset_notification_kwargs",
    "bootstrap",
    "boto_session",
    "client",
    "cognito_lambda_config",
    "graphql_api_kwargs",
    "user_pool_kwargs",
]

API_KEY_DESCRIPTION = "local stack key (bootstrap)"
ASSET_NOTIFICATION_ID = "asset-uploads"
# A key closer than this to expiry is replaced rather than reused.
_API_KEY_MIN_REMAINING_SECONDS = 86400
_DAY_SECONDS = 86400
# Cognito's standard user attributes (custom ones are always in moto's id tokens).


@dataclass(frozen=True)
class LocalResources:
    endpoint: str
    region: str
    account_id: str
    table_name: str
    user_pool_id: str
    user_pool_client_id: str
    user_pool_issuer: str  # the "iss" claim of the pool's tokens
    jwks_url: str  # where the local AWS serves the pool's signing keys
    api_id: str
    api_key: str
    pagination_secret_arn: str
    assets_bucket: str = ""  # versioned; ObjectCreated events go to ASSET_UPLOADS.function
    assets_base_url: str = ""  # public base URL of its objects: `<endpoint>/<bucket>` (path style)
    # JSON {accessKey, secretKey, partnerTag} for PA-API; the local AWS serves PA-API at `endpoint`.
    product_api_secret_arn: str = ""
    # PEM of the EC P-384 private key that signs playback tokens; its public half is imported into
    # the local IVS as a playback key pair (`playback_key_pair_arn`).
    playback_key_secret_arn: str = ""
    playback_key_pair_arn: str = ""
    # The queue of `following` re-ranking jobs (QUEUES["following"]), consumed by its function.
    following_queue_url: str = ""
    # What every channel is created with: the stage's restriction policy, its recording configuration
    # (blank when the stage does not record) writing to the recordings bucket.
    playback_restriction_policy_arn: str = ""
    recording_configuration_arn: str = ""
    recordings_bucket: str = ""
    # Where recordings are served: the local edge of a CloudFront distribution over the recordings bucket
    # that trusts one key group, whose public key is the half of the RSA key in `recordings_key_secret_arn`.
    recordings_distribution_id: str = ""
    recordings_base_url: str = ""
    recordings_key_id: str = ""
    recordings_key_secret_arn: str = ""

    def function_settings(self, stage: StageConfig | None = None) -> Settings:
        """The settings every Lambda of the local stack gets, built as CDK builds them."""
        return function_settings(
            stage or LOCAL_STAGE,
            region=self.region,
            table_name=self.table_name,
            user_pool_id=self.user_pool_id,
            pagination_secret_arn=self.pagination_secret_arn,
            assets_bucket=self.assets_bucket,
            assets_base_url=self.assets_base_url,
            product_api_secret_arn=self.product_api_secret_arn,
            product_api_endpoint=self.endpoint,
            playback_key_secret_arn=self.playback_key_secret_arn,
            following_queue_url=self.following_queue_url,
            recording_configuration_arn=self.recording_configuration_arn,
            playback_restriction_policy_arn=self.playback_restriction_policy_arn,
            recordings_bucket=self.recordings_bucket,
            recordings_base_url=self.recordings_base_url,
            recordings_key_id=self.recordings_key_id,
            recordings_key_secret_arn=self.recordings_key_secret_arn,
        )


def bootstrap(endpoint: str, stage: StageConfig | None = None, *, name_prefix: str = "ugc-local") -> LocalResources:
    """Create (or find) the table, user pool, app client, pagination secret, AppSync API and key, the
    assets bucket, the product API secret, and the playback key pair (private key in a secret, public
    key imported into IVS)."""
    stage = stage or LOCAL_STAGE
    account_id = client(endpoint, "sts").get_caller_identity()["Account"]
    table_name = _table(client(endpoint, "dynamodb"), f"{name_prefix}-table")
    cognito = client(endpoint, "cognito-idp")
    pool_id = _user_pool(cognito, f"{name_prefix}-users", USER_POOL, cognito_lambda_config(LOCAL_REGION, account_id))
    client_id = _app_client(cognito, pool_id, f"{name_prefix}-client", APP_CLIENT)
    secretsmanager = client(endpoint, "secretsmanager")
    secret_arn = _pagination_secret(secretsmanager, f"{name_prefix}/pagination-secret")
    product_api_secret_arn = _product_api_secret(secretsmanager, f"{name_prefix}/product-api")
    playback_key_secret_arn, public_key_pem = _playback_key_secret(secretsmanager, f"{name_prefix}/playback-key")
    playback_key_pair_arn = _playback_key_pair(
        client(endpoint, "ivs"),
        f"{name_prefix}-playback",
        public_key_pem,
        {"project": PROJECT_TAG, "stage": stage.stage},
    )
    appsync = client(endpoint, "appsync")
    api_id = _graphql_api(appsync, f"{name_prefix}-api", API, pool_id)
    api_key = _api_key(appsync, api_id, stage)
    assets_bucket = _assets_bucket(client(endpoint, "s3"), f"{name_prefix}-assets", account_id)
    ivs = client(endpoint, "ivs")
    policy_arn = _playback_restriction_policy(ivs, f"{name_prefix}-playback", stage)
    recordings_bucket = recording_arn = ""
    edge = RecordingsEdge()
    if stage.recording:
        recordings_bucket = f"{name_prefix}-recordings"
        recording_arn = _recording_configuration(client(endpoint, "s3"), ivs, recordings_bucket, stage)
        edge = _recordings_edge(endpoint, secretsmanager, recordings_bucket, f"{name_prefix}-recordings")
    queues = {
        name: _queue(client(endpoint, "sqs"), client(endpoint, "lambda"), f"{name_prefix}-{name}", definition)
        for name, definition in QUEUES.items()
    }
    return LocalResources(
        endpoint=endpoint,
        region=LOCAL_REGION,
        account_id=account_id,
        table_name=table_name,
        user_pool_id=pool_id,
        user_pool_client_id=client_id,
        # moto's tokens carry exactly this issuer (moto.cognitoidp.models.CognitoIdpUserPool.create_jwt).
        user_pool_issuer=f"https://cognito-idp.{LOCAL_REGION}.amazonaws.com/{pool_id}",
        jwks_url=f"{endpoint}/{pool_id}/.well-known/jwks.json",
        api_id=api_id,
        api_key=api_key,
        pagination_secret_arn=secret_arn,
        assets_bucket=assets_bucket,
        assets_base_url=f"{endpoint.rstrip('/')}/{assets_bucket}",
        product_api_secret_arn=product_api_secret_arn,
        playback_key_secret_arn=playback_key_secret_arn,
        playback_key_pair_arn=playback_key_pair_arn,
        following_queue_url=queues["following"],
        playback_restriction_policy_arn=policy_arn,
        recording_configuration_arn=recording_arn,
        recordings_bucket=recordings_bucket,
        recordings_distribution_id=edge.distribution_id,
        recordings_base_url=edge.base_url,
        recordings_key_id=edge.key_id,
        recordings_key_secret_arn=edge.secret_arn,
    )


# --- the definitions, as AWS API arguments ---------------------------------------------------------
def cognito_lambda_config(region: str, account_id: str) -> dict[str, str]:
    """The user pool's LambdaConfig: each trigger of COGNITO_TRIGGERS → its function's ARN."""
    return {trigger: function_arn(region, account_id, name) for trigger, name in COGNITO_TRIGGERS.items()}


def asset_notification_kwargs(bucket: str, region: str, account_id: str) -> dict[str, Any]:
    """PutBucketNotificationConfiguration arguments: every object created in the assets bucket goes
    to ASSET_UPLOADS.function (which ignores keys that are not `<sub>/<kind>`)."""
    return {
        "Bucket": bucket,
        "NotificationConfiguration": {
            "LambdaFunctionConfigurations": [
                {
                    "Id": ASSET_NOTIFICATION_ID,
                    "LambdaFunctionArn": function_arn(region, account_id, ASSET_UPLOADS.function),
                    "Events": ["s3:ObjectCreated:*"],
                }
            ]
        },
    }


def user_pool_kwargs(
    name: str, definition: UserPoolDefinition = USER_POOL, *, lambda_config: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """CreateUserPool arguments for `definition` (what CDK's UserPool construct sends).

    moto stores all of these, but acts only on the password policy, AdminCreateUserConfig and
    AutoVerifiedAttributes. The local AWS's Cognito extension (services/cognito.py) applies the rest:
    case-insensitive user names, the preferred_username alias, and the LambdaConfig triggers.
    """
    policy = definition.password_policy
    aliases = [alias for alias in definition.sign_in_aliases if alias != "username"]
    kwargs: dict[str, Any] = {
        "PoolName": name,
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": policy.min_length,
                "RequireLowercase": policy.require_lowercase,
                "RequireUppercase": policy.require_uppercase,
                "RequireNumbers": policy.require_digits,
                "RequireSymbols": policy.require_symbols,
            }
        },
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": not definition.self_sign_up},
        "AutoVerifiedAttributes": list(definition.auto_verified_attributes),
        "UsernameConfiguration": {"CaseSensitive": definition.sign_in_case_sensitive},
        "Schema": [
            {"Name": attribute, "AttributeDataType": "String", "Required": True, "Mutable": True}
            for attribute in definition.required_attributes
        ],
    }
    if aliases:
        # With "username" among the sign-in aliases the others are alternatives to it
        # (AliasAttributes); without it they replace it (UsernameAttributes), as CDK maps signInAliases.
        key = "AliasAttributes" if "username" in definition.sign_in_aliases else "UsernameAttributes"
        kwargs[key] = aliases
    if lambda_config:
        kwargs["LambdaConfig"] = dict(lambda_config)
    return kwargs


def app_client_kwargs(pool_id: str, name: str, definition: AppClientDefinition = APP_CLIENT) -> dict[str, Any]:
    """CreateUserPoolClient arguments for `definition`.

    moto stores ExplicitAuthFlows but accepts every flow on every client, and issues id and access
    tokens valid for one hour whatever the token validity says (the definition's 60 minutes agrees).
    """
    return {
        # The same readable attributes CDK sets, so local ID tokens carry what deployed ones do.
        "ReadAttributes": list(definition.read_attributes),
        "UserPoolId": pool_id,
        "ClientName": name,
        "GenerateSecret": definition.generate_secret,
        "ExplicitAuthFlows": list(definition.auth_flows),
        "IdTokenValidity": definition.id_token_minutes,
        "AccessTokenValidity": definition.access_token_minutes,
        "RefreshTokenValidity": definition.refresh_token_days,
        "TokenValidityUnits": {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
    }


def graphql_api_kwargs(name: str, definition: ApiDefinition, pool_id: str) -> dict[str, Any]:
    """CreateGraphqlApi arguments for `definition`. moto keeps the auth configuration (the local
    AppSync reads and enforces it) and serves no GraphQL itself."""
    kwargs: dict[str, Any] = {
        "name": name,
        "authenticationType": definition.default_auth,
        **_auth_config(definition.default_auth, pool_id, default=True),
    }
    additional = [
        {"authenticationType": mode, **_auth_config(mode, pool_id, default=False)}
        for mode in definition.additional_auth
    ]
    if additional:
        kwargs["additionalAuthenticationProviders"] = additional
    return kwargs


def _auth_config(mode: AuthMode, pool_id: str, *, default: bool) -> dict[str, Any]:
    if mode != "AMAZON_COGNITO_USER_POOLS":
        return {}  # API_KEY and AWS_IAM take no configuration
    config: dict[str, Any] = {"userPoolId": pool_id, "awsRegion": LOCAL_REGION}
    if default:
        # Only the default provider has a default action; AppSync rejects it on additional ones.
        config["defaultAction"] = "ALLOW"
    return {"userPoolConfig": config}


# --- find or create -------------------------------------------------------------------------------
def _table(dynamodb: Any, name: str) -> str:
    try:
        dynamodb.describe_table(TableName=name)
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise
        dynamodb.create_table(**TABLE.create_table_kwargs(name))
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        if TABLE.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TABLE.ttl_attribute}
            )
    return name


def _user_pool(cognito: Any, name: str, definition: UserPoolDefinition, lambda_config: Mapping[str, str]) -> str:
    for page in cognito.get_paginator("list_user_pools").paginate(PaginationConfig={"PageSize": 60}):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return str(pool["Id"])
    created = cognito.create_user_pool(**user_pool_kwargs(name, definition, lambda_config=lambda_config))
    return str(created["UserPool"]["Id"])


def _app_client(cognito: Any, pool_id: str, name: str, definition: AppClientDefinition) -> str:
    for page in cognito.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id):
        for found in page["UserPoolClients"]:
            if found["ClientName"] == name:
                return str(found["ClientId"])
    created = cognito.create_user_pool_client(**app_client_kwargs(pool_id, name, definition))
    return str(created["UserPoolClient"]["ClientId"])


def _assets_bucket(s3: Any, name: str, account_id: str) -> str:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as exc:
        if _code(exc) not in {"404", "NoSuchBucket"}:
            raise
        s3.create_bucket(Bucket=name)  # us-east-1: no LocationConstraint
    # All idempotent puts, so a found bucket is brought to the definition too.
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(**asset_notification_kwargs(name, LOCAL_REGION, account_id))
    # Deployed, a CDN serves the objects; locally the bucket's own URL does, so anyone may read them.
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(_public_read_policy(name)))
    return name


def _public_read_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LocalStandInForTheCdn",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def _secret(secretsmanager: Any, name: str, description: str, initial_value: str) -> str:
    """The ARN of the secret `name`, created with `initial_value` if it does not exist yet (a value
    already there is kept: a restart must not change the keys the running stack uses)."""
    try:
        return str(secretsmanager.describe_secret(SecretId=name)["ARN"])
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise
    created = secretsmanager.create_secret(Name=name, Description=description, SecretString=initial_value)
    return str(created["ARN"])


def _pagination_secret(secretsmanager: Any, name: str) -> str:
    # 64 characters, like the deployed stack's generated secret.
    return _secret(
        secretsmanager, name, "Signs pagination tokens (nextToken) of the local stack", secrets.token_hex(32)
    )


def _product_api_secret(secretsmanager: Any, name: str) -> str:
    return _secret(
        secretsmanager,
        name,
        "Product Advertising API credentials of the local stack (the local AWS serves PA-API)",
        json.dumps(LOCAL_PRODUCT_API_CREDENTIALS),
    )


def _playback_key_secret(secretsmanager: Any, name: str) -> tuple[str, str]:
    """(ARN, public PEM) of the secret holding the playback signing key. The key is made by the code the
    deployed stack runs at deploy time (core.playback.ensure_signing_key), once: a new key on every
    bootstrap would invalidate the tokens players already hold."""
    # Created with a placeholder, as CDK's generated value is: ensure_signing_key replaces it with the key.
    arn = _secret(
        secretsmanager,
        name,
        "EC P-384 private key that signs IVS playback tokens (local stack)",
        secrets.token_hex(16),
    )
    return arn, ensure_signing_key(secretsmanager, arn)


def _playback_key_pair(ivs: Any, name: str, public_pem: str, tags: dict[str, str]) -> str:
    """Import the public half of the playback key into IVS (tagged with the stage, as the stack's tags tag
    the deployed key pair), or find the key pair imported before."""
    for pair in _pages(ivs, "list_playback_key_pairs", "keyPairs"):
        if pair.get("name") == name:
            return str(pair["arn"])
    return str(ivs.import_playback_key_pair(publicKeyMaterial=public_pem, name=name, tags=tags)["keyPair"]["arn"])


def _graphql_api(appsync: Any, name: str, definition: ApiDefinition, pool_id: str) -> str:
    for api in _pages(appsync, "list_graphql_apis", "graphqlApis"):
        if api["name"] == name:
            return str(api["apiId"])
    return str(appsync.create_graphql_api(**graphql_api_kwargs(name, definition, pool_id))["graphqlApi"]["apiId"])


def _api_key(appsync: Any, api_id: str, stage: StageConfig) -> str:
    now = int(time.time())
    for key in _pages(appsync, "list_api_keys", "apiKeys", apiId=api_id):
        if key.get("description") == API_KEY_DESCRIPTION and key["expires"] > now + _API_KEY_MIN_REMAINING_SECONDS:
            return str(key["id"])
    # AppSync counts expiry in epoch seconds and rounds it down to the hour itself.
    expires = now + stage.api_key_expiry_days * _DAY_SECONDS
    created = appsync.create_api_key(apiId=api_id, description=API_KEY_DESCRIPTION, expires=expires)
    return str(created["apiKey"]["id"])


def _playback_restriction_policy(ivs: Any, name: str, stage: StageConfig) -> str:
    """The stage's policy (as CDK's Video construct makes it), found by name or made."""
    token: dict[str, str] = {}
    while True:  # botocore has no paginator for this one
        out = ivs.list_playback_restriction_policies(**token)
        found = next((p for p in out["playbackRestrictionPolicies"] if p.get("name") == name), None)
        if found is not None:
            return str(found["arn"])
        if not out.get("nextToken"):
            break
        token = {"nextToken": out["nextToken"]}
    made = ivs.create_playback_restriction_policy(
        name=name,
        allowedOrigins=list(allowed_origins(stage)),
        allowedCountries=list(stage.playback_allowed_countries),
        enableStrictOriginEnforcement=stage.playback_strict_origin,
        tags={"project": PROJECT_TAG, "stage": stage.stage},
    )
    return str(made["playbackRestrictionPolicy"]["arn"])


def _recording_configuration(s3: Any, ivs: Any, bucket: str, stage: StageConfig) -> str:
    """The recordings bucket and the recording configuration writing to it, found or made."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)
    for found in _pages(ivs, "list_recording_configurations", "recordingConfigurations"):
        if found["destinationConfiguration"]["s3"]["bucketName"] == bucket:
            return str(found["arn"])
    renditions = (
        {"renditionSelection": "CUSTOM", "renditions": list(stage.recording_renditions)}
        if stage.recording_renditions
        else {"renditionSelection": "ALL"}
    )
    made = ivs.create_recording_configuration(
        name=bucket,
        destinationConfiguration={"s3": {"bucketName": bucket}},
        thumbnailConfiguration={
            "recordingMode": "INTERVAL",
            "targetIntervalSeconds": stage.recording_thumbnail_interval_seconds,
            "storage": list(THUMBNAIL_STORAGE),
        },
        renditionConfiguration=renditions,
        tags={"project": PROJECT_TAG, "stage": stage.stage},
    )
    return str(made["recordingConfiguration"]["arn"])


@dataclass(frozen=True)
class RecordingsEdge:
    distribution_id: str = ""
    base_url: str = ""
    key_id: str = ""
    secret_arn: str = ""


def _recordings_edge(endpoint: str, secretsmanager: Any, bucket: str, name: str) -> RecordingsEdge:
    """What CDK's recordings distribution is (infra/constructs/video.py), found or made: the RSA key made in
    its secret by the deploy-time code (core.playback.ensure_signing_key), its public half as a CloudFront
    public key in a key group, and a distribution over the bucket that trusts only that group."""
    secret_arn = _secret(
        secretsmanager, f"{name}-key", "RSA private key that signs recording URLs (local stack)", secrets.token_hex(16)
    )
    public_pem = ensure_signing_key(secretsmanager, secret_arn, KeyKind.RSA_2048)
    cloudfront = client(endpoint, "cloudfront")
    listed = cloudfront.list_public_keys().get("PublicKeyList", {}).get("Items", [])
    key_id = next((k["Id"] for k in listed if k["Name"] == name), None)
    if key_id is None:
        config = {"CallerReference": name, "Name": name, "EncodedKey": public_pem, "Comment": "recordings"}
        key_id = cloudfront.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"]
    groups = cloudfront.list_key_groups().get("KeyGroupList", {}).get("Items", [])
    group_id = next((g["KeyGroup"]["Id"] for g in groups if g["KeyGroup"]["KeyGroupConfig"]["Name"] == name), None)
    if group_id is None:
        group = cloudfront.create_key_group(KeyGroupConfig={"Name": name, "Items": [key_id]})
        group_id = group["KeyGroup"]["Id"]
    distributions = cloudfront.list_distributions().get("DistributionList", {}).get("Items", [])
    distribution_id = next((d["Id"] for d in distributions if d.get("Comment") == name), None)
    if distribution_id is None:
        origin: dict[str, Any] = {
            "Id": "recordings",
            "DomainName": f"{bucket}.s3.{LOCAL_REGION}.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }
        made = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": name,
                "Comment": name,
                "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [origin]},
                "DefaultCacheBehavior": {
                    "TargetOriginId": "recordings",
                    "ViewerProtocolPolicy": "https-only",
                    "TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [group_id]},
                },
            }
        )
        distribution_id = made["Distribution"]["Id"]
    return RecordingsEdge(
        distribution_id=distribution_id,
        base_url=edge_base_url(endpoint, distribution_id),
        key_id=key_id,
        secret_arn=secret_arn,
    )


def _queue(sqs: Any, lambda_: Any, name: str, definition: QueueDefinition) -> str:
    """The queue and its dead-letter queue (as CDK's Queues construct makes them), and the event source
    mapping that runs its function on its messages."""
    dead = sqs.create_queue(QueueName=f"{name}-dead-letters", Attributes={"MessageRetentionPeriod": str(14 * 86400)})
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"]
    redrive = {"deadLetterTargetArn": dead_arn["QueueArn"], "maxReceiveCount": definition.max_receive_count}
    url = str(
        sqs.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(definition.visibility_timeout_seconds),
                "MessageRetentionPeriod": str(definition.retention_days * 86400),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
    )
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if not lambda_.list_event_source_mappings(EventSourceArn=arn, FunctionName=definition.function)[
        "EventSourceMappings"
    ]:
        lambda_.create_event_source_mapping(
            EventSourceArn=arn,
            FunctionName=definition.function,
            BatchSize=definition.batch_size,
            ScalingConfig={"MaximumConcurrency": definition.max_concurrency},
            FunctionResponseTypes=["ReportBatchItemFailures"],
        )
    return url


def _pages(api: Any, operation: str, result_key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in api.get_paginator(operation).paginate(**kwargs):
        yield from page.get(result_key, [])


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
