"""The one settings model every Lambda reads, and the only place that knows environment variable names.

CDK builds each function's environment with `Settings.to_env()`; the local stack does the same, so
what runs locally is configured exactly like what is deployed. Nothing here reads the environment at
import time: handlers call `Settings.from_env(os.environ)` once per container.

A frozen dataclass validated by hand rather than a pydantic model: importing pydantic alone costs a
Lambda cold start more than the whole budget allows (docs/decisions.md, bench/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from typing import Any


class ChannelType(StrEnum):
    BASIC = "BASIC"
    STANDARD = "STANDARD"
    ADVANCED_SD = "ADVANCED_SD"
    ADVANCED_HD = "ADVANCED_HD"


class LatencyMode(StrEnum):
    NORMAL = "NORMAL"
    LOW = "LOW"


# Variables the Lambda runtime provides itself; CDK must not (and cannot) set them.
RUNTIME_PROVIDED = frozenset({"AWS_REGION"})


class SettingsError(RuntimeError):
    """The environment does not describe a valid deployment."""


def _env(name: str, description: str) -> dict[str, str]:
    return {"env": name, "description": description}


# The `project` tag of every resource a deployment makes (IVS, IVS Chat, the stack's own).
PROJECT_TAG = "ugc-live"


@dataclass(frozen=True)
class Settings:
    stage: str = field(metadata=_env("STAGE", "Deployment stage name (dev, prod, local)"))
    region: str = field(metadata=_env("AWS_REGION", "Set by the Lambda runtime"))
    table_name: str = field(metadata=_env("TABLE_NAME", "The single DynamoDB table"))
    pagination_secret_arn: str = field(
        metadata=_env("PAGINATION_SECRET_ARN", "Secret whose value signs nextToken values")
    )
    # Empty for the Cognito trigger function: the pool cannot name itself in its own triggers'
    # environment (a CloudFormation cycle); triggers read the pool id from their events instead.
    user_pool_id: str = field(default="", metadata=_env("USER_POOL_ID", "Cognito user pool (not for triggers)"))
    assets_bucket: str = field(default="", metadata=_env("ASSETS_BUCKET", "S3 bucket of avatars and banners"))
    assets_base_url: str = field(
        default="", metadata=_env("ASSETS_BASE_URL", "Public base URL of the assets bucket (CloudFront)")
    )
    client_base_url: str = field(
        default="http://localhost:3000", metadata=_env("CLIENT_BASE_URL", "Frontend base for e-mailed links")
    )
    enable_user_auto_verify: bool = field(
        default=False, metadata=_env("ENABLE_USER_AUTO_VERIFY", "Confirm sign-ups without an e-mailed code")
    )
    graphql_url: str = field(
        default="", metadata=_env("GRAPHQL_URL", "The GraphQL endpoint publishers call with IAM (SigV4)")
    )
    sign_up_allowed_domains: tuple[str, ...] = field(
        default=(), metadata=_env("SIGN_UP_ALLOWED_DOMAINS", "Comma-separated e-mail domains; empty = any")
    )
    ivs_channel_type: ChannelType = field(
        default=ChannelType.BASIC, metadata=_env("IVS_CHANNEL_TYPE", "Type of new IVS channels")
    )
    project_tag: str = field(default=PROJECT_TAG, metadata=_env("PROJECT_TAG", "Tag on IVS resources"))
    log_level: str = field(default="INFO", metadata=_env("POWERTOOLS_LOG_LEVEL", "Log level"))
    service_name: str = field(default="ugc", metadata=_env("POWERTOOLS_SERVICE_NAME", "Service name in logs"))
    # The AMAZON_PRODUCT stream overlay (Product Advertising API 5 search, core/products.py).
    enable_amazon_product_stream_action: bool = field(
        default=False,
        metadata=_env("ENABLE_AMAZON_PRODUCT_STREAM_ACTION", "Offer the Amazon product overlay and its search"),
    )
    product_api_secret_arn: str = field(
        default="",
        metadata=_env("PRODUCT_API_SECRET_ARN", "Secret of JSON {accessKey, secretKey, partnerTag} for PA-API"),
    )
    product_api_locale: str = field(
        default="",
        metadata=_env("PRODUCT_API_LOCALE", "PA-API marketplace country (e.g. United Kingdom); blank = United States"),
    )
    product_link_region_code: str = field(
        default="",
        metadata=_env("PRODUCT_LINK_REGION_CODE", "Associates tracking-id suffix; blank leaves product links as is"),
    )
    product_api_endpoint: str = field(
        default="",
        metadata=_env("PRODUCT_API_ENDPOINT", "Overrides the locale's PA-API host (the local stack's local AWS)"),
    )

    # The queue of `following` re-ranking jobs (core/ranking.py); blank where a function never sends them.
    following_queue_url: str = field(
        default="",
        metadata=_env("FOLLOWING_QUEUE_URL", "SQS queue of the jobs that re-rank a channel in its followers' lists"),
    )

    # Given to every IVS channel the API creates (blank: none). Recording is a stage option (`recording`).
    recording_configuration_arn: str = field(
        default="",
        metadata=_env("RECORDING_CONFIGURATION_ARN", "IVS recording configuration of new channels (blank: none)"),
    )
    recordings_bucket: str = field(
        default="", metadata=_env("RECORDINGS_BUCKET", "S3 bucket IVS records into (blank: the stage does not record)")
    )
    # Where recordings are read: the recordings distribution (CloudFront; locally the local edge), which
    # serves only URLs signed with the recordings key (core/recordings.py). Blank where nothing is served.
    recordings_base_url: str = field(
        default="",
        metadata=_env("RECORDINGS_BASE_URL", "Base URL of the recordings distribution (blank: recordings not served)"),
    )
    recordings_key_id: str = field(
        default="",
        metadata=_env("RECORDINGS_KEY_ID", "Id of the CloudFront public key the recordings distribution trusts"),
    )
    recordings_key_secret_arn: str = field(
        default="",
        metadata=_env("RECORDINGS_KEY_SECRET_ARN", "Secret holding the RSA private key that signs recording URLs"),
    )
    playback_restriction_policy_arn: str = field(
        default="",
        metadata=_env("PLAYBACK_RESTRICTION_POLICY_ARN", "IVS playback restriction policy of new channels"),
    )

    # PEM of the EC P-384 private key whose public half is imported into IVS as a playback key pair;
    # blank when private channels' playback tokens are not offered (createPlaybackToken then fails).
    playback_key_secret_arn: str = field(
        default="",
        metadata=_env("PLAYBACK_KEY_SECRET_ARN", "Secret holding the PEM private key that signs playback tokens"),
    )

    def __post_init__(self) -> None:
        problems = [
            f.metadata["env"]
            for f in fields(self)
            if f.default is MISSING and not str(getattr(self, f.name) or "").strip()
        ]
        try:
            object.__setattr__(self, "ivs_channel_type", ChannelType(self.ivs_channel_type))
        except ValueError:
            problems.append("IVS_CHANNEL_TYPE")
        if problems:
            raise SettingsError(f"invalid or missing environment variables: {', '.join(sorted(problems))}")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        values: dict[str, Any] = {
            f.name: _parse(f.name, env[f.metadata["env"]]) for f in fields(cls) if f.metadata["env"] in env
        }
        missing = [f.metadata["env"] for f in fields(cls) if f.name not in values and f.default is MISSING]
        if missing:
            raise SettingsError(f"invalid or missing environment variables: {', '.join(sorted(missing))}")
        return cls(**values)

    @classmethod
    def env_names(cls) -> frozenset[str]:
        """Every variable name the model reads (including runtime-provided ones)."""
        return frozenset(f.metadata["env"] for f in fields(cls))

    @classmethod
    def describe(cls) -> dict[str, str]:
        return {f.metadata["env"]: f.metadata["description"] for f in fields(cls)}

    def to_env(self) -> dict[str, str]:
        """The environment a deployment gives a function (runtime-provided names excluded)."""
        return {
            f.metadata["env"]: _format(getattr(self, f.name))
            for f in fields(self)
            if f.metadata["env"] not in RUNTIME_PROVIDED
        }


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}


_BOOLEAN_FIELDS = {
    "enable_user_auto_verify": "ENABLE_USER_AUTO_VERIFY",
    "enable_amazon_product_stream_action": "ENABLE_AMAZON_PRODUCT_STREAM_ACTION",
}


def _parse(name: str, raw: str) -> Any:
    if name in _BOOLEAN_FIELDS:
        if raw.strip().lower() not in _BOOLEANS:
            raise SettingsError(f"invalid or missing environment variables: {_BOOLEAN_FIELDS[name]}")
        return _BOOLEANS[raw.strip().lower()]
    if name == "sign_up_allowed_domains":
        return tuple(d.strip().lower() for d in raw.split(",") if d.strip())
    return raw


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)
