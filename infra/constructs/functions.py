"""Compute: one Lambda per `infra.definitions.FUNCTIONS` entry, with the grants its `access` names.

Every function gets the same environment, `function_settings(...).to_env()`, so the variable names
live only in `core.settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.bundle import PYTHON_VERSION, content_hash
from infra.constructs.stage import log_retention, removal_policy
from infra.definitions import FUNCTIONS, Access, FunctionDefinition, StageConfig

# Named from the bundle's version so the runtime and the wheels pip picked can never disagree.
RUNTIME = lambda_.Runtime(f"python{PYTHON_VERSION}", lambda_.RuntimeFamily.PYTHON)

_ARCHITECTURES = {"x86_64": lambda_.Architecture.X86_64, "arm64": lambda_.Architecture.ARM_64}

# What core/ivs.py calls (CreateChannel with tags needs TagResource). IVS generates channel and stream-key
# ARNs at creation, so they are not known here, and List* actions take no resource: the grant cannot be
# narrowed below "*". The short action list is what keeps it small.
IVS_CHANNEL_ACTIONS = (
    "ivs:CreateChannel",
    "ivs:GetChannel",
    "ivs:ListChannels",
    "ivs:TagResource",
    "ivs:CreateStreamKey",
    "ivs:GetStreamKey",
    "ivs:ListStreamKeys",
)

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
        environment: Mapping[str, str],
        table: dynamodb.ITable,
        pagination_secret: secretsmanager.ISecret,
        definitions: Mapping[str, FunctionDefinition] = FUNCTIONS,
    ) -> None:
        super().__init__(scope, construct_id)
        self._table = table
        self._pagination_secret = pagination_secret
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
                architecture=_ARCHITECTURES[config.lambda_architecture],
                handler=definition.handler,
                code=lambda_.Code.from_asset(str(assets[name]), asset_hash=content_hash(assets[name])),
                memory_size=config.lambda_memory_mb or definition.memory_mb,
                timeout=Duration.seconds(definition.timeout_seconds),
                environment=dict(environment),
                log_group=log_group,
            )
            for access in definition.access:
                self._grant(function, access)
            self.by_name[name] = function

    def _grant(self, function: lambda_.Function, access: Access) -> None:
        if access == "table":
            self._table.grant(function, *TABLE_DATA_ACTIONS)
        elif access == "pagination_secret":
            self._pagination_secret.grant_read(function)
        elif access == "ivs_channels":
            function.add_to_role_policy(iam.PolicyStatement(actions=list(IVS_CHANNEL_ACTIONS), resources=["*"]))
        else:
            raise ValueError(f"function {function.node.id}: unknown access {access!r}")
