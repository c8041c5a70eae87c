"""What every IVS channel of a stage is created with: the stage's playback restriction policy and, with
`recording: true`, its recording configuration writing to a private recordings bucket, served by a
CloudFront distribution that takes signed URLs only."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, stage_config
from infra.definitions import FUNCTIONS
from tests.infra.infra_synth import Synth


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def test_every_stage_has_a_playback_restriction_policy_for_its_frontend(dev: Synth, full: Synth) -> None:
    # THEN by default the policy allows the frontend's origin, every country, no strict origin check
    policy = dev.only("AWS::IVS::PlaybackRestrictionPolicy")["Properties"]
    assert policy["AllowedOrigins"] == ["http://localhost:3000"]
    assert (policy["AllowedCountries"], policy["EnableStrictOriginEnforcement"]) == ([], False)
    assert _tags(policy) == {"project": "ugc-live", "stage": "dev"}
    # AND a stage's own lists replace those
    configured = full.only("AWS::IVS::PlaybackRestrictionPolicy")["Properties"]
    assert configured["AllowedOrigins"] == ["https://app.example.com", "https://admin.example.com"]
    assert (configured["AllowedCountries"], configured["EnableStrictOriginEnforcement"]) == (["US", "GB"], True)


def test_a_stage_without_recording_has_no_recording_configuration(dev: Synth) -> None:
    assert dev.resources("AWS::IVS::RecordingConfiguration") == {}
    api = [f for f in dev.properties("AWS::Lambda::Function").values() if f["Handler"] == "resolvers.app.handler"]
    assert api[0]["Environment"]["Variables"]["RECORDING_CONFIGURATION_ARN"] == ""


def test_a_recording_stage_records_into_a_private_encrypted_bucket_with_its_options(full: Synth) -> None:
    recording = full.only("AWS::IVS::RecordingConfiguration")["Properties"]
    bucket_id = recording["DestinationConfiguration"]["S3"]["BucketName"]["Ref"]
    bucket = full.resources("AWS::S3::Bucket")[bucket_id]["Properties"]
    # THEN thumbnails every 10 s (a sequence and the latest), the chosen renditions
    assert recording["ThumbnailConfiguration"] == {
        "RecordingMode": "INTERVAL",
        "TargetIntervalSeconds": 10,
        "Storage": ["SEQUENTIAL", "LATEST"],
    }
    assert recording["RenditionConfiguration"] == {"RenditionSelection": "CUSTOM", "Renditions": ["HD", "SD"]}
    assert _tags(recording) == {"project": "ugc-live", "stage": "full"}
    # AND the bucket is private, encrypted, and forgets recordings after the retention
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert bucket["LifecycleConfiguration"]["Rules"] == [{"ExpirationInDays": 90, "Status": "Enabled"}]
    # AND the API creates channels with it
    api = [f for f in full.properties("AWS::Lambda::Function").values() if f["Handler"] == "resolvers.app.handler"]
    arn = {"Fn::GetAtt": [full.only_id("AWS::IVS::RecordingConfiguration"), "Arn"]}
    assert api[0]["Environment"]["Variables"]["RECORDING_CONFIGURATION_ARN"] == arn


def test_recordings_are_served_by_cloudfront_to_signed_urls_only(full: Synth, dev: Synth) -> None:
    # GIVEN the recording stage's distribution over its recordings bucket
    assert dev.resources("AWS::CloudFront::KeyGroup") == {}
    distribution = full.id_with_prefix("AWS::CloudFront::Distribution", "RecordingsDistribution")
    config = full.properties("AWS::CloudFront::Distribution")[distribution]["DistributionConfig"]
    bucket = full.id_with_prefix("AWS::S3::Bucket", "VideoRecordings")
    # THEN its one origin is the bucket, read with Origin Access Control
    [origin] = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket, "RegionalDomainName"]}
    assert "OriginAccessControlId" in origin
    # AND every behaviour is HTTPS only, trusts the one key group, and answers CORS for the stage's origins
    key_group = full.only_id("AWS::CloudFront::KeyGroup")
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b.get("PathPattern") for b in behaviours} == {None, "*.m3u8", "*/latest_thumbnail/*"}
    cors = full.only("AWS::CloudFront::ResponseHeadersPolicy")["Properties"]["ResponseHeadersPolicyConfig"]
    assert cors["CorsConfig"]["AccessControlAllowOrigins"]["Items"] == [
        "https://app.example.com",
        "https://admin.example.com",
    ]
    assert cors["CorsConfig"]["AccessControlAllowHeaders"]["Items"] == ["Range"]
    policies = full.properties("AWS::CloudFront::CachePolicy")
    for b in behaviours:
        assert b["ViewerProtocolPolicy"] == "https-only"
        assert b["TrustedKeyGroups"] == [{"Ref": key_group}]
        assert b["ResponseHeadersPolicyId"] == {"Ref": full.only_id("AWS::CloudFront::ResponseHeadersPolicy")}
        # AND the signing parameters are not in the cache key; what IVS rewrites while live is kept
        # for less than a thumbnail interval (10 s in this stage)
        cache = policies[b["CachePolicyId"]["Ref"]]["CachePolicyConfig"]
        assert cache["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"] == {
            "QueryStringBehavior": "none"
        }
        assert cache["MaxTTL"] <= (5 if b.get("PathPattern") else 86400)
    # AND the key group's public key is the RSA key the deploy-time function makes in the recordings secret
    [key] = full.resources("Custom::RecordingsSigningKey").values()
    assert key["Properties"]["KeyKind"] == "RSA_2048"
    assert key["Properties"]["SecretId"] == {"Ref": full.id_with_prefix("AWS::SecretsManager::Secret", "RecordingsKey")}
    public = full.only("AWS::CloudFront::PublicKey")["Properties"]["PublicKeyConfig"]
    assert public["EncodedKey"] == {"Fn::GetAtt": [*full.resources("Custom::RecordingsSigningKey"), "PublicKeyPem"]}
    # AND the same function makes it as the playback key (one deploy-time function, not two)
    assert (
        key["Properties"]["ServiceToken"]
        == next(iter(full.resources("Custom::PlaybackSigningKey").values()))["Properties"]["ServiceToken"]
    )


def _function(synth: Synth, name: str) -> dict[str, Any]:
    (function,) = [
        f for f in synth.properties("AWS::Lambda::Function").values() if f["Handler"] == FUNCTIONS[name].handler
    ]
    return function


def _grants(synth: Synth, name: str) -> list[tuple[set[str], Any]]:
    """(actions, resource) of every statement of the function's role."""
    role = _function(synth, name)["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for policy in synth.properties("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Roles"]
        for s in policy["PolicyDocument"]["Statement"]
    ]
    return [
        (set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]]), resource)
        for s in statements
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]


