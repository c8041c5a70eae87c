"""Plain-data definitions of the deployed resources, shared by CDK and the local AWS bootstrap.

No aws_cdk import here: the local stack reads these without Node or CDK installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlsplit

from core.assets import MAX_BYTES
from core.sessions import DETAIL_TYPES
from core.settings import ChannelType, Settings

AuthMode = Literal["AMAZON_COGNITO_USER_POOLS", "API_KEY", "AWS_IAM"]
# What a function may touch; CDK turns each into the narrowest grant it can express.
Access = Literal[
    "table",
    "pagination_secret",
    "ivs_channels",
    # Read-only: a stream session's ingest configuration (the stream events function).
    "ivs_sessions",
    # Read a channel and switch it to the stage's recording configuration and playback restriction policy
    # once its broadcast has ended (the stream events function; a deployment cannot switch a live channel).
    "ivs_video_settings",
    "ivs_chat",
    "cognito_admin",
    "assets_bucket",
    # Publish mutations on the GraphQL API with IAM (appsync:GraphQL on the publish* fields).
    "publish",
    # Read IVS health metrics (cloudwatch:GetMetricData).
    "metrics",
    # Read the private key that signs playback tokens of private channels.
    "playback_key",
    # Read the Product Advertising API credentials (granted only where a stage turns product search on).
    "product_api",
    # Send jobs to the `following` queue (QUEUES): the re-ranking of a channel in its followers' lists.
    "following_queue",
    # List and delete the recordings IVS wrote (deleteRecording, account deletion); read the key that signs
    # their URLs. Nothing where the stage does not record.
    "recordings_bucket",
    # List a recording's thumbnails once it ends (the stream events function); nothing where the stage does
    # not record.
    "recordings_listing",
]
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
    # False for user pool triggers: a pool cannot name itself in its own triggers' environment
    # (a CloudFormation cycle), so they read the pool id from their events.
    knows_user_pool: bool = True
    # Only functions that publish to the GraphQL API get its URL (least privilege: resolvers never
    # publish, and a URL they do not have cannot be misused).
    knows_graphql_url: bool = False
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
        access=(
            "table",
            "pagination_secret",
            "ivs_channels",
            "ivs_chat",
            "cognito_admin",
            "assets_bucket",
            "playback_key",
            "product_api",
            "recordings_bucket",
        ),
    ),
    "cognito": FunctionDefinition(
        name="cognito",
        handler="triggers.cognito.handler",
        description="Cognito triggers: sign-up rules, e-mail links, provisioning, sign-in checks",
        access=("table", "ivs_channels", "ivs_chat"),
        knows_user_pool=False,
    ),
    "assets": FunctionDefinition(
        name="assets",
        handler="triggers.assets.handler",
        description="S3 upload events: sets avatar and banner URLs, ignoring out-of-order events",
        access=("table",),
    ),
    "streams": FunctionDefinition(
        name="streams",
        handler="triggers.stream_events.handler",
        description="IVS EventBridge events: sessions, live state, events, limit breaches; publishes changes",
        access=("table", "ivs_sessions", "ivs_video_settings", "publish", "following_queue", "recordings_listing"),
        knows_graphql_url=True,
    ),
    "following": FunctionDefinition(
        name="following",
        handler="triggers.following.handler",
        description="SQS jobs: re-ranks one page of a channel's follows after it went live or offline",
        # A job is one page of follows (core.ranking.PAGE): about a second of UpdateItems.
        timeout_seconds=60,
        access=("table", "following_queue"),
    ),
    "metrics": FunctionDefinition(
        name="metrics",
        handler="triggers.metrics.handler",
        description="Scheduled: pushes live metric points; snapshots metrics of ended sessions",
        timeout_seconds=60,
        access=("table", "metrics", "publish"),
        knows_graphql_url=True,
    ),
    "cleanup": FunctionDefinition(
        name="cleanup",
        handler="triggers.cleanup.handler",
        description="Scheduled: deletes unconfirmed users older than 24 h and frees their reservations",
        timeout_seconds=300,
        access=("table", "cognito_admin"),
    ),
}


@dataclass(frozen=True)
class DeployFunction:
    """A Lambda CloudFormation runs at deploy time (a custom resource's handler): no settings, no API role,
    and nothing the local stack runs as a worker (the local bootstrap calls the same core code)."""

    name: str
    handler: str
    description: str
    timeout_seconds: int = 60


# Generates a signing key in its secret and hands the stack the public half: the playback key (private
# channels, EC P-384) and, where the stage records, the recordings key (CloudFront signed URLs, RSA 2048).
PLAYBACK_KEY_FUNCTION = DeployFunction(
    name="playbackKey",
    handler="triggers.playback_key.handler",
    description="Deploy time: generates a signing key (playback, recordings) in its secret, returns the public key",
)
# Keeps the IVS channels and chat rooms the application made for a stage in step with its stack: switches the
# channels to the stage's video settings on deployment, and deletes them and the rooms with the stack where the
# stage does not keep its data.
STAGE_TEARDOWN_FUNCTION = DeployFunction(
    name="stageTeardown",
    handler="triggers.stage_teardown.handler",
    description="Deploy time: switches the stage's IVS channels to its video settings; deletes them on removal",
    # Under Lambda's 15 minutes: a stage with many channels may need a second `cdk destroy`, which resumes.
    timeout_seconds=900,
)
DEPLOY_FUNCTIONS: dict[str, DeployFunction] = {f.name: f for f in (PLAYBACK_KEY_FUNCTION, STAGE_TEARDOWN_FUNCTION)}

# Cognito user pool trigger → the function that handles it (CDK wiring and the local Cognito).
COGNITO_TRIGGERS: dict[str, str] = {
    "PreSignUp": "cognito",
    "CustomMessage": "cognito",
    "PostConfirmation": "cognito",
    "PreAuthentication": "cognito",
}


@dataclass(frozen=True)
class Schedule:
    function: str
    # EventBridge schedule expression in AWS; the local stack runs it every `local_seconds`.
    expression: str
    local_seconds: int


SCHEDULES: dict[str, Schedule] = {
    "cleanup": Schedule(function="cleanup", expression="rate(1 hour)", local_seconds=60),
    "metrics": Schedule(function="metrics", expression="rate(1 minute)", local_seconds=5),
}


@dataclass(frozen=True)
class EventRule:
    """An EventBridge rule on the default bus: CDK creates it, the local event bus applies it."""

    function: str
    pattern: dict[str, list[str]]


# The detail-types of the IVS events the stream pipeline handles.
IVS_DETAIL_TYPES = DETAIL_TYPES

EVENT_RULES: dict[str, EventRule] = {
    "ivs-stream-events": EventRule(
        function="streams", pattern={"source": ["aws.ivs"], "detail-type": list(IVS_DETAIL_TYPES)}
    ),
}


@dataclass(frozen=True)
class QueueDefinition:
    """An SQS queue whose messages `function` consumes: CDK makes the queue, its dead-letter queue and the
    event source mapping; the local AWS makes the same in moto and polls as Lambda's mapping does."""

    function: str
    # Messages per invocation; the function reports failures per message (ReportBatchItemFailures).
    batch_size: int = 1
    # Concurrent invocations the mapping may run (SQS's maximum concurrency, 2-1000): what bounds the
    # queue's share of the account's Lambda concurrency and its write rate to the table.
    max_concurrency: int = 20
    # A received message stays invisible this long (AWS advises 6x the function's timeout).
    visibility_timeout_seconds: int = 360
    # Receives before a message goes to the dead-letter queue (failures are retried that many times).
    max_receive_count: int = 5
    # How long a message (and a dead letter) is kept.
    retention_days: int = 4


# Each queue by name; a function with "<name>_queue" access may send to it.
QUEUES: dict[str, QueueDefinition] = {
    "following": QueueDefinition(function="following"),
}


@dataclass(frozen=True)
class AssetUploads:
    """S3 ObjectCreated events of the assets bucket go to `function` (keys `<sub>/<kind>`)."""

    function: str = "assets"
    kinds: tuple[str, ...] = tuple(MAX_BYTES)


ASSET_UPLOADS = AssetUploads()


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
    # Frontend base URL for the links in verification and password-reset e-mails.
    client_base_url: str = "http://localhost:3000"
    # Confirm sign-ups at once (no e-mailed code); off in production.
    enable_user_auto_verify: bool = False
    # E-mail domains allowed to sign up; empty allows any.
    sign_up_allowed_domains: tuple[str, ...] = ()
    # AppSync limits per query (0: AppSync's default: no depth limit, 10,000 resolvers). The defaults
    # are sized from the largest operation a client makes (README, options): the schema is at most 5 deep,
    # and a page of 50 channels with both per-viewer fields runs 101 resolvers.
    api_query_depth_limit: int = 10
    api_resolver_count_limit: int = 500
    # Whether the API answers introspection queries (__schema, __type).
    api_introspection: bool = True
    # AppSync field-level logging to CloudWatch: ERROR, ALL or NONE (verbose content always excluded).
    api_log_level: str = "ERROR"
    # X-Ray tracing of GraphQL requests, and active tracing of the functions, so a trace runs from AppSync
    # through the resolver Lambda (its cold start and duration included).
    api_xray: bool = False
    # maxBatchSize of every batch resolver (BatchInvoke); None keeps each field's own (schema.lambda_fields).
    api_max_batch_size: int | None = None
    # Requests per client IP per 5 minutes before a WAF web ACL on the API blocks it; None: no web ACL.
    waf_rate_limit: int | None = None
    # CloudWatch alarms (API 5xx, function errors and throttles, failed event deliveries) on an SNS topic.
    alarms: bool = False
    # Subscribed to the alarm topic (it confirms by e-mail); None: watch the alarms in CloudWatch only.
    alarm_email: str | None = None
    # IVS auto-record to S3: every broadcast of the stage's channels recorded into its recordings bucket.
    recording: bool = False
    # Seconds between thumbnails of a recording (1-60); the latest one is the directory card's.
    recording_thumbnail_interval_seconds: int = 60
    # Renditions recorded: empty records all; else some of SD, HD, FULL_HD, LOWEST_RESOLUTION.
    recording_renditions: tuple[str, ...] = ()
    # Days the recordings bucket keeps a recording (None: until it is deleted).
    recording_retention_days: int | None = None
    # The stage's IVS playback restriction policy, given to every channel: origins allowed to play (empty:
    # the origin of client_base_url), countries (ISO 3166-1 alpha-2; empty: all), strict origin checks.
    playback_allowed_origins: tuple[str, ...] = ()
    playback_allowed_countries: tuple[str, ...] = ()
    playback_strict_origin: bool = False
    # Bumping it rotates the signing keys: a new secret, key and IVS key pair replace the playback key's, and
    # where the stage records, a new secret, CloudFront public key and key group replace the recordings key's.
    playback_key_version: int = 1
    # The AMAZON_PRODUCT overlay and its PA-API search (core/products.py); off unless a stage opts in.
    enable_amazon_product_stream_action: bool = False
    # PA-API marketplace country ("United Kingdom"); blank means United States.
    product_api_locale: str = ""
    # Associates tracking-id suffix put on product links; blank leaves links as PA-API returns them.
    product_link_region_code: str = ""


def function_settings(
    stage: StageConfig,
    *,
    region: str,
    table_name: str,
    user_pool_id: str,
    pagination_secret_arn: str,
    assets_bucket: str = "",
    assets_base_url: str = "",
    graphql_url: str = "",
    product_api_secret_arn: str = "",
    product_api_endpoint: str = "",
    playback_key_secret_arn: str = "",
    following_queue_url: str = "",
    recording_configuration_arn: str = "",
    playback_restriction_policy_arn: str = "",
    recordings_bucket: str = "",
    recordings_base_url: str = "",
    recordings_key_id: str = "",
    recordings_key_secret_arn: str = "",
) -> Settings:
    """The settings every function of a deployment gets: CDK and the local stack both call this.
    (The Cognito trigger function gets `user_pool_id=""`: see `Settings.user_pool_id`.)"""
    return Settings(
        stage=stage.stage,
        region=region,
        table_name=table_name,
        user_pool_id=user_pool_id,
        pagination_secret_arn=pagination_secret_arn,
        ivs_channel_type=stage.ivs_channel_type,
        log_level=stage.log_level,
        assets_bucket=assets_bucket,
        assets_base_url=assets_base_url,
        client_base_url=stage.client_base_url,
        enable_user_auto_verify=stage.enable_user_auto_verify,
        sign_up_allowed_domains=stage.sign_up_allowed_domains,
        graphql_url=graphql_url,
        enable_amazon_product_stream_action=stage.enable_amazon_product_stream_action,
        product_api_secret_arn=product_api_secret_arn,
        product_api_locale=stage.product_api_locale,
        product_link_region_code=stage.product_link_region_code,
        product_api_endpoint=product_api_endpoint,
        playback_key_secret_arn=playback_key_secret_arn,
        following_queue_url=following_queue_url,
        recording_configuration_arn=recording_configuration_arn,
        playback_restriction_policy_arn=playback_restriction_policy_arn,
        recordings_bucket=recordings_bucket,
        recordings_base_url=recordings_base_url,
        recordings_key_id=recordings_key_id,
        recordings_key_secret_arn=recordings_key_secret_arn,
    )


# Thumbnails of a recording kept as a sequence (the recording's) and as the latest one (the directory card's).
THUMBNAIL_STORAGE = ("SEQUENTIAL", "LATEST")

# The stage the local stack runs as: product search (against the offline catalogue) and recording on.
LOCAL_STAGE = StageConfig(stage="local", enable_amazon_product_stream_action=True, recording=True)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """The `Origin` header a browser on that page sends (the URL validated by infra.config): scheme and
    lowercase host, and the port only when it is not the scheme's default. S3 and IVS compare it as a string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = "" if parts.port in {None, _DEFAULT_PORTS[parts.scheme]} else f":{parts.port}"
    # urlsplit drops an IPv6 literal's brackets; the header keeps them.
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}{port}"


def allowed_origins(stage: StageConfig) -> tuple[str, ...]:
    """The origins the stage's playback restriction policy allows: its own list, else its frontend's."""
    return stage.playback_allowed_origins or (origin_of(stage.client_base_url),)


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
    assets_bucket: str = "AssetsBucket"
    assets_base_url: str = "AssetsBaseUrl"
    playback_key_pair_arn: str = "PlaybackKeyPairArn"
    # Only when the stage has alarms.
    alarm_topic_arn: str = "AlarmTopicArn"
    # Only when the stage turns product search on.
    product_api_secret_arn: str = "ProductApiSecretArn"  # noqa: S105 - an output name, not a secret
    # Only when the stage records: the recordings distribution (it serves signed URLs only, which the API hands out).
    recordings_base_url: str = "RecordingsBaseUrl"


OUTPUTS = StackOutputKeys()


def stack_name(stage: str) -> str:
    return f"UGC-{stage}"


def function_env(function: FunctionDefinition, settings: Settings) -> dict[str, str]:
    """The environment CDK and the local stack give one function: the deployment's settings, less
    what that function may not know."""
    if not function.knows_user_pool:
        settings = replace(settings, user_pool_id="")
    if not function.knows_graphql_url:
        settings = replace(settings, graphql_url="")
    if "following_queue" not in function.access:
        settings = replace(settings, following_queue_url="")
    if not {"recordings_bucket", "recordings_listing"} & set(function.access):
        settings = replace(settings, recordings_bucket="")
    if "recordings_bucket" not in function.access:
        settings = replace(settings, recordings_key_id="", recordings_key_secret_arn="")
    return settings.to_env()
