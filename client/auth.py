"""Cognito sign-in (USER_PASSWORD_AUTH) and a token cache on disk, so `ugc` signs in once per session.

The cache holds refresh tokens, which are as good as a password until they expire: it is written
atomically with mode 0600 inside a 0700 directory. Entries are keyed by user pool and username, so
the local stack and a deployed one (or two users) never overwrite each other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from client.errors import AuthError, LoginRequired

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from client.outputs import AmplifyOutputs

log = logging.getLogger(__name__)

CONFIG_DIR_ENV = "UGC_CONFIG_DIR"
CACHE_FILENAME = "tokens.json"
CACHE_VERSION = 1
# Refresh a little before expiry so a token never lapses between being read and AppSync checking it.
REFRESH_MARGIN = timedelta(seconds=60)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str
    expires_at: datetime
    """When the id and access tokens stop being accepted (timezone-aware, UTC)."""

    def expires_within(self, margin: timedelta, now: datetime) -> bool:
        return self.expires_at - margin <= now


@dataclass(frozen=True)
class CachedSession:
    username: str
    tokens: Tokens
    signed_in_at: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "id_token": self.tokens.id_token,
            "access_token": self.tokens.access_token,
            "refresh_token": self.tokens.refresh_token,
            "expires_at": self.tokens.expires_at.isoformat(),
            "signed_in_at": self.signed_in_at.isoformat(),
        }

    @classmethod
    def from_json(cls, username: str, raw: Mapping[str, Any]) -> CachedSession:
        return cls(
            username=username,
            tokens=Tokens(
                id_token=str(raw["id_token"]),
                access_token=str(raw["access_token"]),
                refresh_token=str(raw["refresh_token"]),
                expires_at=_aware(datetime.fromisoformat(str(raw["expires_at"]))),
            ),
            signed_in_at=_aware(datetime.fromisoformat(str(raw["signed_in_at"]))),
        )

    def claims(self) -> dict[str, Any]:
        """The id token's claims, for display only: nothing here is trusted, so it is not verified."""
        import jwt

        claims: dict[str, Any] = jwt.decode(self.tokens.id_token, options={"verify_signature": False})
        return claims


def _aware(moment: datetime) -> datetime:
    # A hand-edited cache may drop the offset; treat such times as UTC rather than failing to compare.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def default_cache_path(env: Mapping[str, str] | None = None) -> Path:
    """`$UGC_CONFIG_DIR/tokens.json`, else `~/.config/ugc/tokens.json`."""
    config_dir = (os.environ if env is None else env).get(CONFIG_DIR_ENV)
    base = Path(config_dir).expanduser() if config_dir else Path.home() / ".config" / "ugc"
    return base / CACHE_FILENAME


