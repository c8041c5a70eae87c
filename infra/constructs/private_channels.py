"""Private channels: the stage's IVS playback key pair, whose private key lives in Secrets Manager.

At deploy time a custom resource (`infra.definitions.PLAYBACK_KEY_FUNCTION`) generates an EC P-384 key
inside the playback key secret, once, and returns its public half; the stack imports that into IVS as
`AWS::IVS::PlaybackKeyPair`. The API function signs playback tokens with the private key (core.playback),
and IVS checks them against the key pair. The local stack's bootstrap runs the same core code
(core.playback.ensure_signing_key).

Rotation: bump the stage's `playbackKeyVersion` and deploy (see `infra.constructs.stage.playback_key_id`).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_iam as iam
from aws_cdk import aws_ivs as ivs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from core.playback import KEY_SECRET_PROPERTY, PUBLIC_KEY_ATTRIBUTE, SECRET_ARN_ATTRIBUTE
from infra.constructs.deploy_time import DeployTimeResource
from infra.constructs.stage import playback_key_id
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
        key = DeployTimeResource(
            self,
            playback_key_id(config, "SigningKey"),
            config=config,
            definition=PLAYBACK_KEY_FUNCTION,
            asset=asset,
            resource_type="Custom::PlaybackSigningKey",
            properties={KEY_SECRET_PROPERTY: secret.secret_arn},
        )
        # The function that makes signing keys (the recordings key too: RecordingsDelivery).
        self.key_maker = key
        # Reads the placeholder (or the key, on later deploys), writes the key once: this secret only.
        secret.grant_read(key.function)
        key.function.add_to_role_policy(
            iam.PolicyStatement(actions=["secretsmanager:PutSecretValue"], resources=[secret.secret_arn])
        )
        # The secret's ARN as the custom resource returns it: a function whose environment names it is
        # created (or, at a rotation, moved to the new secret) only once the secret holds the key.
        self.secret_arn = key.resource.get_att_string(SECRET_ARN_ATTRIBUTE)
        self.key_pair = ivs.CfnPlaybackKeyPair(
            self,
            playback_key_id(config, "KeyPair"),
            name=f"ugc-{config.stage}",
            public_key_material=key.resource.get_att_string(PUBLIC_KEY_ATTRIBUTE),
        )
