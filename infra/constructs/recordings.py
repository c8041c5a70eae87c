"""Where players read recordings (stages with `recording: true`): a CloudFront distribution over the
recordings bucket that serves signed URLs only.

- The bucket stays private: CloudFront reads it with Origin Access Control (s3:GetObject).
- Every behaviour trusts one key group, whose public key is the half of an RSA 2048 key generated at deploy
  time inside its secret by the function that makes the playback key (a resource of its own, `KeyKind`
  RSA_2048, triggers/playback_key.py). The API function reads the secret and signs one custom policy per recording
  (core/recordings.py). The key rotates with the stage's `playbackKeyVersion`.
- CORS for the stage's allowed origins (a recording plays in the frontend's page, which may ask for byte
  ranges); playlists and the latest thumbnail are cached for less than a thumbnail interval, as IVS
  rewrites them while a broadcast lasts; segments and thumbnails for a day.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from core.playback import KEY_KIND_PROPERTY, KEY_SECRET_PROPERTY, PUBLIC_KEY_ATTRIBUTE, SECRET_ARN_ATTRIBUTE, KeyKind
from infra.constructs.deploy_time import DeployTimeResource
from infra.constructs.secrets import signing_key_secret
from infra.constructs.stage import playback_key_id
from infra.definitions import StageConfig, allowed_origins

# Files IVS rewrites while a broadcast lasts: what a player or a directory card must not see stale for long.
CHANGING_PATHS = ("*.m3u8", "*/latest_thumbnail/*")
MEDIA_TTL = Duration.days(1)
EXPOSED_HEADERS = ("Content-Length", "Content-Range", "ETag")


class RecordingsDelivery(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        bucket: s3.IBucket,
        key_maker: DeployTimeResource,
    ) -> None:
        super().__init__(scope, construct_id)
        self.secret = signing_key_secret(
            self, playback_key_id(config, "Key"), "RSA 2048 private key (PEM) that signs CloudFront URLs of recordings"
        )
        # Made by the function that makes the playback key (PrivateChannels), as a resource of its own.
        key = key_maker.add_resource(
            self,
            playback_key_id(config, "SigningKey"),
            resource_type="Custom::RecordingsSigningKey",
            properties={KEY_SECRET_PROPERTY: self.secret.secret_arn, KEY_KIND_PROPERTY: KeyKind.RSA_2048.value},
        )
        self.secret.grant_read(key_maker.function)
        key_maker.function.add_to_role_policy(
            iam.PolicyStatement(actions=["secretsmanager:PutSecretValue"], resources=[self.secret.secret_arn])
        )
        # As the custom resource returns it: the API function names the secret only once it holds the key.
        self.secret_arn = key.get_att_string(SECRET_ARN_ATTRIBUTE)
        public_key = cloudfront.PublicKey(
            self,
            playback_key_id(config, "PublicKey"),
            encoded_key=key.get_att_string(PUBLIC_KEY_ATTRIBUTE),
            comment=f"ugc {config.stage} recordings",
        )
        key_group = cloudfront.KeyGroup(
            self, playback_key_id(config, "KeyGroup"), items=[public_key], comment=f"ugc {config.stage} recordings"
        )
        cors = cloudfront.ResponseHeadersPolicy(
            self,
            "Cors",
            comment=f"ugc {config.stage} recordings: played in the frontend's pages",
            cors_behavior=cloudfront.ResponseHeadersCorsBehavior(
                access_control_allow_credentials=False,
                access_control_allow_headers=["Range"],
                access_control_allow_methods=["GET", "HEAD", "OPTIONS"],
                access_control_allow_origins=list(allowed_origins(config)),
                access_control_expose_headers=list(EXPOSED_HEADERS),
                access_control_max_age=Duration.days(1),
                origin_override=True,
            ),
        )
        origin = origins.S3BucketOrigin.with_origin_access_control(bucket)

        def behaviour(cache_policy: cloudfront.ICachePolicy) -> cloudfront.BehaviorOptions:
            return cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
                cache_policy=cache_policy,
                response_headers_policy=cors,
                trusted_key_groups=[key_group],
            )

        changing_ttl = Duration.seconds(max(1, config.recording_thumbnail_interval_seconds // 2))
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"ugc {config.stage} recordings (signed URLs only)",
            # The signing parameters are checked before the cache and are no part of its key: one cached copy
            # of a file serves every viewer's URL.
            default_behavior=behaviour(self._cache_policy("MediaCache", config, MEDIA_TTL)),
            additional_behaviors={
                path: behaviour(self._cache_policy(f"ChangingCache{n}", config, changing_ttl))
                for n, path in enumerate(CHANGING_PATHS)
            },
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )
        self.key_id = public_key.public_key_id
        # What RECORDINGS_BASE_URL holds: the API signs `<base>/<recording prefix>/*`.
        self.base_url = f"https://{self.distribution.distribution_domain_name}"

    def _cache_policy(self, construct_id: str, config: StageConfig, ttl: Duration) -> cloudfront.CachePolicy:
        return cloudfront.CachePolicy(
            self,
            construct_id,
            comment=f"ugc {config.stage} recordings, cached {ttl.to_human_string()}",
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            default_ttl=ttl,
            min_ttl=Duration.seconds(0),
            max_ttl=ttl,
        )
