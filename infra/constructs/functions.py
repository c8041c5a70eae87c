"""Compute: one Lambda per `infra.definitions.FUNCTIONS` entry, with the grants its `access` names.

Each function's environment is `function_env(...)` of the deployment's settings, built by the stack
(the variable names live only in `core.settings`); this construct sets it as given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.bundle import PYTHON_VERSION, content_hash
from infra.constructs.stage import every_arn, log_retention, removal_policy
from infra.definitions import FUNCTIONS, Access, FunctionDefinition, StageConfig

# Named from the bundle's version so the runtime and the wheels pip picked can never disagree.
RUNTIME = lambda_.Runtime(f"python{PYTHON_VERSION}", lambda_.RuntimeFamily.PYTHON)

ARCHITECTURES = {"x86_64": lambda_.Architecture.X86_64, "arm64": lambda_.Architecture.ARM_64}

# IVS generates channel and stream-key ARNs at creation, so grants name every channel and stream key
# of this account and region. Creating and listing channels is granted on "*": ListChannels takes no
# resource at all. TagResource is what CreateChannel with tags needs.
IVS_ACCOUNT_WIDE_ACTIONS = ("ivs:CreateChannel", "ivs:ListChannels")
IVS_SESSION_ACTIONS = ("ivs:GetStreamSession",)
IVS_VIDEO_SETTINGS_ACTIONS = ("ivs:GetChannel", "ivs:UpdateChannel")
IVS_CHANNEL_ACTIONS = (
    "ivs:GetChannel",
    "ivs:UpdateChannel",
    "ivs:DeleteChannel",
    "ivs:TagResource",
    "ivs:GetStream",
    # A session's ingest configuration (codec, resolution, bitrate), which the stream events store.
    "ivs:GetStreamSession",
    "ivs:StopStream",
    "ivs:CreateStreamKey",
    "ivs:DeleteStreamKey",
    "ivs:GetStreamKey",
    "ivs:ListStreamKeys",
)

# Chat rooms are created at runtime too (one per channel); TagResource again for CreateRoom with tags.
IVS_CHAT_ACTIONS = (
    "ivschat:CreateRoom",
    "ivschat:GetRoom",
    "ivschat:UpdateRoom",
    "ivschat:DeleteRoom",
    "ivschat:TagResource",
    "ivschat:CreateChatToken",
    "ivschat:DeleteMessage",
    "ivschat:DisconnectUser",
)

# Account administration on this pool only: renames, deletes, operator disable/enable (+ global sign-out), and the
# lookups they need. Sign-up, sign-in and attribute reads happen in Cognito itself, not through a role.
COGNITO_ADMIN_ACTIONS = (
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:ListUsers",
)

# Uploads are presigned POSTs signed with the function's own credentials: S3 authorises the browser's
# upload as the function's s3:PutObject. Deleting an account removes every version of its objects.
ASSETS_OBJECT_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion")
ASSETS_BUCKET_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions")

# IVS health metrics (ingest bitrate, frame rate, ...). CloudWatch defines no resource type for metrics and
# no condition key for GetMetricData (its namespace key is for PutMetricData only), so IAM can only grant
# it on "*": every metric this account and region can read. It is read-only, and the sole grant on "*"
# besides the IVS actions that take no resource.
CLOUDWATCH_METRICS_ACTIONS = ("cloudwatch:GetMetricData",)

# Item reads and writes only: no Scan (every list read is a Query or BatchGetItem by design), no stream
# or table-management actions. Transactions need no action of their own, only those of their items.
TABLE_DATA_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        assets: Mapping[str, Path],
        environments: Mapping[str, Mapping[str, str]],
        table: dynamodb.ITable,
        pagination_secret: secretsmanager.ISecret,
        playback_key_secret: secretsmanager.ISecret,
        product_api_secret: secretsmanager.ISecret | None,
        user_pool: cognito.IUserPool,
        assets_bucket: s3.IBucket,
        graphql_api: appsync.IGraphqlApi,
        publish_mutations: Sequence[str],
        queues: Mapping[str, sqs.IQueue],
        recordings_bucket: s3.IBucket | None = None,
        recordings_key_secret: secretsmanager.ISecret | None = None,
        definitions: Mapping[str, FunctionDefinition] = FUNCTIONS,
    ) -> None:
        """`publish_mutations`: the Mutation fields the `publish` access may call (the API's IAM-only ones).
        `product_api_secret`: None when the stage has no product search (the `product_api` access then
        grants nothing)."""
        super().__init__(scope, construct_id)
        self._table = table
        self._pagination_secret = pagination_secret
        self._playback_key_secret = playback_key_secret
        self._product_api_secret = product_api_secret
        self._user_pool = user_pool
        self._assets_bucket = assets_bucket
        self._graphql_api = graphql_api
        self._publish_mutations = tuple(publish_mutations)
        self._queues = dict(queues)
        self._recordings_bucket = recordings_bucket
        self._recordings_key_secret = recordings_key_secret
        self.by_name: dict[str, lambda_.Function] = {}
        for name, definition in definitions.items():
            log_group = logs.LogGroup(
                self,
                f"{name}Logs",
                retention=log_retention(config.log_retention_days),
                removal_policy=removal_policy(config),
            )
            function = lambda_.Function(
                self,
                name,
                description=definition.description,
                runtime=RUNTIME,
                architecture=ARCHITECTURES[config.lambda_architecture],
                handler=definition.handler,
                code=lambda_.Code.from_asset(str(assets[name]), asset_hash=content_hash(assets[name])),
                memory_size=config.lambda_memory_mb or definition.memory_mb,
                timeout=Duration.seconds(definition.timeout_seconds),
                environment=dict(environments[name]),
                log_group=log_group,
                # Active tracing where the stage traces its API: CDK grants xray:PutTraceSegments and
                # PutTelemetryRecords (which take no resource) to the function's role.
                tracing=lambda_.Tracing.ACTIVE if config.api_xray else lambda_.Tracing.DISABLED,
            )
            for access in definition.access:
                self._grant(function, access)
            self.by_name[name] = function

    def _grant(self, function: lambda_.Function, access: Access) -> None:
        if access == "table":
            self._table.grant(function, *TABLE_DATA_ACTIONS)
        elif access == "pagination_secret":
            self._pagination_secret.grant_read(function)
        elif access == "playback_key":
            self._playback_key_secret.grant_read(function)
        elif access == "product_api":
            if self._product_api_secret is not None:
                self._product_api_secret.grant_read(function)
        elif access == "ivs_channels":
            function.add_to_role_policy(iam.PolicyStatement(actions=list(IVS_ACCOUNT_WIDE_ACTIONS), resources=["*"]))
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=list(IVS_CHANNEL_ACTIONS),
                    resources=[every_arn(self, "ivs", "channel"), every_arn(self, "ivs", "stream-key")],
                )
            )
        elif access == "ivs_sessions":
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(IVS_SESSION_ACTIONS), resources=[every_arn(self, "ivs", "channel")])
            )
        elif access == "ivs_video_settings":
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=list(IVS_VIDEO_SETTINGS_ACTIONS), resources=[every_arn(self, "ivs", "channel")]
                )
            )
        elif access == "ivs_chat":
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(IVS_CHAT_ACTIONS), resources=[every_arn(self, "ivschat", "room")])
            )
        elif access == "cognito_admin":
            self._user_pool.grant(function, *COGNITO_ADMIN_ACTIONS)
        elif access == "assets_bucket":
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=list(ASSETS_OBJECT_ACTIONS), resources=[self._assets_bucket.arn_for_objects("*")]
                )
            )
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(ASSETS_BUCKET_ACTIONS), resources=[self._assets_bucket.bucket_arn])
            )
        elif access == "publish":
            if not self._publish_mutations:
                # grant_mutation() with no field names grants every mutation (types/Mutation/*).
                raise ValueError(f"function {function.node.id}: publish access, but the API has no IAM-only mutation")
            # appsync:GraphQL on arn:...:apis/<id>/types/Mutation/fields/<name>, one ARN per mutation.
            self._graphql_api.grant_mutation(function, *self._publish_mutations)
        elif access == "recordings_bucket":
            if self._recordings_bucket is not None:
                function.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["s3:DeleteObject"], resources=[self._recordings_bucket.arn_for_objects("*")]
                    )
                )
                function.add_to_role_policy(
                    iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self._recordings_bucket.bucket_arn])
                )
            if self._recordings_key_secret is not None:
                self._recordings_key_secret.grant_read(function)
        elif access == "recordings_listing":
            if self._recordings_bucket is not None:
                function.add_to_role_policy(
                    iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self._recordings_bucket.bucket_arn])
                )
        elif access.endswith("_queue"):
            # "<name>_queue": send to QUEUES[<name>].
            self._queues[access.removesuffix("_queue")].grant_send_messages(function)
        elif access == "metrics":
            function.add_to_role_policy(iam.PolicyStatement(actions=list(CLOUDWATCH_METRICS_ACTIONS), resources=["*"]))
        else:
            raise ValueError(f"function {function.node.id}: unknown access {access!r}")
