"""What a stage's config means in CDK terms, for every construct that keeps data or logs."""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.definitions import StageConfig

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def log_retention(days: int | None) -> logs.RetentionDays:
    """CDK's name for a retention period validated by infra.config (None: never expire)."""
    return logs.RetentionDays.INFINITE if days is None else _RETENTION[days]


def removal_policy(config: StageConfig) -> RemovalPolicy:
    return RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY


def every_arn(scope: Construct, service: str, resource: str) -> str:
    """Every `resource` of `service` in the stack's account and region: for what IVS and IVS Chat create at
    run time, whose ARNs no template can name."""
    return Stack.of(scope).format_arn(
        service=service, resource=resource, resource_name="*", arn_format=ArnFormat.SLASH_RESOURCE_NAME
    )


def playback_key_id(config: StageConfig, construct_id: str) -> str:
    """The construct id of a playback-key resource at the stage's key version. A new version is a new
    logical id, so CloudFormation creates the new secret, key and key pair, moves the API onto them, and
    deletes the old ones at the end of the deployment (or keeps them if it rolls back). Version 1 keeps
    the plain id, so existing stages are not replaced."""
    version = config.playback_key_version
    return construct_id if version == 1 else f"{construct_id}V{version}"
