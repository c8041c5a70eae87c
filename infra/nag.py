"""cdk-nag: the AWS Solutions rules run over every stage, and the findings this design accepts, each with
the reason it is accepted.

`apply_checks(app)` adds the rule pack to an app (infra.app does, for every stage it builds);
`suppress(...)` records the accepted findings on a stack's resources (infra.stack does). A finding not
suppressed here is an error annotation: the CDK CLI fails the synth on it, and so does `make synth`
(infra.checks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Aspects, Stack
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from cdk_nag import AwsSolutionsChecks, NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct

# The managed policy CDK attaches to every Lambda role it creates (ours and its own helpers').
_BASIC_EXECUTION_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def apply_checks(scope: IConstruct) -> None:
    """Run the AWS Solutions rule pack over `scope` (an app: every stage in it) at synthesis."""
    Aspects.of(scope).add(AwsSolutionsChecks(verbose=True))


def _resource(pattern: str) -> RegexAppliesTo:
    """An IAM5 finding's resource, matched on a logical-id prefix (CDK appends a hash)."""
    return RegexAppliesTo(regex=f"/^Resource::{pattern}$/")


# Stack-wide: findings on roles and policies CDK generates per function (and for its own helpers).
STACK_SUPPRESSIONS: tuple[NagPackSuppression, ...] = (
    NagPackSuppression(
        id="AwsSolutions-IAM4",
        reason="AWSLambdaBasicExecutionRole only lets a function write its own CloudWatch logs; CDK attaches it "
        "to every function role, including its bucket-notifications helper.",
        applies_to=[_BASIC_EXECUTION_ROLE],
    ),
    NagPackSuppression(
        id="AwsSolutions-IAM5",
        reason="Queries on the table's GSIs: Table.grant scopes to <table>/index/*, the table's own indexes only.",
        applies_to=[_resource(r"<DataTable[0-9A-F]+\.Arn>\/index\/\*")],
    ),
    NagPackSuppression(
        id="AwsSolutions-IAM5",
        reason="IVS channels, stream keys and chat rooms are created at run time (one per streamer), so their "
        "ARNs are unknown at deploy time; the grant stays within this account and region.",
        applies_to=[
            _resource(r"arn:<AWS::Partition>:ivs:<AWS::Region>:<AWS::AccountId>:channel\/\*"),
            _resource(r"arn:<AWS::Partition>:ivs:<AWS::Region>:<AWS::AccountId>:stream-key\/\*"),
            _resource(r"arn:<AWS::Partition>:ivschat:<AWS::Region>:<AWS::AccountId>:room\/\*"),
        ],
    ),
    NagPackSuppression(
        id="AwsSolutions-IAM5",
        reason="Resource '*' only for actions IAM cannot scope: ivs:CreateChannel, ivs:ListChannels, "
        "ivschat:ListRooms and X-Ray's PutTraceSegments/PutTelemetryRecords take no resource, and "
        "cloudwatch:GetMetricData has no resource type (see infra.constructs.functions and .teardown).",
        applies_to=["Resource::*"],
    ),
    NagPackSuppression(
        id="AwsSolutions-IAM5",
        reason="Uploads live under per-user keys (<sub>/<kind>) created at run time; the grant covers this "
        "bucket's objects only.",
        applies_to=[_resource(r"<AssetsBucket[0-9A-F]+\.Arn>\/\*")],
    ),
    NagPackSuppression(
        id="AwsSolutions-IAM5",
        reason="Recordings live under keys IVS makes at run time (ivs/v1/<account>/<channel>/...); account "
        "deletion may delete this bucket's objects only.",
        applies_to=[_resource(r"<VideoRecordings[0-9A-F]+\.Arn>\/\*")],
    ),
    NagPackSuppression(
        id="AwsSolutions-IAM5",
        reason="CDK's AppSync Lambda data source role may invoke the function's versions and aliases "
        "(<function-arn>:*) as well as the function itself; it names one function only.",
        applies_to=[_resource(r"<Functions[A-Za-z0-9]+\.Arn>:\*")],
    ),
    NagPackSuppression(
        id="AwsSolutions-L1",
        reason="The runtime is pinned to the Python version the code is tested and bundled with "
        "(infra.constructs.functions.PYTHON_VERSION); it moves with the project, not with Lambda's newest.",
    ),
)


