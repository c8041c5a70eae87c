"""The request a local operation receives, the response it returns, and the error it raises."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse


@dataclass(frozen=True)
class AwsRequest:
    """One AWS API call, identified and parsed against botocore's model of the service."""

    service: str  # botocore's service name, which is also its SigV4 signing name
    operation: str  # the API name, e.g. "CreateStreamKey"
    region: str
    account_id: str
    access_key: str
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    # Every input member, gathered from where the protocol puts it (JSON body, URI, query string,
    # headers), already validated against the input shape's constraints.
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpRequest:
    """A request the extension layer answers without botocore's routing: S3's browser POST upload,
    S3 object writes it must observe, and the local endpoints under `/_local/`."""

    method: str
    path: str  # percent-decoded
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    endpoint: str  # scheme://host[:port] the client used, for URLs handed back to it
    service: str | None = None  # from the SigV4 credential scope, None for unsigned requests
    region: str = ""
    account_id: str = ""
    access_key: str = ""
    source_ip: str = ""
    body: bytes = b""  # empty until the request is taken (`Intercept.wants` sees the head only)

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class AwsResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, data: Mapping[str, Any], status: int = 200) -> AwsResponse:
        return cls(status, [("Content-Type", "application/json")], json.dumps(data).encode())

    @classmethod
    def empty(cls, status: int = 204) -> AwsResponse:
        return cls(status)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json_body(self) -> dict[str, Any]:
        data = json.loads(self.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("response body is not a JSON object")
        return data

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def send(self, start_response: StartResponse) -> Iterable[bytes]:
        # Handlers may rewrite the body of a response moto produced: recompute what depends on it.
        headers = [(k, v) for k, v in self.headers if k.lower() not in {"content-length", "transfer-encoding"}]
        if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
            headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
        headers.append(("Content-Length", str(len(self.body))))
        start_response(f"{self.status} {HTTPStatus(self.status).phrase}", headers)
        return [self.body]


class ServiceError(Exception):
    """An AWS error response; the gateway renders it in the service's protocol (JSON or XML)."""

    def __init__(self, code: str, message: str, status: int = 400, *, fields: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        # Modeled members of the error shape beyond the message (IVS names its message
        # `exceptionMessage`), so botocore's parsed error carries them as AWS's would.
        self.fields: dict[str, Any] = dict(fields or {})
