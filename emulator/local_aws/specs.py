"""What the extension layer reads from botocore's service models: which operation a request calls,
its input parameters, their constraints, and how the protocol spells an error.

Reading the same JSON models boto3 uses means a local operation accepts exactly the requests boto3
sends, and a new one needs no routing table of its own.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StringShape, StructureShape

from emulator.local_aws.messages import AwsResponse, ServiceError

_JSON_PROTOCOLS = frozenset({"json", "rest-json"})
_LABEL = re.compile(r"\{([^}+]+)(\+?)\}")

_loader_lock = threading.Lock()


@functools.cache
def _botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def service_spec(service: str) -> ServiceSpec:
    """The spec of botocore's service `service`; raises botocore's UnknownServiceError for a typo."""
    # botocore's loader caches without a lock; concurrent first loads would parse the model twice.
    with _loader_lock:
        return ServiceSpec(_botocore_session().get_service_model(service))


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    literal_length: int  # how much of the URI is fixed text: the most specific route wins


@dataclass(frozen=True)
class RawRequest:
    """The parts of an HTTP request the spec reads, already taken out of the WSGI environ."""

    method: str
    raw_path: str  # still percent-encoded, so an ARN label containing "/" stays one segment
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


class ServiceSpec:
    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        # The protocol botocore speaks to the service, which is not always the model's first one:
        # CloudWatch lists smithy-rpc-v2-cbor first, yet botocore sends it JSON. Requests in a protocol
        # the spec does not read (another SDK's CBOR or query call) find no operation and go to moto.
        self.protocol: str = model.resolved_protocol
        self._routes = sorted(
            (self._route(model.operation_model(name)) for name in model.operation_names),
            key=lambda route: -route.literal_length,
        )

    @staticmethod
    def _route(operation: OperationModel) -> _Route:
        uri = operation.http.get("requestUri", "/").split("?", 1)[0]
        pattern, literal, last = "", 0, 0
        for match in _LABEL.finditer(uri):
            fixed = uri[last : match.start()]
            pattern += re.escape(fixed)
            literal += len(fixed)
            greedy = match.group(2) == "+"
            pattern += f"(?P<{_group(match.group(1))}>{'.+' if greedy else '[^/]+'})"
            last = match.end()
        pattern += re.escape(uri[last:])
        literal += len(uri) - last
        return _Route(
            method=operation.http.get("method", "POST"),
            pattern=re.compile(pattern.rstrip("/") + "/?"),
            operation=operation.name,
            literal_length=literal,
        )

    # --- which operation ----------------------------------------------------------------------
    def operation_for(self, request: RawRequest) -> tuple[str, dict[str, str]] | None:
        """The operation the request calls and its URI labels, or None if it calls none."""
        if self.protocol == "json":
            target = request.headers.get("x-amz-target", "")
            name = target.rsplit(".", 1)[-1]
            return (name, {}) if name in self.model.operation_names else None
        if self.protocol in {"query", "ec2"}:
            params = {**parse_qs(request.query), **parse_qs(request.body.decode("utf-8", "replace"))}
            name = (params.get("Action") or [""])[0]
            return (name, {}) if name in self.model.operation_names else None
        for route in self._routes:
            if route.method != request.method:
                continue
            match = route.pattern.fullmatch(request.raw_path)
            if match:
                labels = {_label(group): unquote(value) for group, value in match.groupdict().items()}
                return route.operation, labels
        return None

    # --- its input ----------------------------------------------------------------------------
    def params(self, operation: str, request: RawRequest, labels: Mapping[str, str]) -> dict[str, Any]:
        """The operation's input members, read from where the protocol puts each one, validated."""
        shape = self.model.operation_model(operation).input_shape
        if shape is None:
            return {}
        if self.protocol in {"query", "ec2"}:
            # XML-era protocols are not parsed against the model (no extension needs one yet):
            # handlers get the raw form fields and do their own checks.
            form = {**parse_qs(request.query), **parse_qs(request.body.decode("utf-8", "replace"))}
            return {key: values[0] for key, values in form.items()}
        params = _json_object(request.body) if self.protocol == "json" else self._rest_params(shape, request, labels)
        if self.protocol == "rest-xml":
            # Body members stay in the raw XML body, so "required" cannot be judged here.
            return params
        errors = _validate(self.model.service_name, shape, params, "")
        if errors:
            count = len(errors)
            raise ServiceError(
                "ValidationException",
                f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(errors)}",
            )
        return params

    def _rest_params(self, shape: StructureShape, request: RawRequest, labels: Mapping[str, str]) -> dict[str, Any]:
        payload = shape.serialization.get("payload")
        payload_is_raw = payload is not None and shape.members[payload].type_name != "structure"
        json_body = self.protocol == "rest-json" and not payload_is_raw
        body = _json_object(request.body) if json_body else {}
        query = parse_qs(request.query, keep_blank_values=True)
        params: dict[str, Any] = {}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                if wire in labels:
                    params[name] = labels[wire]
            elif location == "querystring":
                if wire in query:
                    values = query[wire]
                    params[name] = values if member.type_name == "list" else _scalar(member, values[0])
            elif location == "header":
                if wire.lower() in request.headers:
                    params[name] = _scalar(member, request.headers[wire.lower()])
            elif name == payload:
                params[name] = request.body if payload_is_raw else body
            elif location is None and payload is None and wire in body:
                params[name] = body[wire]
        return params

    # --- its errors ---------------------------------------------------------------------------
    def error_response(self, error: ServiceError) -> AwsResponse:
        """The error as this service's protocol sends it, so botocore raises the modeled exception."""
        if self.protocol in _JSON_PROTOCOLS:
            body: dict[str, Any] = {"message": error.message, **error.fields}
            headers = [("x-amzn-ErrorType", error.code)]
            if self.protocol == "json":
                body["__type"] = error.code
                version = self.model.metadata.get("jsonVersion", "1.1")
                headers.append(("Content-Type", f"application/x-amz-json-{version}"))
            else:
                headers.append(("Content-Type", "application/json"))
            return AwsResponse(error.status, headers, json.dumps(body).encode())
        fault = "Sender" if error.status < 500 else "Receiver"
        inner = f"<Type>{fault}</Type><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        # Modeled extras (S3's ProposedSize, MaxSizeAllowed...) are sibling elements of the message.
        inner += "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in error.fields.items())
        # rest-xml (S3 and friends) sends a bare <Error>; query and ec2 wrap it.
        xml = (
            f"<Error>{inner}</Error>"
            if self.protocol == "rest-xml"
            else f"<ErrorResponse><Error>{inner}</Error></ErrorResponse>"
        )
        return AwsResponse(error.status, [("Content-Type", "text/xml")], xml.encode())


