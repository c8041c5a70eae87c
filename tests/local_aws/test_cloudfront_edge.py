"""The local edge of the recordings distribution, over real HTTP: only what CloudFront's signed-URL rules let
through is served, as signed URLs or signed cookies, with byte ranges and CORS for players in web pages."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from core.playback import KeyKind, generate_private_key_pem, load_private_key
from core.recordings import RecordingUrls
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.server import LocalAwsServer
from infra.definitions import StageConfig

BODY = b"#EXTM3U\n#EXT-X-VERSION:3\n"


@pytest.fixture
def recording(local_resources: LocalResources, local_aws_client: Any) -> str:
    """A playlist in the recordings bucket: its key."""
    key = f"ivs/v1/123456789012/edge/2026/12/5/10/0/{uuid.uuid4().hex[:8]}/media/hls/master.m3u8"
    local_aws_client("s3").put_object(
        Bucket=local_resources.recordings_bucket, Key=key, Body=BODY, ContentType="application/x-mpegURL"
    )
    return key


@pytest.fixture
def private_key(local_resources: LocalResources, local_aws_client: Any) -> str:
    secret = local_aws_client("secretsmanager").get_secret_value(SecretId=local_resources.recordings_key_secret_arn)
    return str(secret["SecretString"])


def _signer(private_key: str, key_id: str) -> CloudFrontSigner:
    key = load_private_key(private_key, KeyKind.RSA_2048)
    return CloudFrontSigner(key_id, lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()))  # noqa: S303


def _error(response: httpx.Response) -> str:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "text/xml"
    return response.text


def test_a_signed_url_is_served_and_nothing_else_is(
    local_resources: LocalResources, recording: str, private_key: str
) -> None:
    urls = RecordingUrls(local_resources.recordings_base_url, local_resources.recordings_key_id, lambda: private_key)
    prefix = recording.removesuffix("media/hls/master.m3u8")
    signed = urls.signer(prefix)("media/hls/master.m3u8")
    # THEN the signed URL gets the object, with S3's type
    served = httpx.get(signed)
    assert (served.status_code, served.content, served.headers["content-type"]) == (
        200,
        BODY,
        "application/x-mpegURL",
    )
    unsigned, query = signed.split("?")
    # AND without a signature CloudFront's MissingKey, with another's key or a changed one AccessDenied
    assert "<Code>MissingKey</Code>" in _error(httpx.get(unsigned))
    other = RecordingUrls(
        local_resources.recordings_base_url,
        local_resources.recordings_key_id,
        lambda: generate_private_key_pem(KeyKind.RSA_2048),
    )
    assert "<Code>AccessDenied</Code>" in _error(httpx.get(other.signer(prefix)("media/hls/master.m3u8")))
    assert "AccessDenied" in _error(httpx.get(signed.replace("Signature=", "Signature=A")))
    # AND a key id the distribution does not trust is CloudFront's unknown key; a URL outside the prefix is refused
    untrusted = _error(httpx.get(signed.replace(local_resources.recordings_key_id, "K2NOTTRUSTED")))
    assert "<Code>InvalidKey</Code><Message>Unknown Key</Message>" in untrusted
    elsewhere = f"{local_resources.recordings_base_url}/ivs/v1/123456789012/other/master.m3u8?{query}"
    assert "AccessDenied" in _error(httpx.get(elsewhere))
    # AND a missing object is S3's AccessDenied through Origin Access Control (no listing granted)
    missing = urls.signer(prefix)("media/hls/nothing.m3u8")
    assert "<Message>Access Denied</Message>" in _error(httpx.get(missing))
    # AND an unknown distribution is not found
    unknown = httpx.get(signed.replace(local_resources.recordings_distribution_id, "E000000000000"))
    assert unknown.status_code == 404 and "NoSuchDistribution" in unknown.text


def test_canned_and_custom_policies_are_checked_as_cloudfront_checks_them(
    local_resources: LocalResources, recording: str, private_key: str
) -> None:
    url = f"{local_resources.recordings_base_url}/{recording}"
    signer = _signer(private_key, local_resources.recordings_key_id)
    soon, past = datetime.fromtimestamp(time.time() + 600, UTC), datetime.fromtimestamp(time.time() - 1, UTC)
    # THEN a canned policy for this URL is served, and an expired one refused
    assert httpx.get(signer.generate_presigned_url(url, date_less_than=soon)).status_code == 200
    _error(httpx.get(signer.generate_presigned_url(url, date_less_than=past)))
    # AND a custom policy is held to its start time and to its source addresses
    later = datetime.fromtimestamp(time.time() + 300, UTC)
    not_yet = signer.build_policy(url, soon, date_greater_than=later)
    _error(httpx.get(signer.generate_presigned_url(url, policy=not_yet)))
    here = signer.build_policy(url, soon, ip_address="127.0.0.0/8")
    assert httpx.get(signer.generate_presigned_url(url, policy=here)).status_code == 200
    elsewhere = signer.build_policy(url, soon, ip_address="203.0.113.0/24")
    _error(httpx.get(signer.generate_presigned_url(url, policy=elsewhere)))
    # AND a policy that is no JSON is a malformed policy
    garbage = signer.generate_presigned_url(url, policy="not json")
    assert "MalformedPolicy" in _error(httpx.get(garbage))


def test_signed_cookies_serve_the_whole_prefix(
    local_resources: LocalResources, recording: str, private_key: str
) -> None:
    signer = _signer(private_key, local_resources.recordings_key_id)
    prefix_url = f"{local_resources.recordings_base_url}/{recording.rsplit('/', 3)[0]}/"
    policy = signer.build_policy(f"{prefix_url}*", datetime.fromtimestamp(time.time() + 600, UTC))
    query = dict(
        p.split("=", 1) for p in signer.generate_presigned_url(prefix_url, policy=policy).split("?")[1].split("&")
    )
    cookies = {
        "CloudFront-Policy": query["Policy"],
        "CloudFront-Signature": query["Signature"],
        "CloudFront-Key-Pair-Id": query["Key-Pair-Id"],
    }
    url = f"{local_resources.recordings_base_url}/{recording}"
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    assert httpx.get(url, headers={"Cookie": cookie}).content == BODY
    assert "MissingKey" in _error(httpx.get(url, headers={"Cookie": "CloudFront-Policy=x"}))


def test_byte_ranges_head_and_cors_for_players_in_web_pages(
    local_resources: LocalResources, recording: str, private_key: str
) -> None:
    urls = RecordingUrls(local_resources.recordings_base_url, local_resources.recordings_key_id, lambda: private_key)
    signed = urls.signer(recording.removesuffix("media/hls/master.m3u8"))("media/hls/master.m3u8")
    origin = {"Origin": "http://localhost:3000"}
    # THEN a range is served as 206 with its Content-Range; past the end it is 416
    part = httpx.get(signed, headers={"Range": "bytes=1-6", **origin})
    assert (part.status_code, part.content, part.headers["content-range"]) == (206, BODY[1:7], f"bytes 1-6/{len(BODY)}")
    assert httpx.get(signed, headers={"Range": "bytes=-4"}).content == BODY[-4:]
    past_the_end = httpx.get(signed, headers={"Range": f"bytes={len(BODY)}-"})
    assert (past_the_end.status_code, past_the_end.headers["content-range"]) == (416, f"bytes */{len(BODY)}")
    assert "<Code>InvalidRange</Code>" in past_the_end.text
    # AND a range that is no valid byte range is ignored: the whole object
    backwards = httpx.get(signed, headers={"Range": "bytes=6-1"})
    assert (backwards.status_code, backwards.content) == (200, BODY)
    # AND the page's origin may read the answer and its range headers
    assert part.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "Content-Range" in part.headers["access-control-expose-headers"]
    # AND HEAD gives the length without the body
    head = httpx.head(signed)
    assert (head.status_code, head.headers["content-length"], head.content) == (200, str(len(BODY)), b"")
    # AND a preflight for a ranged request is allowed
    preflight = httpx.options(
        signed, headers={**origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-headers"] == "range"


def test_a_path_cannot_climb_out_of_the_signed_prefix(
    local_resources: LocalResources, recording: str, private_key: str, local_aws_client: Any
) -> None:
    # GIVEN a policy for everything under the distribution, a dot-dot segment sent percent-encoded so that
    # no client or server tidies it away, and objects both at the literal key and at the one it resolves to
    folder, name = recording.rsplit("/", 1)
    literal = f"{folder}/../hls/{name}"
    local_aws_client("s3").put_object(Bucket=local_resources.recordings_bucket, Key=literal, Body=BODY)
    signer = _signer(private_key, local_resources.recordings_key_id)
    everything = signer.build_policy(
        f"{local_resources.recordings_base_url}/*", datetime.fromtimestamp(time.time() + 600, UTC)
    )
    climbing = f"{local_resources.recordings_base_url}/{folder}/%2E%2E/hls/{name}"
    # WHEN it is asked for
    # THEN neither is served
    assert "AccessDenied" in _error(httpx.get(signer.generate_presigned_url(climbing, policy=everything)))


def test_bootstrapping_again_finds_the_same_edge(local_aws: LocalAwsServer, local_resources: LocalResources) -> None:
    # GIVEN a bootstrapped local AWS
    # WHEN bootstrap runs again
    again = bootstrap(local_aws.endpoint)
    # THEN it finds the distribution, key and secret it made instead of making new ones
    assert (
        again.recordings_distribution_id,
        again.recordings_key_id,
        again.recordings_key_secret_arn,
        again.recordings_base_url,
    ) == (
        local_resources.recordings_distribution_id,
        local_resources.recordings_key_id,
        local_resources.recordings_key_secret_arn,
        local_resources.recordings_base_url,
    )


def test_a_stage_that_does_not_record_has_no_edge(local_aws: LocalAwsServer, local_aws_client: Any) -> None:
    # GIVEN a stage that does not record
    stage = StageConfig(stage="quiet", api_key_expiry_days=7)
    assert not stage.recording
    # WHEN it is bootstrapped
    resources = bootstrap(local_aws.endpoint, stage, name_prefix="quiet")
    # THEN its functions are told of no recordings edge, and no distribution was made for it
    settings = resources.function_settings(stage)
    assert (settings.recordings_base_url, settings.recordings_key_id, settings.recordings_key_secret_arn) == (
        "",
        "",
        "",
    )
    assert resources.recordings_distribution_id == ""
    listed = local_aws_client("cloudfront").list_distributions()["DistributionList"].get("Items", [])
    assert not [d for d in listed if d.get("Comment") == "quiet-recordings"]
