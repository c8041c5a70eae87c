"""Secrets: the key that signs pagination tokens (`PAGINATION_SECRET_ARN`), the key that signs playback
tokens of private channels (`PLAYBACK_KEY_SECRET_ARN`, filled at deploy time: see PrivateChannels) and,
when a stage turns product search on, the Product Advertising API credentials (`PRODUCT_API_SECRET_ARN`,
filled by the operator)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, SecretValue
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.stage import playback_key_id, removal_policy
from infra.definitions import StageConfig

PAGINATION_SECRET_LENGTH = 64
# The JSON keys core.products reads; the operator puts their values in after the first deploy.
PRODUCT_API_KEYS = ("accessKey", "secretKey", "partnerTag")


class Secrets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.pagination = secretsmanager.Secret(
            self,
            "PaginationSecret",
            description="Signs GraphQL nextToken values",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=PAGINATION_SECRET_LENGTH,
                # Alphanumeric only: the value is used as raw key bytes and never needs escaping.
                exclude_punctuation=True,
                include_space=False,
            ),
            # Losing it only invalidates outstanding page tokens (clients start from page one), so no
            # stage keeps it after the stack is gone.
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.playback_key = signing_key_secret(
            self,
            playback_key_id(config, "PlaybackKey"),
            "EC P-384 private key (PEM) that signs IVS playback tokens of private channels",
        )
        self.product_api: secretsmanager.Secret | None = None
        if config.enable_amazon_product_stream_action:
            self.product_api = secretsmanager.Secret(
                self,
                "ProductApiCredentials",
                description="Product Advertising API 5 credentials: JSON {accessKey, secretKey, partnerTag}",
                # Empty until the operator puts the Associates credentials in (README: product search);
                # until then product search answers that it is not configured.
                secret_object_value={key: SecretValue.unsafe_plain_text("") for key in PRODUCT_API_KEYS},
                removal_policy=removal_policy(config),
            )


def signing_key_secret(scope: Construct, construct_id: str, description: str) -> secretsmanager.Secret:
    """A secret for a signing key made at deploy time (core.playback.ensure_signing_key): a random placeholder
    until the deploy-time function replaces it with the key, inside the secret, so the private key never
    appears in a template or a parameter. Its public half is a resource of the stack (an IVS key pair, a
    CloudFront public key), which goes with the stack: a key kept without it would verify nothing."""
    return secretsmanager.Secret(
        scope,
        construct_id,
        description=description,
        generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True),
        removal_policy=RemovalPolicy.DESTROY,
    )
