"""The local AWS: moto in server mode plus an extension layer for what moto lacks.

`server.LocalAwsServer` serves it, `bootstrap.bootstrap` creates the project's resources in it from
the same definitions CDK uses, and `LocalAwsServer.set_functions` plugs in the runtime that runs the
project's Lambda functions (Cognito triggers, S3 upload events, EventBridge rule targets; see
`functions`). What the extension layer adds is in `services/` (Cognito, IVS, IVS Chat, S3,
EventBridge delivery through `eventbus`, CloudWatch metric math, CloudFront's edge) and `outbox` (the
e-mails Cognito would send); local-only endpoints live under `/_local/` on the same address:

    GET /_local/outbox                      e-mails, see `outbox`
    GET /_local/ivschat/rooms/<room id>     a chat room's tokens and moderation, see `services.ivschat`
    POST|PATCH|DELETE|GET /_local/ivs/streams[/<channel id>]
                                            start, update, end, list simulated broadcasts, see `services.ivs`
    GET /_local/ivs/metadata/<channel id>   what PutMetadata inserted into a channel's streams
    GET|HEAD|OPTIONS /_local/cloudfront/<distribution id>/<key>
                                            a CloudFront distribution's edge over its S3 origin: signed URLs
                                            and cookies checked against its trusted key groups, byte ranges,
                                            CORS; see `services.cloudfront`

It also stands in for Amazon's Product Advertising API 5 (not an AWS service): `POST /paapi5/searchitems`
searches an offline catalogue, see `services.paapi`.

Importing this package stays cheap (no moto import): Lambda workers and clients read the constants
below without paying for moto.
"""

from __future__ import annotations

LOCAL_REGION = "us-east-1"
# moto's default account: every access key moto does not know maps to it, so ARNs are predictable.
LOCAL_ACCOUNT_ID = "123456789012"
# Fixed, obviously-local credentials: the local AppSync verifies IAM SigV4 against them, and the
# "AKIA" prefix keeps botocore and moto treating them as long-term keys.
LOCAL_CREDENTIALS: tuple[str, str] = ("AKIALOCALUGCDEV00001", "local-ugc-secret-key-not-for-aws")
# What bootstrap puts in the product API secret (core.products reads it): made up and public too; the
# local PA-API accepts any well-formed signature.
LOCAL_PRODUCT_API_CREDENTIALS: dict[str, str] = {
    "accessKey": "AKIALOCALPAAPI000001",
    "secretKey": "local-paapi-secret-key-not-for-amazon",
    "partnerTag": "ugclocal-20",
}
