"""S3 browser-based uploads (POST Object): the form, and the policy S3 checks it against.

moto stores a POST upload without reading its policy, so a presigned POST that S3 would refuse
(too big, wrong content type, expired) would succeed locally. `enforce` applies the rules of S3's
"Creating a POST policy" documentation and answers with S3's errors:

- expired policy → 403 AccessDenied "Invalid according to Policy: Policy expired."
- a failed `eq` / `starts-with` / exact-match condition → 403 AccessDenied
  "Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]"
- a form field no condition covers → 403 AccessDenied "Invalid according to Policy: Extra input fields: <name>"
- a file outside `content-length-range` → 400 EntityTooLarge / EntityTooSmall with ProposedSize and
  MaxSizeAllowed / MinSizeAllowed
- an unreadable policy → 400 InvalidPolicyDocument

The signature is not verified: moto verifies no signature anywhere, and the local credentials are
fixed and public.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.formparser import parse_form_data

from emulator.local_aws.messages import ServiceError

# Fields S3 does not expect the policy to mention.
_UNCHECKED = frozenset({"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"})
_IGNORED_PREFIX = "x-ignore-"
_FILENAME = "${filename}"


@dataclass(frozen=True)
class PostForm:
    fields: dict[str, str]  # every field but the file, names as sent
    file_name: str
    content: bytes

    def field(self, name: str) -> str | None:
        """A field by name, ignoring case as S3 does."""
        lowered = name.lower()
        return next((value for key, value in self.fields.items() if key.lower() == lowered), None)

    @property
    def key(self) -> str | None:
        key = self.field("key")
        return key.replace(_FILENAME, self.file_name) if key is not None else None


def parse_form(body: bytes, content_type: str) -> PostForm:
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _, form, files = parse_form_data(environ, silent=False)
    upload = files.get("file")
    if upload is None:
        raise ServiceError("InvalidArgument", "POST requires exactly one file upload per request.")
    return PostForm(
        fields={name: str(value) for name, value in form.items()},
        file_name=upload.filename or "",
        content=upload.stream.read(),
    )


def enforce(encoded_policy: str, form: PostForm, bucket: str, now: datetime | None = None) -> None:
    """Raise S3's error for the first rule of the policy the upload breaks."""
    policy = _decode(encoded_policy)
    if _expiration(policy) <= (now or datetime.now(UTC)):
        raise _denied("Policy expired.")
    conditions = policy.get("conditions")
    if not isinstance(conditions, list):
        raise _invalid_policy("Policy missing conditions.")
    covered: set[str] = set()
    size_range: tuple[int, int] | None = None
    for condition in conditions:
        if isinstance(condition, list) and condition and condition[0] == "content-length-range":
            size_range = _range(condition)
            continue
        operator, name, expected = _condition(condition)
        covered.add(name.lower())
        actual = bucket if name.lower() == "bucket" else _value(form, name)
        held = actual == expected if operator == "eq" else actual is not None and actual.startswith(expected)
        if not held:
            raise _denied(f"Policy Condition failed: {json.dumps([operator, '$' + name, expected])}")
    extra = [
        name
        for name in form.fields
        if name.lower() not in covered
        and name.lower() not in _UNCHECKED
        and not name.lower().startswith(_IGNORED_PREFIX)
    ]
    if extra:
        raise _denied(f"Extra input fields: {', '.join(extra)}")
    if size_range is not None:
        _check_size(len(form.content), *size_range)


def _value(form: PostForm, name: str) -> str | None:
    return form.key if name.lower() == "key" else form.field(name)


def _decode(encoded: str) -> dict[str, Any]:
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        raise _invalid_policy("Invalid JSON.") from None
    if not isinstance(policy, dict):
        raise _invalid_policy("Invalid JSON.")
    return policy


def _expiration(policy: dict[str, Any]) -> datetime:
    raw = policy.get("expiration")
    if not isinstance(raw, str):
        raise _invalid_policy("Policy missing expiration.")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _invalid_policy(f"Invalid 'expiration' value: '{raw}'") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _condition(condition: Any) -> tuple[str, str, str]:
    """(operator, field name without "$", expected value) of an eq / starts-with / exact condition."""
    if isinstance(condition, dict) and len(condition) == 1:
        name, expected = next(iter(condition.items()))
        return "eq", str(name), str(expected)
    if (
        isinstance(condition, list)
        and len(condition) == 3
        and condition[0] in {"eq", "starts-with"}
        and isinstance(condition[1], str)
        and condition[1].startswith("$")
    ):
        return str(condition[0]), condition[1][1:], str(condition[2])
    raise _invalid_policy(f"Invalid Condition: {json.dumps(condition)}")


def _range(condition: list[Any]) -> tuple[int, int]:
    try:
        low, high = int(condition[1]), int(condition[2])
    except (IndexError, TypeError, ValueError):
        raise _invalid_policy(f"Invalid Condition: {json.dumps(condition)}") from None
    return low, high


def _check_size(size: int, low: int, high: int) -> None:
    if size > high:
        raise ServiceError(
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            400,
            fields={"ProposedSize": size, "MaxSizeAllowed": high},
        )
    if size < low:
        raise ServiceError(
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            400,
            fields={"ProposedSize": size, "MinSizeAllowed": low},
        )


def _denied(reason: str) -> ServiceError:
    return ServiceError("AccessDenied", f"Invalid according to Policy: {reason}", 403)


def _invalid_policy(reason: str) -> ServiceError:
    return ServiceError("InvalidPolicyDocument", f"Invalid Policy: {reason}", 400)
