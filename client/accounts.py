"""Cognito account self-service: sign-up, confirmation, code resend and password reset.

These are Cognito's public operations, called with the app client id exactly as Amplify Auth calls
them, so the user pool's triggers (sign-up rules, e-mail messages, provisioning) run for the CLI as
they do for the web app. The rules themselves live in those triggers only: nothing is checked here
that Cognito would check, so the CLI can never disagree with the web app about what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from client.errors import AuthError, CognitoRefused, TriggerRejected

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from client.outputs import AmplifyOutputs

_T = TypeVar("_T")

TRIGGER_REJECTED = "UserLambdaValidationException"
# Cognito's wrapper around a trigger's error: "PreSignUp failed with error <reason>." The reason is
# free text (it may hold periods and newlines), so only the one period Cognito appends is stripped.
_TRIGGER_WRAPPER = re.compile(r"(?P<trigger>[A-Za-z_]+) failed with error (?P<reason>.*?)\.?", re.DOTALL)


@dataclass(frozen=True)
class CodeDelivery:
    """Where Cognito sent a code: `destination` is masked by Cognito (`a***@e***`)."""

    destination: str
    medium: str
    """EMAIL or SMS."""
    attribute: str | None = None
    """The user attribute the code verifies (email, phone_number)."""

    def __str__(self) -> str:
        return f"{self.destination} ({self.medium.lower()})"

    @classmethod
    def from_response(cls, details: Mapping[str, Any] | None) -> CodeDelivery | None:
        if not details or not details.get("Destination"):
            return None
        return cls(
            destination=str(details["Destination"]),
            medium=str(details.get("DeliveryMedium") or "EMAIL"),
            attribute=details.get("AttributeName"),
        )


@dataclass(frozen=True)
class SignUpResult:
    user_confirmed: bool
    """True when the pool confirmed the user at once (auto-verify); else a code has to be confirmed."""
    user_sub: str
    delivery: CodeDelivery | None
    """Where the confirmation code went; None when no code was sent."""


def trigger_reason(message: str) -> tuple[str | None, str]:
    """(trigger, reason) from a `UserLambdaValidationException` message; (None, message) if unwrapped."""
    text = message.strip()
    match = _TRIGGER_WRAPPER.fullmatch(text)
    if match is None or not match["reason"].strip():
        return None, text
    return match["trigger"], match["reason"].strip()


def refusal(action: str, username: str, error: Mapping[str, Any]) -> CognitoRefused:
    """The SDK's error for Cognito's error document (`ClientError.response["Error"]`)."""
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or "").strip()
    if code == TRIGGER_REJECTED:
        trigger, reason = trigger_reason(message)
        return TriggerRejected(
            f"{action} refused for {username}: {reason or code}", code, message, reason=reason, trigger=trigger
        )
    # A Cognito that lacks the operation (moto, for a few of these) answers with an HTML page.
    shown = message.splitlines()[0][:200] if message and not message.startswith("<") else code
    return CognitoRefused(f"{action} failed for {username}: {shown} ({code})", code, message)


class CognitoAccounts:
    """Account operations against the user pool app client that `amplify_outputs.json` names."""

    def __init__(self, outputs: AmplifyOutputs, *, cognito: CognitoIdentityProviderClient | None = None) -> None:
        self.outputs = outputs
        self._cognito = cognito

    @property
    def client_id(self) -> str:
        return self.outputs.auth.user_pool_client_id

    @cached_property
    def cognito(self) -> CognitoIdentityProviderClient:
        if self._cognito is not None:
            return self._cognito
        from client.aws import cognito_client

        return cognito_client(self.outputs)

    def sign_up(self, username: str, email: str, password: str) -> SignUpResult:
        """Create an unconfirmed user (confirmed at once when the pool auto-verifies)."""
        response = self._call(
            "sign-up",
            username,
            lambda: self.cognito.sign_up(
                ClientId=self.client_id,
                Username=username,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}],
            ),
        )
        return SignUpResult(
            user_confirmed=bool(response.get("UserConfirmed")),
            user_sub=str(response.get("UserSub", "")),
            delivery=CodeDelivery.from_response(response.get("CodeDeliveryDetails")),
        )

    def confirm_sign_up(self, username: str, code: str) -> None:
        """Confirm a sign-up with the code Cognito sent; the user can sign in afterwards."""
        self._call(
            "confirmation",
            username,
            lambda: self.cognito.confirm_sign_up(ClientId=self.client_id, Username=username, ConfirmationCode=code),
        )

    def resend_code(self, username: str) -> CodeDelivery | None:
        """Send a new sign-up confirmation code (the previous one stops working)."""
        response = self._call(
            "resending the code",
            username,
            lambda: self.cognito.resend_confirmation_code(ClientId=self.client_id, Username=username),
        )
        return CodeDelivery.from_response(response.get("CodeDeliveryDetails"))

    def forgot_password(self, username: str) -> CodeDelivery | None:
        """Send a password-reset code; `confirm_forgot_password` then sets the new password."""
        response = self._call(
            "password reset",
            username,
            lambda: self.cognito.forgot_password(ClientId=self.client_id, Username=username),
        )
        return CodeDelivery.from_response(response.get("CodeDeliveryDetails"))

    def confirm_forgot_password(self, username: str, code: str, new_password: str) -> None:
        """Set a new password with the code `forgot_password` sent."""
        self._call(
            "password reset",
            username,
            lambda: self.cognito.confirm_forgot_password(
                ClientId=self.client_id, Username=username, ConfirmationCode=code, Password=new_password
            ),
        )

    @staticmethod
    def _call(action: str, username: str, operation: Callable[[], _T]) -> _T:
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        try:
            return operation()
        except ClientError as exc:
            raise refusal(action, username, exc.response.get("Error", {})) from exc
        except ParamValidationError as exc:
            # botocore's own checks (an empty code, say): the input needs fixing, Cognito never saw it.
            raise AuthError(f"{action} failed for {username}: {' '.join(str(exc).split())}") from exc
        except BotoCoreError as exc:
            raise AuthError(f"cannot reach Cognito: {exc}") from exc
