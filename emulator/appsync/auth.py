"""Request authentication exactly as AppSync does it: the mode is chosen from the headers, then
verified (Cognito JWT against the pool's JWKS, API key against the API's keys, SigV4 with botocore)."""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from emulator.appsync.errors import unauthorized
from emulator.appsync.events import AuthContext
from emulator.appsync.model import AuthMode

SIGV4_PREFIX = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW_SECONDS = 15 * 60
_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<akid>[^/\s,]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


@dataclass(frozen=True)
class UserPool:
    issuer: str
    jwks_url: str
    client_ids: frozenset[str]


@dataclass(frozen=True)
class ApiKey:
    id: str
    expires: float | None  # epoch seconds


@dataclass(frozen=True)
class IamPrincipal:
    secret_access_key: str
    account_id: str
    user_arn: str
    principal_id: str


@dataclass(frozen=True)
class HttpRequest:
    """What authentication needs from an HTTP request (or a real-time start message)."""

    method: str
    url: str
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    source_ips: Sequence[str] = ()


class Authenticator:
    def __init__(
        self,
        modes: Sequence[AuthMode],
        region: str,
        user_pool: UserPool | None = None,
        api_keys: Callable[[str], ApiKey | None] | None = None,
        iam: Mapping[str, IamPrincipal] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.modes = frozenset(modes)
        self.region = region
        self.user_pool = user_pool
        self._api_keys = api_keys or (lambda _key: None)
        self._iam = iam or {}
        self._clock = clock
        self._jwks = jwt.PyJWKClient(user_pool.jwks_url, cache_keys=True) if user_pool else None

    def authenticate(self, request: HttpRequest) -> AuthContext:
        authorization = request.headers.get("authorization", "").strip()
        api_key = request.headers.get("x-api-key", "").strip()
        if authorization.startswith(SIGV4_PREFIX):
            return self._iam_auth(request, authorization)
        if authorization:
            return self._jwt_auth(request, authorization)
        if api_key:
            return self._api_key_auth(api_key)
        raise unauthorized("Valid authorization header not provided.")

    def _require(self, mode: AuthMode) -> None:
        if mode not in self.modes:
            raise unauthorized()

    # --- API key -------------------------------------------------------------------------------
    def _api_key_auth(self, key: str) -> AuthContext:
        self._require(AuthMode.API_KEY)
        found = self._api_keys(key)
        if found is None or (found.expires is not None and found.expires < self._clock()):
            raise unauthorized()
        return AuthContext(mode=AuthMode.API_KEY, identity=None)

    # --- Cognito user pools ----------------------------------------------------------------------
    def _jwt_auth(self, request: HttpRequest, header: str) -> AuthContext:
        token = header.removeprefix("Bearer ").strip()
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise unauthorized("Unable to parse JWT token.") from exc
        if self.user_pool is None or self._jwks is None or unverified.get("iss") != self.user_pool.issuer:
            raise unauthorized()
        self._require(AuthMode.AMAZON_COGNITO_USER_POOLS)
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self.user_pool.issuer,
                options={"verify_aud": False, "require": ["exp", "iss", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("Token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise unauthorized() from exc
        use = claims.get("token_use")
        client = claims.get("aud") if use == "id" else claims.get("client_id")
        if use not in ("id", "access") or client not in self.user_pool.client_ids:
            raise unauthorized()
        groups = claims.get("cognito:groups")
        identity = {
            "sub": claims["sub"],
            "issuer": claims["iss"],
            "username": claims.get("cognito:username") or claims.get("username"),
            "claims": claims,
            "sourceIp": list(request.source_ips),
            "defaultAuthStrategy": "ALLOW",
            "groups": list(groups) if groups else None,
        }
        return AuthContext(mode=AuthMode.AMAZON_COGNITO_USER_POOLS, identity=identity, groups=tuple(groups or ()))

    # --- IAM (SigV4) -----------------------------------------------------------------------------
    def _iam_auth(self, request: HttpRequest, header: str) -> AuthContext:
        self._require(AuthMode.AWS_IAM)
        match = _SIGV4.match(header)
        amz_date = request.headers.get("x-amz-date", "")
        if not match or not amz_date:
            raise unauthorized()
        principal = self._iam.get(match["akid"])
        if principal is None or match["service"] != "appsync" or match["region"] != self.region:
            raise unauthorized()
        try:
            signed_at = datetime.strptime(amz_date, SIGV4_TIMESTAMP).replace(tzinfo=UTC).timestamp()
        except ValueError as exc:
            raise unauthorized() from exc
        if abs(self._clock() - signed_at) > MAX_CLOCK_SKEW_SECONDS or not amz_date.startswith(match["date"]):
            raise unauthorized()
        signed_names = match["signed"].split(";")
        if "host" not in signed_names or any(name not in request.headers for name in signed_names):
            raise unauthorized()
        expected = _signature(request, signed_names, amz_date, match["akid"], principal.secret_access_key, self.region)
        if not hmac.compare_digest(expected, match["signature"]):
            raise unauthorized()
        identity = {
            "accountId": principal.account_id,
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "sourceIp": list(request.source_ips),
            "username": principal.principal_id,
            "userArn": principal.user_arn,
            "cognitoIdentityAuthType": None,
            "cognitoIdentityAuthProvider": None,
        }
        return AuthContext(mode=AuthMode.AWS_IAM, identity=identity)


def _signature(
    request: HttpRequest, signed_names: list[str], amz_date: str, akid: str, secret: str, region: str
) -> str:
    """Recompute the client's SigV4 signature over exactly the headers it signed."""
    aws_request = AWSRequest(
        method=request.method,
        url=request.url,
        data=request.body,
        headers={name: request.headers[name] for name in signed_names},
    )
    aws_request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(akid, secret), "appsync", region)
    canonical = signer.canonical_request(aws_request)
    return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))
