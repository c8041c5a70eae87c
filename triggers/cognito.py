"""Cognito user pool triggers. A refusal raises a domain error; Cognito returns it to the client as
`UserLambdaValidationException` ("PreSignUp failed with error <message>."), so every message names
the rule that refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from core.accounts import Caller
from core.deletion import is_deleting
from core.errors import Forbidden, ValidationError
from core.users import SignUp
from triggers.runtime import core, guarded


def pre_sign_up(event: dict[str, Any]) -> dict[str, Any]:
    attributes = event["request"].get("userAttributes") or {}
    email = attributes.get("email")
    if not email:
        raise ValidationError("email", "is required")
    operator = event["triggerSource"] == "PreSignUp_AdminCreateUser"
    core().users.reserve_sign_up(SignUp(event["userName"], email), operator=operator)
    if event["triggerSource"] == "PreSignUp_SignUp" and core().settings.enable_user_auto_verify:
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event


_LINKS = {
    "CustomMessage_SignUp": ("login", "Confirm your e-mail", "Confirm your e-mail address"),
    "CustomMessage_ResendCode": ("login", "Confirm your e-mail", "Confirm your e-mail address"),
    "CustomMessage_ForgotPassword": ("reset", "Reset your password", "Choose a new password (valid for 1 hour)"),
}


def custom_message(event: dict[str, Any]) -> dict[str, Any]:
    link = _LINKS.get(event["triggerSource"])
    if link is None:
        return event  # other messages keep Cognito's text
    route, subject, action = link
    code = event["request"]["codeParameter"]  # Cognito's placeholder, replaced by the code when sent
    base = core().settings.client_base_url.rstrip("/")
    url = f"{base}/{route}?code={code}&username={quote(event['userName'])}"
    event["response"]["emailSubject"] = subject
    event["response"]["emailMessage"] = f'<p><a href="{url}">{action}</a></p><p>Or use the code {code}.</p>'
    return event


def post_confirmation(event: dict[str, Any]) -> dict[str, Any]:
    if event["triggerSource"] != "PostConfirmation_ConfirmSignUp":
        return event
    attributes = event["request"]["userAttributes"]
    caller = Caller(sub=attributes["sub"], username=event["userName"], email=attributes.get("email"))
    core().accounts.create_resources(caller)  # the same idempotent provisioning as createResources
    return event


def pre_authentication(event: dict[str, Any]) -> dict[str, Any]:
    sub = (event["request"].get("userAttributes") or {}).get("sub")
    if sub and is_deleting(core().table, sub):
        raise Forbidden("this account is being deleted")
    return event


_BY_PREFIX = {
    "PreSignUp_": pre_sign_up,
    "CustomMessage_": custom_message,
    "PostConfirmation_": post_confirmation,
    "PreAuthentication_": pre_authentication,
}


def _dispatch(event: dict[str, Any]) -> dict[str, Any]:
    source = str(event.get("triggerSource", ""))
    for prefix, handle in _BY_PREFIX.items():
        if source.startswith(prefix):
            return handle(event)
    return event


handler = guarded(_dispatch)
