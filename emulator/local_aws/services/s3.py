"""S3 uploads: POST policies enforced, and ObjectCreated events delivered to Lambda functions.

moto stores objects but neither checks a browser POST's policy nor runs Lambda notifications (it
would hand them to its own Lambda, where the project's functions do not live). Here:

- A browser-based upload (multipart/form-data POST to a bucket) is checked against its policy
  (`post_policy.py`) before moto stores it, and answered as S3 answers: `ETag`, `Location` and, in a
  versioned bucket, `x-amz-version-id` headers; the `PostResponse` XML for success_action_status=201.
- After an object is created (POST, PUT, copy, completed multipart upload), every Lambda
  configuration of the bucket's notification configuration whose events and key filter match gets
  an S3 event record, through the server's function invoker, asynchronously and in order, as S3
  delivers events after it has answered the uploader. A function that fails is logged only.

Sequencers grow strictly across every event of the process, so comparing two events' sequencers
(same width, upper-case hex) tells which write came later, as S3 promises for events of one key.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

from moto.s3.models import FakeBucket, s3_backends

from emulator.local_aws.functions import function_name
from emulator.local_aws.messages import AwsResponse, HttpRequest, ServiceError
from emulator.local_aws.registry import HandlerContext, Registry
from emulator.local_aws.services.post_policy import PostForm, enforce, parse_form

SERVICE = "s3"
PARTITION = "aws"
SEQUENCER_DIGITS = 18
# Query parameters that do not change which operation a PUT to an object is.
_PLAIN_PUT_QUERY = frozenset({"x-id"})
_PRESIGN_PREFIX = "x-amz-"


@dataclass
class S3Store:
    last_sequencer: int = 0

    def next_sequencer(self) -> str:
        # Clock-based so sequencers keep growing across a reset of the state, counter-based so two
        # events in the same nanosecond still differ.
        self.last_sequencer = max(self.last_sequencer + 1, time.time_ns())
        return f"{self.last_sequencer:0{SEQUENCER_DIGITS}X}"


def install(registry: Registry) -> None:
    registry.intercept("s3 browser upload (POST Object)", _is_post_upload, post_upload, service=SERVICE)
    registry.intercept("s3 object creation", _is_object_creation, object_creation, service=SERVICE)


# --- which requests ------------------------------------------------------------------------------
def locate(request: HttpRequest) -> tuple[str, str] | None:
    """(bucket, key) a request addresses, key "" for the bucket itself; virtual-hosted or path style."""
    host = request.headers.get("host", "").rsplit(":", 1)[0]
    labels = host.split(".")
    if len(labels) > 1 and (labels[-1] == "localhost" or (len(labels) > 2 and labels[1].startswith("s3"))):
        return labels[0], request.path.lstrip("/")
    bucket, _, key = request.path.lstrip("/").partition("/")
    return (bucket, key) if bucket else None


def _is_post_upload(request: HttpRequest) -> bool:
    where = locate(request)
    return (
        request.method == "POST"
        and request.service in {None, SERVICE}
        and request.headers.get("content-type", "").startswith("multipart/form-data")
        and where is not None
        and where[1] == ""
        and not request.query
    )


def _is_object_creation(request: HttpRequest) -> bool:
    where = locate(request)
    if request.service != SERVICE or where is None or not where[1]:
        return False
    names = {name.lower() for name in request.query}
    if request.method == "PUT":
        return all(name in _PLAIN_PUT_QUERY or name.startswith(_PRESIGN_PREFIX) for name in names)
    return request.method == "POST" and "uploadid" in names


# --- handlers ------------------------------------------------------------------------------------
def post_upload(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    bucket, _ = locate(request) or ("", "")
    form = parse_form(request.body, request.headers.get("content-type", ""))
    policy = form.field("policy")
    if policy is not None:
        enforce(policy, form, bucket)
    key = form.key
    if not key:
        raise ServiceError("InvalidArgument", "Bucket POST must contain a field named 'key'.")
    stored = ctx.forward()
    if not stored.ok:
        return stored
    backend = s3_backends[request.account_id][PARTITION]
    obj = backend.get_object(bucket, key)
    if obj is None:
        return stored
    version = obj.version_id if backend.get_bucket(bucket).is_versioned else None
    headers = [(name, value) for name, value in stored.headers if name.lower() not in {"content-type"}]
    headers.append(("ETag", obj.etag))
    if version:
        headers.append(("x-amz-version-id", version))
    if stored.header("Location") is None:  # moto sets it only for success_action_redirect
        location = f"{request.endpoint}/{quote(bucket)}/{quote(key)}"
        headers.append(("Location", location))
    else:
        location = str(stored.header("Location"))
    body = b""
    if stored.status == 201:
        headers.append(("Content-Type", "application/xml"))
        body = (
            f"<PostResponse><Location>{escape(location)}</Location><Bucket>{escape(bucket)}</Bucket>"
            f"<Key>{escape(key)}</Key><ETag>{escape(obj.etag)}</ETag></PostResponse>"
        ).encode()
    _notify(ctx, request, bucket, key, "ObjectCreated:Post", version, _uploader(form, request))
    return AwsResponse(stored.status, headers, body)


def object_creation(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    bucket, key = locate(request) or ("", "")
    stored = ctx.forward()
    if not stored.ok:
        return stored
    if request.method == "POST":
        event = "ObjectCreated:CompleteMultipartUpload"
    elif "x-amz-copy-source" in request.headers:
        event = "ObjectCreated:Copy"
    else:
        event = "ObjectCreated:Put"
    _notify(ctx, request, bucket, key, event, stored.header("x-amz-version-id"), request.access_key)
    return stored


# --- events --------------------------------------------------------------------------------------
def _notify(
    ctx: HandlerContext,
    request: HttpRequest,
    bucket_name: str,
    key: str,
    event_name: str,
    version: str | None,
    principal: str,
) -> None:
    if not ctx.functions.available:
        return
    backend = s3_backends[request.account_id][PARTITION]
    bucket: FakeBucket = backend.get_bucket(bucket_name)
    config = bucket.notification_configuration
    if config is None:
        return
    obj = backend.get_object(bucket_name, key, version_id=version or None)
    if obj is None:
        return
    targets = [
        (notification.id, name)
        for notification in config.cloud_function
        if notification.matches(f"s3:{event_name}", key) and (name := function_name(notification.arn))
    ]
    # Under the state lock, so the order events are queued in is the order of their sequencers.
    with ctx.state.store(S3Store) as store:
        for configuration_id, name in targets:
            record = _record(request, bucket, obj, event_name, configuration_id, store.next_sequencer(), principal)
            ctx.functions.invoke_async(name, {"Records": [record]})


def _record(
    request: HttpRequest,
    bucket: FakeBucket,
    obj: Any,
    event_name: str,
    configuration_id: str,
    sequencer: str,
    principal: str,
) -> dict[str, Any]:
    """One record of S3's event message structure (version 2.1)."""
    identity = {"principalId": f"AWS:{principal}" if principal else "Anonymous"}
    s3_object: dict[str, Any] = {
        # Keys arrive URL-encoded in events ("my photo.png" → "my+photo.png"); handlers unquote_plus them.
        "key": quote_plus(obj.name, safe="/"),
        "size": obj.size,
        "eTag": obj.etag.strip('"'),
        "sequencer": sequencer,
    }
    if bucket.is_versioned:
        s3_object["versionId"] = obj.version_id
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": bucket.region_name,
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": event_name,
        "userIdentity": identity,
        "requestParameters": {"sourceIPAddress": request.source_ip},
        "responseElements": {"x-amz-request-id": secrets.token_hex(8).upper(), "x-amz-id-2": secrets.token_hex(32)},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket.name, "ownerIdentity": identity, "arn": f"arn:aws:s3:::{bucket.name}"},
            "object": s3_object,
        },
    }


def _uploader(form: PostForm, request: HttpRequest) -> str:
    """The access key that signed a POST policy (first part of x-amz-credential), if any."""
    credential = form.field("x-amz-credential") or form.field("AWSAccessKeyId") or ""
    return credential.split("/", 1)[0] or request.access_key
