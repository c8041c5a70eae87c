"""Typed loader of `amplify_outputs.json` (Amplify Gen 2 outputs format), from a file or a URL.

The stack (deployed or local) writes this file; it is the only configuration the client needs. Only
the keys the client uses are modelled, and each is checked with an error that names it, because a
half-written or hand-edited file otherwise fails much later with a confusing boto3 or HTTP error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.errors import ConfigError

DEFAULT_FILENAME = "amplify_outputs.json"
OUTPUTS_ENV = "UGC_OUTPUTS"
SUPPORTED_MAJOR_VERSION = "1"

API_KEY = "API_KEY"
AWS_IAM = "AWS_IAM"
USER_POOLS = "AMAZON_COGNITO_USER_POOLS"


@dataclass(frozen=True)
class AuthOutputs:
    aws_region: str
    user_pool_id: str
    user_pool_client_id: str


@dataclass(frozen=True)
class DataOutputs:
    url: str
    aws_region: str
    default_authorization_type: str
    authorization_types: tuple[str, ...]
    api_key: str | None = None

    def allows(self, authorization_type: str) -> bool:
        return authorization_type == self.default_authorization_type or authorization_type in self.authorization_types


@dataclass(frozen=True)
class LocalCredentials:
    """The credentials the local AWS and the local AppSync accept (never present for a deployed stack)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


@dataclass(frozen=True)
class UgcOutputs:
    """`custom.ugc`: what this project adds to the Amplify format."""

    stage: str
    aws_endpoint_url: str | None = None
    graphiql_url: str | None = None
    aws_credentials: LocalCredentials | None = None
    ca_certificate: str | None = None
    """The local CA that signs the local AppSync's TLS side (`ugc trust`)."""


@dataclass(frozen=True)
class AmplifyOutputs:
    version: str
    auth: AuthOutputs
    data: DataOutputs
    ugc: UgcOutputs | None = None
    source: str = "<memory>"

    @property
    def aws_endpoint_url(self) -> str | None:
        """Where every AWS call goes for the local stack; None means the real AWS endpoints."""
        return self.ugc.aws_endpoint_url if self.ugc else None

    @property
    def local_credentials(self) -> LocalCredentials | None:
        return self.ugc.aws_credentials if self.ugc else None

    @classmethod
    def from_dict(cls, raw: Any, source: str = "<memory>") -> AmplifyOutputs:
        check = _Checker(source)
        root = check.mapping(raw, "")
        version = check.string(root, "version", "")
        if version.split(".")[0] != SUPPORTED_MAJOR_VERSION:
            raise ConfigError(
                f"{source}: unsupported outputs version {version!r} "
                f"(this client reads version {SUPPORTED_MAJOR_VERSION}.x)"
            )

        auth = check.mapping(root.get("auth"), "auth")
        data = check.mapping(root.get("data"), "data")
        custom = check.optional_mapping(root.get("custom"), "custom")
        ugc_raw = check.optional_mapping(custom.get("ugc") if custom else None, "custom.ugc")

        return cls(
            version=version,
            auth=AuthOutputs(
                aws_region=check.string(auth, "aws_region", "auth"),
                user_pool_id=check.string(auth, "user_pool_id", "auth"),
                user_pool_client_id=check.string(auth, "user_pool_client_id", "auth"),
            ),
            data=DataOutputs(
                url=check.url(data, "url", "data"),
                aws_region=check.string(data, "aws_region", "data"),
                default_authorization_type=check.string(data, "default_authorization_type", "data"),
                authorization_types=check.strings(data, "authorization_types", "data"),
                api_key=check.optional_string(data, "api_key", "data"),
            ),
            ugc=_ugc_outputs(check, ugc_raw) if ugc_raw is not None else None,
            source=source,
        )


