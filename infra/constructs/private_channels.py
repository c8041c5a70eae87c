"""Private channels: the stage's IVS playback key pair, whose private key lives in Secrets Manager.

At deploy time a custom resource (CDK's Provider framework around `infra.definitions.PLAYBACK_KEY_FUNCTION`)
generates an EC P-384 key inside the playback key secret, once, and returns its public half; the stack
imports that into IVS as `AWS::IVS::PlaybackKeyPair`. The API function signs playback tokens with the
private key (core.playback), and IVS checks them against the key pair. The local stack's bootstrap runs
the same core code (core.playback.ensure_signing_key).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CustomResource, Duration, custom_resources
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ivs as ivs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from core.playback import KEY_SECRET_PROPERTY, PUBLIC_KEY_ATTRIBUTE
from infra.bundle import content_hash
from infra.constructs.functions import ARCHITECTURES, RUNTIME
from infra.constructs.stage import log_retention, removal_policy
from infra.definitions import PLAYBACK_KEY_FUNCTION, StageConfig


class PrivateChannels(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        asset: Path,
        secret: secretsmanager.ISecret,
    ) -> None:
        super().__init__(scope, construct_id)
        definition = PLAYBACK_KEY_FUNCTION
        self.function = lambda_.Function(
            self,
            definition.name,
            description=definition.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURES[config.lambda_architecture],
            handler=definition.handler,
            code=lambda_.Code.from_asset(str(asset), asset_hash=content_hash(asset)),
            memory_size=256,
            timeout=Duration.seconds(definition.timeout_seconds),
            log_group=self._log_group(config, "KeyFunctionLogs"),
        )
        # Reads the placeholder (or the key, on later deploys), writes the key once: this secret only.
        secret.grant_read(self.function)
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["secretsmanager:PutSecretValue"], resources=[secret.secret_arn])
        )
        provider = custom_resources.Provider(
            self,
            "KeyProvider",
            on_event_handler=self.function,
            log_group=self._log_group(config, "KeyProviderLogs"),
        )
        key = CustomResource(
            self,
            "SigningKey",
            service_token=provider.service_token,
            resource_type="Custom::PlaybackSigningKey",
            properties={KEY_SECRET_PROPERTY: secret.secret_arn},
        )
        self.key_pair = ivs.CfnPlaybackKeyPair(
            self,
            "KeyPair",
            name=f"ugc-{config.stage}",
            public_key_material=key.get_att_string(PUBLIC_KEY_ATTRIBUTE),
        )

    def _log_group(self, config: StageConfig, construct_id: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            construct_id,
            retention=log_retention(config.log_retention_days),
            removal_policy=removal_policy(config),
        )