class TokenCache:
    """Cached sessions in one JSON file: {"version", "user_pools": {pool id: {username: session}}}."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_cache_path()

    def get(self, user_pool_id: str, username: str) -> CachedSession | None:
        return self._sessions(user_pool_id).get(username)

    def _sessions(self, user_pool_id: str) -> dict[str, CachedSession]:
        sessions: dict[str, CachedSession] = {}
        for username, raw in self._read()["user_pools"].get(user_pool_id, {}).items():
            try:
                sessions[username] = CachedSession.from_json(username, raw)
            except (KeyError, TypeError, ValueError):
                log.warning("ignoring an unreadable cached session for %s in %s", username, self.path)
        return sessions

    def put(self, user_pool_id: str, session: CachedSession) -> None:
        document = self._read()
        document["user_pools"].setdefault(user_pool_id, {})[session.username] = session.to_json()
        self._write(document)

    def remove(self, user_pool_id: str, username: str) -> bool:
        document = self._read()
        sessions = document["user_pools"].get(user_pool_id, {})
        if sessions.pop(username, None) is None:
            return False
        if not sessions:
            del document["user_pools"][user_pool_id]
        self._write(document)
        return True

    def last_signed_in(self, user_pool_id: str) -> str | None:
        """The username that signed in to this pool most recently (refreshes do not count)."""
        sessions = self._sessions(user_pool_id).values()
        return max(sessions, key=lambda s: s.signed_in_at).username if sessions else None

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            document = None
        except (OSError, ValueError) as exc:
            # It is only a cache: a damaged file costs a `ugc login`, never a crash.
            log.warning("ignoring unreadable token cache %s: %s", self.path, exc)
            document = None
        if (
            not isinstance(document, dict)
            or document.get("version") != CACHE_VERSION
            or not isinstance(document.get("user_pools"), dict)
        ):
            return {"version": CACHE_VERSION, "user_pools": {}}
        return document

    def _write(self, document: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp creates the file 0600 from the start, so the tokens are never readable by others,
        # and the rename makes the update atomic for concurrent `ugc` processes.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, sort_keys=True)
            Path(tmp).replace(self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                Path(tmp).unlink()
            raise


class CognitoAuth:
    """Signs users in to the stack's user pool and hands out valid id tokens from the cache."""

    def __init__(
        self,
        outputs: AmplifyOutputs,
        *,
        cache: TokenCache | None = None,
        cognito: CognitoIdentityProviderClient | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.outputs = outputs
        self.cache = cache or TokenCache()
        self._cognito = cognito
        self._clock = clock

    @property
    def user_pool_id(self) -> str:
        return self.outputs.auth.user_pool_id

    @cached_property
    def cognito(self) -> CognitoIdentityProviderClient:
        # Created on first use: reading the cache must not pay for importing boto3.
        if self._cognito is not None:
            return self._cognito
        from client.aws import cognito_client

        return cognito_client(self.outputs)

    def sign_in(self, username: str, password: str) -> CachedSession:
        """USER_PASSWORD_AUTH sign-in; the new session is cached and becomes the default user."""
        response = self._initiate_auth(
            "USER_PASSWORD_AUTH",
            {"USERNAME": username, "PASSWORD": password},
            on_error=lambda code, message: AuthError(f"sign-in failed for {username}: {message}", code),
        )
        now = self._clock()
        session = CachedSession(username, self._tokens(response, username, None, now), signed_in_at=now)
        self.cache.put(self.user_pool_id, session)
        return session

    def refresh(self, username: str) -> CachedSession:
        """REFRESH_TOKEN_AUTH for the cached session; the refresh token is kept unless Cognito rotates it."""
        cached = self._cached(username)
        response = self._initiate_auth(
            "REFRESH_TOKEN_AUTH",
            {"REFRESH_TOKEN": cached.tokens.refresh_token},
            on_error=lambda code, message: LoginRequired(
                username, f"the session of {username} could not be refreshed ({message})"
            ),
        )
        tokens = self._tokens(response, username, cached.tokens.refresh_token, self._clock())
        session = CachedSession(username, tokens, signed_in_at=cached.signed_in_at)
        self.cache.put(self.user_pool_id, session)
        return session

    def session_for(self, username: str) -> CachedSession:
        """The cached session with tokens valid for at least `REFRESH_MARGIN`, refreshing if needed."""
        cached = self._cached(username)
        if cached.tokens.expires_within(REFRESH_MARGIN, self._clock()):
            return self.refresh(username)
        return cached

    def token_for(self, username: str) -> str:
        """A valid id token for `username` (what AppSync's user-pool auth reads)."""
        return self.session_for(username).tokens.id_token

    def last_user(self) -> str | None:
        return self.cache.last_signed_in(self.user_pool_id)

    def sign_out(self, username: str) -> bool:
        """Forget the cached session and ask Cognito to revoke its refresh token.

        The local copy is always removed: a failed revocation (offline, or a Cognito that lacks
        RevokeToken) is logged, because refusing to forget the tokens would be worse.
        Returns False when `username` had no cached session.
        """
        cached = self.cache.get(self.user_pool_id, username)
        if cached is None:
            return False
        self.cache.remove(self.user_pool_id, username)
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.cognito.revoke_token(Token=cached.tokens.refresh_token, ClientId=self.outputs.auth.user_pool_client_id)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            message = (error.get("Message") or "").strip()
            # A Cognito without RevokeToken (the local one) answers with an HTML error page: keep the code.
            detail = f": {message.splitlines()[0][:200]}" if message and not message.startswith("<") else ""
            log.warning(
                "signed out locally, but Cognito did not revoke the refresh token (RevokeToken: %s%s)",
                error.get("Code", "error"),
                detail,
            )
        except BotoCoreError as exc:
            log.warning("signed out locally, but Cognito could not be reached to revoke the token (%s)", exc)
        return True

    def _cached(self, username: str) -> CachedSession:
        cached = self.cache.get(self.user_pool_id, username)
        if cached is None:
            raise LoginRequired(username, f"{username} is not signed in to user pool {self.user_pool_id}")
        return cached

    def _initiate_auth(
        self,
        flow: Literal["USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH"],
        parameters: dict[str, str],
        on_error: Callable[[str, str], AuthError],
    ) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.cognito.initiate_auth(
                AuthFlow=flow,
                ClientId=self.outputs.auth.user_pool_client_id,
                AuthParameters=parameters,
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "Unknown")
            raise on_error(code, f"{error.get('Message') or code} ({code})") from exc
        except BotoCoreError as exc:
            raise AuthError(f"cannot reach Cognito: {exc}") from exc

    @staticmethod
    def _tokens(response: Any, username: str, refresh_token: str | None, now: datetime) -> Tokens:
        result = response.get("AuthenticationResult")
        if result is None:
            challenge = response.get("ChallengeName", "an unknown challenge")
            raise AuthError(
                f"Cognito asks {username} to complete {challenge}, which `ugc login` does not support; "
                "finish signing in once with the web app, then run `ugc login` again",
                code=challenge,
            )
        # Cognito returns a refresh token on sign-in, and on refresh only when it rotates them.
        refresh_token = result.get("RefreshToken") or refresh_token
        if not refresh_token:
            raise AuthError(f"Cognito returned no refresh token for {username}")
        return Tokens(
            id_token=result["IdToken"],
            access_token=result["AccessToken"],
            refresh_token=refresh_token,
            expires_at=now + timedelta(seconds=int(result["ExpiresIn"])),
        )
