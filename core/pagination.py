"""Opaque, tamper-evident `nextToken` values.

A token is a DynamoDB `LastEvaluatedKey` plus an issue time, MAC'd with HMAC-SHA256 over the token
*and* its scope (the operation and the caller). A forged token, one from another operation, or one
issued to another user fails verification with `InvalidNextToken`, so it can never be used to read
another user's data. Keys are not secret, so they are not encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from core.errors import InvalidNextToken

TOKEN_TTL_SECONDS = 24 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PageTokens:
    def __init__(self, secret: Callable[[], bytes], clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._clock = clock

    def _mac(self, scope: str, body: str) -> str:
        digest = hmac.new(self._secret(), f"{scope}\n{body}".encode(), hashlib.sha256).digest()
        return _b64(digest)

    def encode(self, scope: str, last_key: dict[str, Any] | None) -> str | None:
        if not last_key:
            return None
        body = _b64(json.dumps({"k": last_key, "t": int(self._clock())}, separators=(",", ":")).encode())
        return f"{body}.{self._mac(scope, body)}"

    def decode(self, scope: str, token: str | None) -> dict[str, Any] | None:
        if token is None:
            return None
        body, _, mac = token.partition(".")
        if not body or not mac or not hmac.compare_digest(mac.encode(), self._mac(scope, body).encode()):
            raise InvalidNextToken
        try:
            payload = json.loads(_unb64(body))
            key, issued = payload["k"], int(payload["t"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidNextToken from exc
        if not isinstance(key, dict) or self._clock() - issued > TOKEN_TTL_SECONDS:
            raise InvalidNextToken
        return key
