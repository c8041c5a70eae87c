"""A CloudFormation custom resource run by one of the project's deploy-time functions
(`infra.definitions.DEPLOY_FUNCTIONS`) through CDK's Provider framework, with its log groups."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import CustomResource, Duration, custom_resources
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.bundle import content_hash
from infra.constructs.functions import ARCHITECTURES, RUNTIME
from infra.constructs.stage import log_retention, removal_policy
from infra.definitions import DeployFunction, StageConfig


class DeployTimeResource(Construct):
    """`function` runs on the resource's Create, Update and Delete; grant it what it needs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        definition: DeployFunction,
        asset: Path,
        resource_type: str,
        properties: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.function = lambda_.Function(
            self,
            "Function",
            description=definition.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURES[config.lambda_architecture],
            handler=definition.handler,
            code=lambda_.Code.from_asset(str(asset), asset_hash=content_hash(asset)),
            memory_size=256,
            timeout=Duration.seconds(definition.timeout_seconds),
            log_group=self._log_group("FunctionLogs"),
        )
        self._provider = custom_resources.Provider(
            self, "Provider", on_event_handler=self.function, log_group=self._log_group("ProviderLogs")
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self._provider.service_token,
            resource_type=resource_type,
            properties=dict(properties),
        )

    def add_resource(
        self, scope: Construct, construct_id: str, *, resource_type: str, properties: Mapping[str, str]
    ) -> CustomResource:
        """Another resource the same function makes (one function and provider for several keys)."""
        return CustomResource(
            scope,
            construct_id,
            service_token=self._provider.service_token,
            resource_type=resource_type,
            properties=dict(properties),
        )

    def _log_group(self, construct_id: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            construct_id,
            retention=log_retention(self._config.log_retention_days),
            removal_policy=removal_policy(self._config),
        )
