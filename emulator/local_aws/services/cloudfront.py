"""The local edge: what CloudFront does for a distribution over an S3 bucket, at
`<endpoint>/_local/cloudfront/<distribution id>/<object key>`.

    GET | HEAD | OPTIONS /_local/cloudfront/<distribution id>/<key>

The distribution is the one moto's CloudFront holds (CreateDistribution, as bootstrap makes it from the
definitions CDK deploys): the cache behaviour whose PathPattern matches the key (else the default) names
the origin, an S3 bucket (`<bucket>.s3.<region>.amazonaws.com`), and the key groups it trusts. When it
trusts some, only signed requests are served, checked as CloudFront checks them
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-urls.html):

- a canned policy (`Expires`) or a custom one (`Policy`), with `Signature` and `Key-Pair-Id`, in the query
  or as the `CloudFront-*` cookies;
- the signature is RSA (PKCS#1 v1.5) with SHA-1 over the policy, by a public key of a trusted key group;
- the policy's Resource (`*` and `?` wildcards) matches the URL asked for, less the signing parameters;
  `DateLessThan` has not passed, `DateGreaterThan` has, and `IpAddress` holds the caller's.

A refusal is CloudFront's 403 XML error, with the codes CloudFront answers (MissingKey without a key id,
InvalidKey "Unknown Key" for a key id the behaviour does not trust, MalformedPolicy, else AccessDenied
"Access denied"). The object is then read as Origin Access Control reads it, with
s3:GetObject only: a missing object is S3's 403 AccessDenied, not a 404. Single byte ranges are served
(206), as players of HLS byte-range playlists ask for them, and every answer carries CORS headers (a
recording plays in a page of another origin).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import ipaddress
import json
import re
import time
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from moto.cloudfront.models import cloudfront_backends
from moto.s3.models import s3_backends

from emulator.local_aws.messages import AwsResponse, HttpRequest
from emulator.local_aws.registry import LOCAL_PREFIX, HandlerContext, Registry

EDGE_PATH = f"{LOCAL_PREFIX}cloudfront/"
_SIGNING = ("Expires", "Policy", "Signature", "Key-Pair-Id")
_COOKIES = {"Expires": "CloudFront-Expires", "Policy": "CloudFront-Policy", "Signature": "CloudFront-Signature"}
_COOKIES["Key-Pair-Id"] = "CloudFront-Key-Pair-Id"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
_CORS_EXPOSED = "Content-Length, Content-Range, ETag"


def install(registry: Registry) -> None:
    registry.intercept("local CloudFront edge", _wants, serve)


def _wants(request: HttpRequest) -> bool:
    return request.method in {"GET", "HEAD", "OPTIONS"} and request.path.startswith(EDGE_PATH)


def edge_base_url(endpoint: str, distribution_id: str) -> str:
    """Where the local edge serves a distribution: what `https://<id>.cloudfront.net` is on AWS."""
    return f"{endpoint.rstrip('/')}{EDGE_PATH}{distribution_id}"


# --- answers ----------------------------------------------------------------------------------------
def _error(status: int, code: str, message: str, request: HttpRequest) -> AwsResponse:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>'
    )
    return AwsResponse(status, [("Content-Type", "text/xml"), *_cors(request)], body.encode())


def _denied(request: HttpRequest) -> AwsResponse:
    return _error(403, "AccessDenied", "Access denied", request)


def _cors(request: HttpRequest) -> list[tuple[str, str]]:
    origin = request.headers.get("origin")
    if not origin:
        return []
    return [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Expose-Headers", _CORS_EXPOSED),
        ("Vary", "Origin"),
    ]


def _preflight(request: HttpRequest) -> AwsResponse:
    return AwsResponse(
        200,
        [
            *_cors(request),
            ("Access-Control-Allow-Methods", "GET, HEAD"),
            ("Access-Control-Allow-Headers", request.headers.get("access-control-request-headers", "Range")),
            ("Access-Control-Max-Age", "86400"),
        ],
    )


# --- the distribution --------------------------------------------------------------------------------
def _distribution(distribution_id: str) -> tuple[str, Any] | None:
    """(account id, distribution) of the id, in whichever account created it."""
    for account_id, partitions in list(cloudfront_backends.items()):
        for backend in list(partitions.values()):
            found = backend.distributions.get(distribution_id)
            if found is not None:
                return account_id, found
    return None


def _items(value: Any, member: str) -> list[str]:
    """A list the XML request gave either as a list or as `{member: one or many}`."""
    if isinstance(value, dict):
        value = value.get(member, [])
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or []]


def _behaviour(config: Any, key: str) -> Any:
    behaviours = config.CacheBehaviors.get("Items") or [] if isinstance(config.CacheBehaviors, dict) else []
    for behaviour in behaviours:
        pattern = getattr(behaviour, "path_pattern", "").lstrip("/")
        if pattern and fnmatch.fnmatchcase(key, pattern):
            return behaviour
    return config.DefaultCacheBehavior


def _bucket(config: Any, origin_id: str) -> str | None:
    for origin in config.Origins["Items"]:
        if origin.id == origin_id:
            return str(origin.domain_name).split(".s3", 1)[0]
    return None


def _trusted_keys(account_id: str, behaviour: Any) -> dict[str, str] | None:
    """Public key id → PEM of every key the behaviour's key groups trust; None when it trusts none."""
    groups = _items(behaviour.trusted_key_groups.items, "KeyGroup")
    if not behaviour.trusted_key_groups.enabled or not groups:
        return None
    keys: dict[str, str] = {}
    for backend in cloudfront_backends[account_id].values():
        for group_id in groups:
            group = backend.key_groups.get(group_id)
            for key_id in _items(group.items if group else [], "PublicKey"):
                if key_id in backend.public_keys:
                    keys[key_id] = backend.public_keys[key_id].encoded_key
    return keys


