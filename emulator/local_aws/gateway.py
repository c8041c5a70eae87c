"""The WSGI app in front of moto: registered operations go to their handlers, the rest to moto.

Before operation routing, the registry's intercepts may claim a request by its head (method, path,
headers): S3 browser uploads and object writes, and the local endpoints under `/_local/`.

A request is recognised the way moto recognises it: the service and region from the SigV4 credential
scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`), or for Cognito's unsigned calls
from the `X-Amz-Target` prefix; the account from the access key. Requests nobody claims (every
other service, S3 reads and listings) are streamed to moto without being read.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import UNSIGNED_REQUESTS
from werkzeug.wsgi import get_input_stream

from emulator.local_aws.event_sources import EventSources
from emulator.local_aws.functions import Functions
from emulator.local_aws.messages import AwsRequest, AwsResponse, HttpRequest, ServiceError
from emulator.local_aws.persistence import QUIESCENCE
from emulator.local_aws.registry import HandlerContext, Intercept, Registry
from emulator.local_aws.specs import RawRequest, ServiceSpec, service_spec
from emulator.local_aws.state import LocalState

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_RESET_PATH = "/moto-api/reset"


def _json_api_preflight(environ: WSGIEnvironment) -> bool:
    """A browser's CORS preflight for an AWS JSON API call (X-Amz-Target names the operation): how
    Amplify Auth in a web page reaches Cognito. It carries no credential scope or target of its own."""
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").lower()
    return (
        environ.get("REQUEST_METHOD") == "OPTIONS"
        and "HTTP_ORIGIN" in environ
        and "x-amz-target" in {h.strip() for h in requested.split(",")}
    )


def _allow_cross_origin(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """As AWS's public endpoints answer it (Cognito's user pool API is called from any web origin)."""
    start_response(
        "200 OK",
        [
            ("Access-Control-Allow-Origin", environ["HTTP_ORIGIN"]),
            ("Access-Control-Allow-Methods", "POST"),
            ("Access-Control-Allow-Headers", environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")),
            ("Access-Control-Max-Age", "86400"),
            ("Vary", "Origin"),
            ("Content-Length", "0"),
        ],
    )
    return [b""]


# What a page may read of an AWS answer besides its body (Amplify reads the error type from either).
_EXPOSED = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date"


def _cross_origin(origin: str, start_response: StartResponse) -> StartResponse:
    """Every answer to a web page carries CORS headers, as AWS's endpoints send them: the extension
    handlers' answers too, not only moto's (which its Flask app adds)."""

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if not any(name.lower() == "access-control-allow-origin" for name, _ in headers):
            headers = [
                *headers,
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Expose-Headers", _EXPOSED),
                ("Vary", "Origin"),
            ]
        return start_response(status, headers, exc_info)

    return start


@dataclass(frozen=True)
class Caller:
    service: str
    region: str
    access_key: str


def identify(environ: WSGIEnvironment) -> Caller | None:
    """Who is calling which service in which region, or None for requests that are not AWS calls."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None:
        # Presigned URLs carry the same scope in the query string.
        credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
        match = _CREDENTIAL.search(f"Credential={credential}")
    if match:
        access_key, region, service = match.groups()
        return Caller(service=service.lower(), region=region, access_key=access_key)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        # moto's table of unsigned calls (Cognito sign-up and sign-in), so both sides agree.
        service, region = UNSIGNED_REQUESTS.get(target.split(".", 1)[0], (None, None))
        if service and region:
            return Caller(service=service, region=region, access_key="")
    return None


