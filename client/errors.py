"""Every error the SDK raises. All derive from `UGCError`, so callers (and the CLI) can catch one type.

Kept free of third-party imports: the CLI imports it before it knows which command runs.
"""

from __future__ import annotations

import ssl
from typing import Any


class UGCError(Exception):
    """Base class of every error the client raises on purpose."""


class ConfigError(UGCError):
    """`amplify_outputs.json` is missing, unreadable or does not describe a usable stack."""


class AuthError(UGCError):
    """Signing in or getting a token failed. `code` is Cognito's error code when Cognito refused."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class CognitoRefused(AuthError):
    """Cognito refused an account request (sign-up, confirmation, code resend, password reset).

    `code` is Cognito's error code and `cognito_message` its message, unchanged, so callers can
    branch on the code and show the message.
    """

    def __init__(self, message: str, code: str, cognito_message: str) -> None:
        super().__init__(message, code)
        self.cognito_message = cognito_message


class TriggerRejected(CognitoRefused):
    """A user pool Lambda trigger refused the request (Cognito's `UserLambdaValidationException`).

    Cognito wraps the trigger's words as "PreSignUp failed with error <reason>."; `reason` is just
    the trigger's words, `trigger` the trigger named in the wrapper (None when the message has no
    wrapper), and `cognito_message` the whole message.
    """

    def __init__(self, message: str, code: str, cognito_message: str, *, reason: str, trigger: str | None) -> None:
        super().__init__(message, code, cognito_message)
        self.reason = reason
        self.trigger = trigger


class LoginRequired(AuthError):
    """There is no usable cached session: the user has to run `ugc login` (again)."""

    def __init__(self, username: str, reason: str) -> None:
        super().__init__(f"{reason}; run `ugc login {username}` to sign in")
        self.username = username


class QuerySyntaxError(UGCError):
    """The GraphQL document does not parse (checked locally, before anything is sent)."""


class TransportError(UGCError):
    """The server could not be reached, or did not answer with a GraphQL response."""


def untrusted_certificate(url: str, error: BaseException) -> TransportError:
    """A TLS server whose certificate this client does not trust (the local stack's, until its CA is)."""
    reason = _verify_message(error) or str(error)
    return TransportError(
        f"{url}: its certificate is not trusted ({reason}); the local stack's is signed by the CA named in"
        " custom.ugc.ca_certificate of its outputs (see `ugc trust`)"
    )


def _verify_message(error: object, depth: int = 0) -> str | None:
    """The TLS verification's own reason, from under the layers HTTP libraries wrap it in."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return str(error.verify_message)
    if isinstance(error, BaseException) and depth < 6:
        for inner in (*error.args, getattr(error, "reason", None), error.__cause__, error.__context__):
            found = _verify_message(inner, depth + 1)
            if found:
                return found
    return None


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:3]:
        kind = error.get("errorType")
        message = str(error.get("message", "")).strip() or "(no message)"
        parts.append(f"{kind}: {message}" if kind else message)
    if len(errors) > 3:
        parts.append(f"and {len(errors) - 3} more")
    return "; ".join(parts) or "(no error details)"


class GraphQLErrors(UGCError):
    """The response carried `errors`. `errors` holds AppSync's dicts (errorType, message, path, ...)."""

    def __init__(self, errors: list[dict[str, Any]], data: dict[str, Any] | None = None) -> None:
        super().__init__(_describe(errors))
        self.errors = errors
        self.data = data

    @property
    def error_types(self) -> list[str | None]:
        return [e.get("errorType") for e in self.errors]


class HttpError(UGCError):
    """The server answered with an HTTP error status. `errors` holds AppSync's error dicts, if any."""

    def __init__(self, status: int, errors: list[dict[str, Any]] | None = None, body: Any = None) -> None:
        detail = _describe(errors) if errors else "no GraphQL error details"
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.errors = errors or []
        self.body = body


class UnauthorizedError(HttpError):
    """AppSync refused the credentials (HTTP 401/403): missing, expired or wrong token, key or signature."""
