"""The one settings model every Lambda reads, and the only place that knows environment variable names.

CDK builds each function's environment with `Settings.to_env()`; the local stack does the same, so
what runs locally is configured exactly like what is deployed. Nothing here reads the environment at
import time: handlers call `Settings.from_env(os.environ)` once per container.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


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


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    stage: str = Field(alias="STAGE", min_length=1, description="Deployment stage name (dev, prod, local)")
    region: str = Field(alias="AWS_REGION", min_length=1, description="Set by the Lambda runtime")
    table_name: str = Field(alias="TABLE_NAME", min_length=1, description="The single DynamoDB table")
    user_pool_id: str = Field(alias="USER_POOL_ID", min_length=1, description="Cognito user pool")
    pagination_secret_arn: str = Field(
        alias="PAGINATION_SECRET_ARN",
        min_length=1,
        description="Secrets Manager secret whose value signs nextToken values",
    )
    ivs_channel_type: ChannelType = Field(
        default=ChannelType.BASIC, alias="IVS_CHANNEL_TYPE", description="Type of new IVS channels"
    )
    project_tag: str = Field(default="ugc-live", alias="PROJECT_TAG", description="Tag on IVS resources")
    log_level: str = Field(default="INFO", alias="POWERTOOLS_LOG_LEVEL")
    service_name: str = Field(default="ugc", alias="POWERTOOLS_SERVICE_NAME")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        try:
            return cls.model_validate(dict(env))
        except ValidationError as exc:
            names = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}))
            raise SettingsError(f"invalid or missing environment variables: {names}") from exc

    @classmethod
    def env_names(cls) -> frozenset[str]:
        """Every variable name the model reads (including runtime-provided ones)."""
        return frozenset(str(f.alias) for f in cls.model_fields.values())

    def to_env(self) -> dict[str, str]:
        """The environment a deployment gives a function (runtime-provided names excluded)."""
        raw: dict[str, Any] = self.model_dump(by_alias=True, mode="json")
        return {k: str(v) for k, v in raw.items() if k not in RUNTIME_PROVIDED}