def account_for(environ: WSGIEnvironment, access_key: str) -> str:
    """The account moto files this request under (same precedence as moto's BaseResponse)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if "HTTP_X_MOTO_ACCOUNT_ID" in environ:
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"])
    return get_account_id_from(access_key)


class Gateway:
    def __init__(
        self,
        moto: WSGIApplication,
        registry: Registry,
        state: LocalState,
        functions: Functions | None = None,
        event_sources: EventSources | None = None,
    ) -> None:
        self._moto = moto
        self._registry = registry
        self._state = state
        self._functions = functions if functions is not None else Functions()
        self._event_sources = event_sources

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if "HTTP_ORIGIN" in environ:
            start_response = _cross_origin(environ["HTTP_ORIGIN"], start_response)
        # A snapshot of the state (emulator.local_aws.persistence) is taken between requests, never during one.
        with QUIESCENCE.request():
            return self._serve(environ, start_response)

    def _serve(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.rstrip("/") == _RESET_PATH and environ.get("REQUEST_METHOD") == "POST":
            # Reset moto and the extension state together, or handlers would see keys of channels
            # moto forgot.
            answer = self._call_moto(environ, _read_body(environ))
            if answer.ok:
                self._state.reset()
            return answer.send(start_response)
        if _json_api_preflight(environ):
            return _allow_cross_origin(environ, start_response)
        caller = identify(environ)
        intercepts = self._registry.intercepts()
        if intercepts:
            head = _head(environ, caller)
            claimed = next((intercept for intercept in intercepts if intercept.wants(head)), None)
            if claimed is not None:
                return self._intercepted(claimed, head, environ).send(start_response)
        service = self._registry.service_for(caller.service) if caller is not None else None
        if caller is None or service is None:
            return self._moto(environ, start_response)

        body = _read_body(environ)
        spec = service_spec(service)
        raw = RawRequest(
            method=environ.get("REQUEST_METHOD", "GET"),
            raw_path=_raw_path(environ),
            query=environ.get("QUERY_STRING", ""),
            headers=_headers(environ),
            body=body,
        )
        resolved = spec.operation_for(raw)
        handler = self._registry.handler(service, resolved[0]) if resolved else None
        if resolved is None or handler is None:
            return self._moto(_with_body(environ, body), start_response)

        operation, labels = resolved
        try:
            request = AwsRequest(
                service=service,
                operation=operation,
                region=caller.region,
                account_id=account_for(environ, caller.access_key),
                access_key=caller.access_key,
                method=raw.method,
                path=environ.get("PATH_INFO", ""),
                headers=raw.headers,
                body=body,
                params=spec.params(operation, raw, labels),
            )

            def forward(body: bytes | None = None) -> AwsResponse:
                return self._call_moto(environ, raw.body if body is None else body)

            response = handler(request, self._context(forward))
        except ServiceError as error:
            response = spec.error_response(error)
        except Exception:
            # A bug in a handler must reach the client as a 500 AWS error (botocore raises it)
            # rather than werkzeug's HTML debugger page.
            logger.exception("local AWS handler failed", extra={"service": service, "operation": operation})
            response = _internal_error(spec)
        return response.send(start_response)

    def _context(self, forward: Any) -> HandlerContext:
        return HandlerContext(
            state=self._state, forward=forward, functions=self._functions, event_sources=self._event_sources
        )

    def _intercepted(self, intercept: Intercept, head: HttpRequest, environ: WSGIEnvironment) -> AwsResponse:
        request = replace(head, body=_read_body(environ), account_id=account_for(environ, head.access_key))

        def forward(body: bytes | None = None) -> AwsResponse:
            return self._call_moto(environ, request.body if body is None else body)

        try:
            return intercept.handler(request, self._context(forward))
        except ServiceError as error:
            if intercept.service is None:
                return AwsResponse.json({"code": error.code, "message": error.message, **error.fields}, error.status)
            return service_spec(intercept.service).error_response(error)
        except Exception:
            logger.exception("local AWS handler failed", extra={"intercept": intercept.name})
            if intercept.service is None:
                return AwsResponse.json({"code": "InternalFailure", "message": "the local AWS failed"}, 500)
            return _internal_error(service_spec(intercept.service))

    def _call_moto(self, environ: WSGIEnvironment, body: bytes) -> AwsResponse:
        """moto's full response to the request with `body`, captured instead of streamed."""
        forwarded = _with_body(dict(environ), body)
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = status
            captured["headers"] = headers
            return chunks.append

        result = self._moto(forwarded, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return AwsResponse(
            status=int(str(captured["status"]).split(" ", 1)[0]),
            headers=list(captured["headers"]),
            body=b"".join(chunks),
        )


def _head(environ: WSGIEnvironment, caller: Caller | None) -> HttpRequest:
    """What an Intercept decides on; built for every request, so nothing here may be costly (the
    account, an IAM look-up in moto, is added only once a request is claimed)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    return HttpRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=environ.get("PATH_INFO", "/"),
        query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        headers=_headers(environ),
        endpoint=f"{scheme}://{host}",
        service=caller.service if caller else None,
        region=caller.region if caller else "",
        access_key=caller.access_key if caller else "",
        source_ip=str(environ.get("REMOTE_ADDR", "")),
    )


def _read_body(environ: WSGIEnvironment) -> bytes:
    return get_input_stream(environ).read()


def _with_body(environ: WSGIEnvironment, body: bytes) -> WSGIEnvironment:
    """`environ` with its (already read) body back in place, as a plain sized body."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return environ


def _raw_path(environ: WSGIEnvironment) -> str:
    # PATH_INFO is percent-decoded: an ARN in a URI label would split into segments there.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return str(raw).split("?", 1)[0] if raw else str(environ.get("PATH_INFO", "/"))


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def _internal_error(spec: ServiceSpec) -> AwsResponse:
    return spec.error_response(ServiceError("InternalFailure", "the local AWS failed to handle the request", 500))
