"""User uploads (avatars, banners): a private, versioned S3 bucket served through CloudFront.

Browsers upload with presigned POSTs straight to the bucket (hence CORS for the client's origin) and
read through CloudFront only: the bucket stays private, and CloudFront reaches it with Origin Access
Control. An upload's URL carries its `versionId`, so a new avatar is a new URL and nothing has to be
invalidated.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.stage import removal_policy
from infra.definitions import StageConfig, origin_of

# The query string S3 reads to serve one version of an object.
VERSION_QUERY_STRING = "versionId"
# How long browsers may cache the CORS preflight answer.
CORS_MAX_AGE_SECONDS = 3000


class Assets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET],
                    allowed_origins=[origin_of(config.client_base_url)],
                    allowed_headers=["*"],
                    max_age=CORS_MAX_AGE_SECONDS,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    # Versioning exists to give each upload its own URL, not to keep history: a replaced
                    # or deleted upload goes after a day (long enough for cached pages to stop using it),
                    # and so do the delete markers left once nothing is behind them.
                    noncurrent_version_expiration=Duration.days(1),
                    expired_object_delete_marker=True,
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal_policy(config),
            # Only a stage that does not keep its data may empty the bucket on stack deletion (CloudFormation
            # cannot delete a bucket with objects in it).
            auto_delete_objects=not config.retain_data,
        )
        cache_policy = cloudfront.CachePolicy(
            self,
            "CachePolicy",
            comment=f"ugc {config.stage} assets: one cache entry per object version",
            query_string_behavior=cloudfront.CacheQueryStringBehavior.allow_list(VERSION_QUERY_STRING),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            # A versioned URL never changes content; a day bounds how stale an unversioned one can be.
            default_ttl=Duration.days(1),
            min_ttl=Duration.seconds(0),
            max_ttl=Duration.days(365),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"ugc {config.stage} assets",
            default_behavior=cloudfront.BehaviorOptions(
                # READ_VERSIONED: a request with ?versionId= is s3:GetObjectVersion, not s3:GetObject.
                origin=origins.S3BucketOrigin.with_origin_access_control(
                    self.bucket,
                    origin_access_levels=[cloudfront.AccessLevel.READ, cloudfront.AccessLevel.READ_VERSIONED],
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cache_policy,
            ),
            # North America and Europe edges only: the cheapest class, and images are small.
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )
        # What ASSETS_BASE_URL holds: the API builds `<base>/<sub>/<kind>?versionId=...` from it.
        self.base_url = f"https://{self.distribution.distribution_domain_name}"