def _group(label: str) -> str:
    # Regex group names must be identifiers; URI labels may contain other characters.
    return "g_" + "".join(c if c.isalnum() else f"_{ord(c)}_" for c in label)


def _label(group: str) -> str:
    return re.sub(r"_(\d+)_", lambda m: chr(int(m.group(1))), group[2:])


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ServiceError("SerializationException", "the request body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise ServiceError("SerializationException", "the request body is not a JSON object")
    return data


def _scalar(shape: Shape, raw: str) -> Any:
    if shape.type_name in {"integer", "long"}:
        try:
            return int(raw)
        except ValueError:
            return raw  # left for validation to reject with AWS's message
    if shape.type_name == "boolean":
        return raw.lower() == "true"
    return raw


# Patterns botocore's models get wrong, which AWS evidently does not enforce as written.
_PATTERN_ERRATA: dict[tuple[str, str], str] = {
    # "[a-z-]" (one character) where the resource type ("channel", "stream-key") goes.
    ("ivs", "ResourceArn"): "arn:aws:ivs:[a-z0-9-]+:[0-9]+:[a-z-]+/[a-zA-Z0-9-]+",
    ("ivschat", "ResourceArn"): "arn:aws:ivschat:[a-z0-9-]+:[0-9]+:[a-z-]+/[a-zA-Z0-9-]+",
}


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    # Models write Java regular expressions; the few Python cannot compile (\p{L} classes) are skipped
    # rather than approximated, so a valid request is never rejected.
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _validate(service: str, shape: Shape, value: Any, path: str) -> list[str]:
    """AWS's constraint messages for `value` against `shape`, recursing into members."""
    where = path or "input"
    meta = shape.metadata
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be a structure"]
        errors = []
        for name in shape.required_members:
            if value.get(name) is None:
                errors.append(
                    f"Value null at '{_join(path, name)}' failed to satisfy constraint: Member must not be null"
                )
        for name, member in shape.members.items():
            if value.get(name) is not None:
                errors.extend(_validate(service, member, value[name], _join(path, name)))
        return errors
    if isinstance(shape, StringShape):
        if not isinstance(value, str):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be a string"]
        errors = _length(value, len(value), meta, where)
        source = _PATTERN_ERRATA.get((service, shape.name), meta.get("pattern"))
        pattern = _compiled(source) if source else None
        # Smithy patterns are not implicitly anchored: AWS searches, so a model's "^...$" anchors itself.
        if pattern is not None and not pattern.search(value):
            errors.append(
                f"Value '{value}' at '{where}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {source}"
            )
        if shape.enum and value not in shape.enum:
            errors.append(
                f"Value '{value}' at '{where}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
            )
        return errors
    if kind in {"integer", "long"}:
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"Value '{value}' at '{where}' failed to satisfy constraint: Member must be a number"]
        return _bounds(value, value, meta, where, "value")
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be a list"]
        errors = _length(value, len(value), meta, where)
        for item in value:
            errors.extend(_validate(service, shape.member, item, f"{where}.member"))
        return errors
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be a map"]
        errors = _length(value, len(value), meta, where)
        for key, item in value.items():
            errors.extend(_validate(service, shape.key, key, f"{where}.key"))
            errors.extend(_validate(service, shape.value, item, f"{where}.value"))
        return errors
    return []


def _length(value: Any, length: int, meta: Mapping[str, Any], where: str) -> list[str]:
    return _bounds(value, length, meta, where, "length")


def _bounds(value: Any, measured: int, meta: Mapping[str, Any], where: str, what: str) -> list[str]:
    """AWS's wording for a number (`what`="value") or a size (`what`="length") outside min..max."""
    errors = []
    for key, word, outside in (("min", "greater", measured < meta.get("min", measured)),
                               ("max", "less", measured > meta.get("max", measured))):  # fmt: skip
        if key in meta and outside:
            errors.append(
                f"Value '{value}' at '{where}' failed to satisfy constraint: "
                f"Member must have {what} {word} than or equal to {meta[key]}"
            )
    return errors


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