# --- signed requests ---------------------------------------------------------------------------------
def _decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"), validate=True)


def _cookies(request: HttpRequest) -> dict[str, str]:
    jar: dict[str, str] = {}
    for part in request.headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            jar[name] = value
    return jar


def _signing_values(request: HttpRequest) -> dict[str, str]:
    """The signing parameters of the query, else of the cookies."""
    from_query = {name: request.query_value(name) for name in _SIGNING}
    if from_query["Signature"] or from_query["Key-Pair-Id"]:
        return {name: value for name, value in from_query.items() if value}
    jar = _cookies(request)
    return {name: jar[cookie] for name, cookie in _COOKIES.items() if jar.get(cookie)}


def _url(request: HttpRequest) -> str:
    """The URL asked for, less the signing parameters: what a policy's Resource is matched against."""
    rest = [f"{quote(k)}={quote(v)}" for k, values in request.query.items() if k not in _SIGNING for v in values]
    return f"{request.endpoint}{quote(request.path)}" + (f"?{'&'.join(rest)}" if rest else "")


def _matches(resource: str, url: str) -> bool:
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in resource)
    return re.fullmatch(pattern, url) is not None


def _verify(public_pem: str, signature: bytes, policy: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_public_key(public_pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's algorithm
    except InvalidSignature:
        return False
    return True


def _allowed(request: HttpRequest, keys: dict[str, str]) -> AwsResponse | None:
    """None when the request is signed as the behaviour requires, else CloudFront's refusal."""
    values = _signing_values(request)
    key_id = values.get("Key-Pair-Id")
    if not key_id:
        return _error(403, "MissingKey", "Missing Key-Pair-Id query parameter or cookie value", request)
    if key_id not in keys:
        # CloudFront cannot find the signer: not a public key of any key group the behaviour trusts.
        return _error(403, "InvalidKey", "Unknown Key", request)
    if "Signature" not in values or ("Policy" not in values and "Expires" not in values):
        return _denied(request)
    url = _url(request)
    try:
        signature = _decode(values["Signature"])
    except (binascii.Error, ValueError):
        return _denied(request)
    try:
        if "Policy" in values:
            policy = _decode(values["Policy"])
        else:
            expires = int(values["Expires"])
            canned = {"Statement": [{"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]}
            policy = json.dumps(canned, separators=(",", ":")).encode()
        statement = json.loads(policy)["Statement"][0]
        resource = str(statement.get("Resource", url))
        condition = statement["Condition"]
        not_after = int(condition["DateLessThan"]["AWS:EpochTime"])
        not_before = int((condition.get("DateGreaterThan") or {}).get("AWS:EpochTime", 0))
        source = (condition.get("IpAddress") or {}).get("AWS:SourceIp")
    except (binascii.Error, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return _error(403, "MalformedPolicy", "Malformed Policy", request) if "Policy" in values else _denied(request)
    if not _verify(keys[key_id], signature, policy):
        return _denied(request)
    now = time.time()
    if now >= not_after or now < not_before or not _matches(resource, url):
        return _denied(request)
    if source and ipaddress.ip_address(request.source_ip or "127.0.0.1") not in ipaddress.ip_network(source, False):
        return _denied(request)
    return None


# --- serving -----------------------------------------------------------------------------------------
def serve(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    distribution_id, _, key = request.path[len(EDGE_PATH) :].partition("/")
    found = _distribution(distribution_id)
    if found is None:
        return _error(
            404, "NoSuchDistribution", f"The specified distribution does not exist: {distribution_id}", request
        )
    if request.method == "OPTIONS":
        return _preflight(request)
    account_id, distribution = found
    config = distribution.distribution_config
    behaviour = _behaviour(config, key)
    keys = _trusted_keys(account_id, behaviour)
    if keys is not None:
        refused = _allowed(request, keys)
        if refused is not None:
            return refused
    bucket = _bucket(config, behaviour.target_origin_id)
    stored = None
    if bucket and key and ".." not in key.split("/"):
        for backend in s3_backends[account_id].values():
            stored = backend.get_object(bucket, key)
            if stored is not None:
                break
    if stored is None:
        # Origin Access Control reads with s3:GetObject only, so S3 says AccessDenied for a missing key.
        return _error(403, "AccessDenied", "Access Denied", request)
    return _object(request, stored)


def _object(request: HttpRequest, stored: Any) -> AwsResponse:
    body: bytes = stored.value
    headers = [
        ("Content-Type", str(stored.metadata.get("Content-Type") or "binary/octet-stream")),
        ("ETag", stored.etag),
        ("Last-Modified", stored.last_modified_RFC1123),
        ("Accept-Ranges", "bytes"),
        *_cors(request),
    ]
    status = 200
    wanted = request.headers.get("range")
    if wanted:
        match = _RANGE.match(wanted.strip())
        size = len(body)
        start, end = (match.group(1), match.group(2)) if match else ("", "")
        # A range that is no valid byte range (several ranges, or one ending before it starts) is ignored
        # and the whole object served, as S3 does (RFC 9110 14.2).
        if match and (start or end) and not (start and end and int(end) < int(start)):
            first = int(start) if start else max(size - int(end), 0)
            last = min(int(end), size - 1) if start and end else size - 1
            if first >= size or first > last:
                return _unsatisfiable(request, size)
            body, status = body[first : last + 1], 206
            headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
    # For HEAD too: the HTTP server sends the headers (Content-Length included) and drops the body.
    return AwsResponse(status, headers, body)


def _unsatisfiable(request: HttpRequest, size: int) -> AwsResponse:
    """S3's answer to a range that starts past the end, which CloudFront passes on."""
    answer = _error(416, "InvalidRange", "The requested range is not satisfiable", request)
    answer.headers.append(("Content-Range", f"bytes */{size}"))
    return answer
