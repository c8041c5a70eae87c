"""Uploads to the assets bucket: presigned POST policies enforced as S3 does, ObjectCreated events delivered."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest
import requests

from core.assets import Assets
from infra.definitions import ASSET_UPLOADS

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture
def s3(local_aws_client):
    return local_aws_client("s3")


@pytest.fixture
def assets(s3, local_resources):
    return Assets(s3, local_resources.assets_bucket)


@pytest.fixture
def delivered(local_functions):
    """The assets function; it fails on keys of owners whose id starts with "broken"."""

    def handler(event):
        if event["Records"][0]["s3"]["object"]["key"].startswith("broken"):
            raise RuntimeError("cannot handle this one")

    return local_functions({ASSET_UPLOADS.function: handler})


def post(upload_url, fields, content, content_type="image/png"):
    return requests.post(upload_url, data=fields, files={"file": ("image.png", content, content_type)}, timeout=10)


def error_of(response):
    """The child elements of S3's XML answer (our own server's, so plain ElementTree is safe)."""
    root = ET.fromstring(response.content)  # noqa: S314
    return {child.tag: child.text for child in root}


def sub():
    return uuid.uuid4().hex


def test_a_presigned_post_stores_the_object_and_answers_like_s3(assets, s3, local_resources, delivered, local_aws):
    # GIVEN a presigned POST for an avatar
    functions = delivered
    owner = sub()
    upload = assets.upload(owner, "avatar", "image/png")

    # WHEN the image is posted
    response = post(upload.url, upload.fields, PNG)

    # THEN S3's 204 comes back with the object's ETag, Location and version
    assert response.status_code == 204, response.text
    key = f"{owner}/avatar"
    head = s3.head_object(Bucket=local_resources.assets_bucket, Key=key)
    assert response.headers["ETag"] == head["ETag"]
    assert response.headers["x-amz-version-id"] == head["VersionId"]
    assert response.headers["Location"] == f"{local_resources.assets_base_url}/{owner}/avatar"
    assert requests.get(response.headers["Location"], timeout=5).content == PNG

    # AND the assets function gets S3's ObjectCreated:Post record
    assert local_aws.wait_for_events()
    (event,) = functions.events(ASSET_UPLOADS.function)
    (record,) = event["Records"]
    assert (record["eventSource"], record["eventName"], record["awsRegion"]) == (
        "aws:s3",
        "ObjectCreated:Post",
        "us-east-1",
    )
    assert record["s3"]["bucket"]["name"] == local_resources.assets_bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{local_resources.assets_bucket}"
    assert record["s3"]["object"]["key"] == key
    assert record["s3"]["object"]["size"] == len(PNG)
    assert record["s3"]["object"]["eTag"] == head["ETag"].strip('"')
    assert record["s3"]["object"]["versionId"] == head["VersionId"]
    assert record["eventTime"].endswith("Z")


def test_later_uploads_have_greater_sequencers(assets, delivered, local_aws):
    # GIVEN an avatar uploaded twice
    functions = delivered
    owner = sub()
    for content in (PNG, PNG + b"v2"):
        upload = assets.upload(owner, "avatar", "image/png")
        assert post(upload.url, upload.fields, content).status_code == 204

    # WHEN the events have been delivered
    assert local_aws.wait_for_events()

    # THEN they arrived in order, with different versions and increasing sequencers of equal width
    first, second = (e["Records"][0]["s3"]["object"] for e in functions.events(ASSET_UPLOADS.function))
    assert first["versionId"] != second["versionId"]
    assert len(first["sequencer"]) == len(second["sequencer"])
    assert first["sequencer"] < second["sequencer"]


def test_put_object_is_an_object_created_put_event(s3, local_resources, delivered, local_aws):
    # GIVEN the assets function
    functions = delivered
    key = f"{sub()}/banner"

    # WHEN an object is put with the SDK
    s3.put_object(Bucket=local_resources.assets_bucket, Key=key, Body=b"banner", ContentType="image/png")

    # THEN an ObjectCreated:Put record reaches the function
    assert local_aws.wait_for_events()
    (event,) = functions.events(ASSET_UPLOADS.function)
    assert event["Records"][0]["eventName"] == "ObjectCreated:Put"
    assert event["Records"][0]["s3"]["object"]["size"] == len(b"banner")


def test_a_failing_function_does_not_fail_the_upload(assets, delivered, local_aws):
    # GIVEN the assets function failing on one owner's uploads
    functions = delivered
    failing = assets.upload(f"broken{sub()}", "avatar", "image/png")
    working = assets.upload(sub(), "avatar", "image/png")

    # WHEN an upload whose event fails is followed by another
    first = post(failing.url, failing.fields, PNG)
    second = post(working.url, working.fields, PNG)

    # THEN both uploads succeed (S3 events are asynchronous) and both events were delivered, in order
    assert (first.status_code, second.status_code) == (204, 204)
    assert local_aws.wait_for_events()
    keys = [e["Records"][0]["s3"]["object"]["key"] for e in functions.events(ASSET_UPLOADS.function)]
    assert keys == [failing.fields["key"], working.fields["key"]]


def test_a_file_over_the_policy_limit_is_entity_too_large(assets, s3, local_resources, delivered, local_aws):
    # GIVEN a presigned POST for an avatar (1 MB at most)
    functions = delivered
    owner = sub()
    upload = assets.upload(owner, "avatar", "image/png")

    # WHEN a bigger file is posted
    response = post(upload.url, upload.fields, b"x" * (upload.max_bytes + 1))

    # THEN S3 refuses it with EntityTooLarge, stating the sizes, and stores nothing
    assert response.status_code == 400
    error = error_of(response)
    assert error["Code"] == "EntityTooLarge"
    assert (error["ProposedSize"], error["MaxSizeAllowed"]) == (str(upload.max_bytes + 1), str(upload.max_bytes))
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=local_resources.assets_bucket, Key=f"{owner}/avatar")
    assert local_aws.wait_for_events()
    assert functions.events(ASSET_UPLOADS.function) == []


def test_another_content_type_than_the_policy_says_is_denied(assets):
    # GIVEN a presigned POST for a PNG
    upload = assets.upload(sub(), "avatar", "image/png")

    # WHEN the form claims another content type
    response = post(upload.url, dict(upload.fields, **{"Content-Type": "image/gif"}), PNG, "image/gif")

    # THEN S3 denies it, naming the failed condition
    assert response.status_code == 403
    error = error_of(response)
    assert error["Code"] == "AccessDenied"
    assert (
        error["Message"] == 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]'
    )


def test_another_key_than_the_policy_says_is_denied(assets):
    # GIVEN a presigned POST for one user's avatar
    upload = assets.upload(sub(), "avatar", "image/png")

    # WHEN the form names another user's key
    response = post(upload.url, dict(upload.fields, key=f"{sub()}/avatar"), PNG)

    # THEN S3 denies it
    assert response.status_code == 403
    assert "Policy Condition failed" in error_of(response)["Message"]


def test_a_field_the_policy_does_not_mention_is_denied(assets):
    # GIVEN a presigned POST
    upload = assets.upload(sub(), "avatar", "image/png")

    # WHEN the form carries a field no condition covers
    response = post(upload.url, dict(upload.fields, acl="public-read"), PNG)

    # THEN S3 denies the extra field
    assert response.status_code == 403
    assert error_of(response)["Message"] == "Invalid according to Policy: Extra input fields: acl"


def test_an_expired_policy_is_denied(s3, local_resources):
    # GIVEN a presigned POST that expired a minute ago
    key = f"{sub()}/avatar"
    upload = s3.generate_presigned_post(Bucket=local_resources.assets_bucket, Key=key, ExpiresIn=-60)

    # WHEN it is used
    response = post(upload["url"], upload["fields"], PNG)

    # THEN S3 says the policy expired
    assert response.status_code == 403
    error = error_of(response)
    assert (error["Code"], error["Message"]) == ("AccessDenied", "Invalid according to Policy: Policy expired.")


def test_success_action_status_201_answers_the_post_response_document(s3, local_resources):
    # GIVEN a presigned POST that asks for a 201
    key = f"{sub()}/banner"
    upload = s3.generate_presigned_post(
        Bucket=local_resources.assets_bucket,
        Key=key,
        Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}],
    )

    # WHEN it is used
    response = post(upload["url"], upload["fields"], PNG)

    # THEN S3's PostResponse document describes the stored object
    assert response.status_code == 201, response.text
    document = error_of(response)
    assert (document["Bucket"], document["Key"]) == (local_resources.assets_bucket, key)
    assert document["ETag"] == response.headers["ETag"]


def test_without_functions_uploads_work_and_no_event_is_sent(assets, local_aws):
    # GIVEN no function invoker on the server
    upload = assets.upload(sub(), "avatar", "image/png")

    # WHEN an image is posted
    # THEN it is stored as usual (plain moto plus the policy)
    assert post(upload.url, upload.fields, PNG).status_code == 204
    assert local_aws.wait_for_events()
