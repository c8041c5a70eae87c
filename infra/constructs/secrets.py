"""Secrets: the key that signs pagination tokens (`PAGINATION_SECRET_ARN`)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

PAGINATION_SECRET_LENGTH = 64


class Secrets(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
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
