"""Plain-data definitions of the deployed resources, shared by CDK and the local AWS bootstrap.

No aws_cdk import here: the local stack reads these without Node or CDK installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from core.settings import ChannelType, Settings

AuthMode = Literal["AMAZON_COGNITO_USER_POOLS", "API_KEY", "AWS_IAM"]
# What a function may touch; CDK turns each into the narrowest grant it can express.
Access = Literal["table", "pagination_secret", "ivs_channels"]
Architecture = Literal["x86_64", "arm64"]


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True


@dataclass(frozen=True)
class UserPoolDefinition:
    self_sign_up: bool = True
    sign_in_case_sensitive: bool = False
    # Users sign in with their username, or (after a rename) the preferred_username alias.
    sign_in_aliases: tuple[str, ...] = ("username", "preferred_username")
    required_attributes: tuple[str, ...] = ("email",)
    auto_verified_attributes: tuple[str, ...] = ("email",)
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)


@dataclass(frozen=True)
class AppClientDefinition:
    # USER_PASSWORD_AUTH for the CLI and scripts, SRP for Amplify, refresh for both.
    auth_flows: tuple[str, ...] = (
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    )
    generate_secret: bool = False
    # Attributes the ID token carries (and clients may read); provisioning takes the e-mail from it.
    read_attributes: tuple[str, ...] = ("email", "email_verified", "preferred_username")
    id_token_minutes: int = 60
    access_token_minutes: int = 60
    refresh_token_days: int = 30


@dataclass(frozen=True)
class ApiDefinition:
    default_auth: AuthMode = "AMAZON_COGNITO_USER_POOLS"
    additional_auth: tuple[AuthMode, ...] = ("API_KEY", "AWS_IAM")


@dataclass(frozen=True)
class FunctionDefinition:
    name: str
    handler: str
    description: str
    memory_mb: int = 512
    timeout_seconds: int = 10
    access: tuple[Access, ...] = ()


USER_POOL = UserPoolDefinition()
APP_CLIENT = AppClientDefinition()
API = ApiDefinition()

# Every Lambda of the project. `schema.lambda_fields()` names the function each field uses.
FUNCTIONS: dict[str, FunctionDefinition] = {
    "api": FunctionDefinition(
        name="api",
        handler="resolvers.app.handler",
        description="GraphQL API resolvers (AppSync Direct Lambda)",
        access=("table", "pagination_secret", "ivs_channels"),
    ),
}


@dataclass(frozen=True)
class StageConfig:
    """Per-stage options (cdk.json `context.stages.<stage>`; the local stack uses `local`)."""

    stage: str
    ivs_channel_type: ChannelType = ChannelType.BASIC
    api_key_expiry_days: int = 365
    # None keeps logs forever.
    log_retention_days: int | None = 7
    # Keep the table, user pool and logs when the stack is deleted (and protect the table from deletion).
    retain_data: bool = True
    lambda_architecture: Architecture = "arm64"
    # Overrides every function's own memory_mb when set.
    lambda_memory_mb: int | None = None
    log_level: str = "INFO"


def function_settings(
    stage: StageConfig, *, region: str, table_name: str, user_pool_id: str, pagination_secret_arn: str
) -> Settings:
    """The settings every function of a deployment gets: CDK and the local stack both call this."""
    return Settings(
        stage=stage.stage,
        region=region,
        table_name=table_name,
        user_pool_id=user_pool_id,
        pagination_secret_arn=pagination_secret_arn,
        ivs_channel_type=stage.ivs_channel_type,
        log_level=stage.log_level,
    )


@dataclass(frozen=True)
class StackOutputKeys:
    """CloudFormation output names of a deployed stage: CDK writes them, `ugc outputs` reads them."""

    graphql_url: str = "GraphqlUrl"
    api_id: str = "GraphqlApiId"
    api_key: str = "GraphqlApiKey"
    user_pool_id: str = "UserPoolId"
    user_pool_client_id: str = "UserPoolClientId"
    region: str = "Region"
    stage: str = "Stage"


OUTPUTS = StackOutputKeys()


def stack_name(stage: str) -> str:
    return f"UGC-{stage}"