def suppress(
    stack: Stack,
    *,
    bucket: s3.IBucket,
    distributions: Mapping[str, cloudfront.IDistribution],
    user_pool: cognito.IUserPool,
    secrets: Sequence[secretsmanager.ISecret],
    deploy_time: Sequence[IConstruct],
    api: appsync.IGraphqlApi,
    alarm_topic: sns.ITopic | None = None,
    recordings: s3.IBucket | None = None,
) -> None:
    """Record the accepted findings on `stack` and its resources."""
    NagSuppressions.add_stack_suppressions(stack, list(STACK_SUPPRESSIONS))
    if recordings is not None:
        NagSuppressions.add_resource_suppressions(
            recordings,
            [
                NagPackSuppression(
                    id="AwsSolutions-S1",
                    reason="Recordings are written by IVS only, which reports each in its EventBridge events; "
                    "a separate access-log bucket is out of scope.",
                )
            ],
        )
    NagSuppressions.add_resource_suppressions(
        bucket,
        [
            NagPackSuppression(
                id="AwsSolutions-S1",
                reason="User uploads (avatars, banners): reads go through CloudFront and writes are presigned by "
                "the API, which logs them; a separate access-log bucket is out of scope.",
            )
        ],
    )
    for what, distribution in distributions.items():
        _distribution_suppressions(distribution, what)
    NagSuppressions.add_resource_suppressions(
        user_pool,
        [
            NagPackSuppression(
                id="AwsSolutions-COG2",
                reason="A consumer sign-up flow: MFA is not required of viewers; stronger sign-in is a product "
                "decision left for later.",
            ),
            NagPackSuppression(
                id="AwsSolutions-COG8",
                reason="The Plus feature plan (threat protection) is a per-user cost not budgeted for now.",
            ),
        ],
        apply_to_children=True,
    )
    for secret in secrets:
        NagSuppressions.add_resource_suppressions(
            secret,
            [
                NagPackSuppression(
                    id="AwsSolutions-SMG4",
                    reason="No rotation Lambda fits these secrets: the pagination key signs 24-hour page tokens; "
                    "the playback key's public half is imported into IVS, so a new key is a new key pair (rotated "
                    "by bumping the stage's playbackKeyVersion), as is the recordings key's (a CloudFront public "
                    "key); the product API keys are issued by Amazon Associates, not by AWS.",
                )
            ],
            apply_to_children=True,
        )
    for construct in deploy_time:
        NagSuppressions.add_resource_suppressions(
            construct,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="CDK's custom-resource Provider framework may invoke its deploy-time function's "
                    "versions and aliases (<function-arn>:*); it names that one function only.",
                    applies_to=[_resource(r"<(PrivateChannels|Teardown)[A-Za-z0-9]+\.Arn>:\*")],
                ),
            ],
            apply_to_children=True,
        )
    NagSuppressions.add_resource_suppressions(
        api,
        [
            NagPackSuppression(
                id="AwsSolutions-ASC3",
                reason="Request logging is on (CloudWatch, errors) but excludes verbose content on purpose: it "
                "would log headers and Cognito tokens.",
            )
        ],
        apply_to_children=True,
    )
    if alarm_topic is not None:
        NagSuppressions.add_resource_suppressions(
            alarm_topic,
            [
                NagPackSuppression(
                    id="AwsSolutions-SNS2",
                    reason="CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and "
                    "the messages carry alarm names and states only; a customer managed key is not worth it here.",
                )
            ],
            apply_to_children=True,
        )


def _distribution_suppressions(distribution: cloudfront.IDistribution, what: str) -> None:
    NagSuppressions.add_resource_suppressions(
        distribution,
        [
            NagPackSuppression(
                id="AwsSolutions-CFR1",
                reason=f"{what.capitalize()} for a worldwide audience: no geographic restriction is wanted.",
            ),
            NagPackSuppression(
                id="AwsSolutions-CFR2",
                reason=f"Read-only {what} behind a cache; WAF on this CDN is out of scope.",
            ),
            NagPackSuppression(
                id="AwsSolutions-CFR3",
                reason=f"Access logs of {what} are not needed; the distribution's CloudWatch metrics suffice.",
            ),
            NagPackSuppression(
                id="AwsSolutions-CFR4",
                reason="Served on the default *.cloudfront.net certificate, for which CloudFront fixes the TLS "
                "policy; a custom domain and certificate are out of scope.",
            ),
        ],
    )