def _ugc_outputs(check: _Checker, raw: Mapping[str, Any]) -> UgcOutputs:
    creds = check.optional_mapping(raw.get("aws_credentials"), "custom.ugc.aws_credentials")
    where = "custom.ugc.aws_credentials"
    return UgcOutputs(
        stage=check.string(raw, "stage", "custom.ugc"),
        aws_endpoint_url=check.optional_url(raw, "aws_endpoint_url", "custom.ugc"),
        graphiql_url=check.optional_url(raw, "graphiql_url", "custom.ugc"),
        ca_certificate=check.optional_string(raw, "ca_certificate", "custom.ugc"),
        aws_credentials=(
            LocalCredentials(
                access_key_id=check.string(creds, "access_key_id", where),
                secret_access_key=check.string(creds, "secret_access_key", where),
                session_token=check.optional_string(creds, "session_token", where),
            )
            if creds is not None
            else None
        ),
    )


class _Checker:
    """Reads values out of the parsed JSON, naming the dotted key and the file in every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def _fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {key} {problem}")

    @staticmethod
    def _key(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if value is None:
            raise self._fail(where or "the document", "is missing (required)")
        if not isinstance(value, Mapping):
            raise self._fail(where or "the document", f"must be a JSON object, got {type(value).__name__}")
        return value

    def optional_mapping(self, value: Any, where: str) -> Mapping[str, Any] | None:
        return None if value is None else self.mapping(value, where)

    def optional_string(self, obj: Mapping[str, Any], key: str, where: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self._fail(self._key(where, key), f"must be a non-empty string, got {value!r}")
        return value

    def string(self, obj: Mapping[str, Any], key: str, where: str) -> str:
        value = self.optional_string(obj, key, where)
        if value is None:
            raise self._fail(self._key(where, key), "is missing (required)")
        return value

    def optional_url(self, obj: Mapping[str, Any], key: str, where: str) -> str | None:
        value = self.optional_string(obj, key, where)
        if value is not None and not value.startswith(("http://", "https://")):
            raise self._fail(self._key(where, key), f"must be an http(s) URL, got {value!r}")
        return value

    def url(self, obj: Mapping[str, Any], key: str, where: str) -> str:
        value = self.optional_url(obj, key, where)
        if value is None:
            raise self._fail(self._key(where, key), "is missing (required)")
        return value

    def strings(self, obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self._fail(self._key(where, key), f"must be a list of strings, got {value!r}")
        return tuple(value)


def load_outputs(location: str | os.PathLike[str]) -> AmplifyOutputs:
    """Load and validate outputs from a file path or an http(s) URL (the local stack serves one)."""
    source = os.fspath(location)
    if source.startswith(("http://", "https://")):
        return AmplifyOutputs.from_dict(_fetch(source), source)
    path = Path(source).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such file (start the local stack with `ugc dev`, or pass --outputs)") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: not valid JSON: {exc}") from exc
    return AmplifyOutputs.from_dict(raw, source)


def _fetch(url: str) -> Any:
    import requests  # only URL sources need it; keeps file loading (and `ugc --help`) light

    try:
        response = requests.get(url, timeout=10)
        response.raise_for_status()
        return response.json()
    except requests.JSONDecodeError as exc:
        raise ConfigError(f"{url}: did not return JSON: {exc}") from exc
    except requests.RequestException as exc:
        raise ConfigError(f"{url}: cannot fetch outputs: {exc}") from exc


def default_location(cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """`$UGC_OUTPUTS` if set, else `amplify_outputs.json` in the working directory (`--outputs` beats both).
    The variable comes first: someone who set it for one command (`UGC_OUTPUTS=… ugc simulate`) means that
    stack, not whichever stack last wrote a file where they happen to stand."""
    from_env = (os.environ if env is None else env).get(OUTPUTS_ENV)
    if from_env:
        return from_env
    candidate = (cwd or Path.cwd()) / DEFAULT_FILENAME
    if candidate.is_file():
        return str(candidate)
    raise ConfigError(
        f"no {DEFAULT_FILENAME} in {candidate.parent} and {OUTPUTS_ENV} is not set "
        "(start the local stack with `ugc dev`, or pass --outputs PATH_OR_URL)"
    )