def test_the_api_signs_recording_urls_and_the_stream_events_function_only_lists_recordings(
    full: Synth, dev: Synth
) -> None:
    # GIVEN the recording stage's distribution, public key, key secret (and its ARN as the custom resource returns
    # it, once the secret holds the key) and bucket
    distribution = full.id_with_prefix("AWS::CloudFront::Distribution", "RecordingsDistribution")
    base_url = {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}]]}
    key_id = {"Ref": full.only_id("AWS::CloudFront::PublicKey")}
    key_secret = full.id_with_prefix("AWS::SecretsManager::Secret", "RecordingsKey")
    returned_secret = {"Fn::GetAtt": [*full.resources("Custom::RecordingsSigningKey"), "SecretArn"]}
    bucket = full.id_with_prefix("AWS::S3::Bucket", "VideoRecordings")

    # THEN the API function knows where recordings are served, the key's id and its secret
    api = _function(full, "api")["Environment"]["Variables"]
    assert (api["RECORDINGS_BASE_URL"], api["RECORDINGS_KEY_ID"]) == (base_url, key_id)
    assert api["RECORDINGS_KEY_SECRET_ARN"] == returned_secret
    # AND may read that secret, and list and delete recordings
    api_grants = _grants(full, "api")
    assert any("secretsmanager:GetSecretValue" in a and r == {"Ref": key_secret} for a, r in api_grants)
    assert any(a == {"s3:ListBucket"} and r == {"Fn::GetAtt": [bucket, "Arn"]} for a, r in api_grants)
    # AND the stream events function knows the bucket but not the key, and may list the bucket and do nothing
    # more with it or the key
    streams = _function(full, "streams")["Environment"]["Variables"]
    assert streams["RECORDINGS_BUCKET"] == {"Ref": bucket}
    assert streams["RECORDINGS_KEY_ID"] == streams["RECORDINGS_KEY_SECRET_ARN"] == ""
    streams_grants = _grants(full, "streams")
    assert [(a, r) for a, r in streams_grants if bucket in str(r) or key_secret in str(r)] == [
        ({"s3:ListBucket"}, {"Fn::GetAtt": [bucket, "Arn"]})
    ]
    # AND a stage that does not record names none of it
    dev_api = _function(dev, "api")["Environment"]["Variables"]
    assert [dev_api[k] for k in ("RECORDINGS_BASE_URL", "RECORDINGS_KEY_ID", "RECORDINGS_KEY_SECRET_ARN")] == [""] * 3
    assert dev.resources("AWS::CloudFront::PublicKey") == {}
    assert [d for d in dev.resources("AWS::CloudFront::Distribution") if d.startswith("Recordings")] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"recordingThumbnailIntervalSeconds": 0}, "recordingThumbnailIntervalSeconds"),
        ({"recordingRenditions": ["4K"]}, "recordingRenditions: expected a list of distinct renditions"),
        ({"playbackAllowedOrigins": ["https://a.example/path"]}, "is not an origin"),
        ({"playbackAllowedCountries": ["usa"]}, "ISO 3166-1 alpha-2"),
        ({"recording": "yes"}, "recording: expected true or false"),
    ],
)
def test_bad_video_options_fail_naming_the_key(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        stage_config("qa", options)
