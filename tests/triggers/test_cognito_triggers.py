"""Cognito triggers with Cognito-shaped events: the sign-up rules, e-mail links, sign-in checks."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.errors import ValidationError
from tests.triggers.conftest import Handler, cognito_event


def name(base: str = "user") -> str:
    return f"{base}{uuid.uuid4().hex[:8]}"


def sign_up(handler: Handler, username: str, email: str, source: str = "PreSignUp_SignUp") -> dict:
    return handler(cognito_event(source, username, {"email": email}, validationData=None, clientMetadata=None))


@pytest.mark.parametrize(
    "username, rule",
    [
        ("abc", "must be 4-20 characters"),
        ("a" * 21, "must be 4-20 characters"),
        ("has space", "must be 4-20 characters"),
        ("emoji😀x", "must be 4-20 characters"),
        ("Settings", "is reserved"),
        ("LOGIN", "is reserved"),
    ],
)
def test_pre_sign_up_refuses_usernames_naming_the_rule(cognito_trigger: Handler, username: str, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule) as refused:
        sign_up(cognito_trigger, username, f"{uuid.uuid4().hex}@example.com")
    assert refused.value.field == "username"


def test_pre_sign_up_accepts_valid_names_any_case(cognito_trigger: Handler) -> None:
    event = sign_up(cognito_trigger, "Good.Name_" + uuid.uuid4().hex[:6], f"{uuid.uuid4().hex}@example.com")
    assert event["response"] == {}  # auto-verify is off on the local stage: the user confirms a code


def test_an_email_is_taken_once_whatever_its_case(cognito_trigger: Handler) -> None:
    email = f"{uuid.uuid4().hex}@Example.com"
    sign_up(cognito_trigger, name(), email)
    with pytest.raises(ValidationError, match="already registered") as refused:
        sign_up(cognito_trigger, name(), email.upper())
    assert refused.value.field == "email"


def test_a_username_is_taken_once_whatever_its_case(cognito_trigger: Handler) -> None:
    username = name("Case")
    sign_up(cognito_trigger, username, f"{uuid.uuid4().hex}@example.com")
    with pytest.raises(ValidationError, match="is taken"):
        sign_up(cognito_trigger, username.lower(), f"{uuid.uuid4().hex}@example.com")


def test_retrying_the_same_sign_up_is_accepted(cognito_trigger: Handler) -> None:
    username, email = name(), f"{uuid.uuid4().hex}@example.com"
    sign_up(cognito_trigger, username, email)
    sign_up(cognito_trigger, username, email)


def test_twenty_concurrent_sign_ups_with_one_email_reserve_it_once(cognito_trigger: Handler) -> None:
    email = f"{uuid.uuid4().hex}@example.com"

    def attempt(i: int) -> bool:
        try:
            sign_up(cognito_trigger, name(f"racer{i}"), email)
        except ValidationError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count(True) == 1


def test_operators_may_create_short_names_but_not_reserved_ones(cognito_trigger: Handler) -> None:
    sign_up(cognito_trigger, f"b{uuid.uuid4().hex[:2]}", f"{uuid.uuid4().hex}@example.com", "PreSignUp_AdminCreateUser")
    with pytest.raises(ValidationError, match="is reserved"):
        sign_up(cognito_trigger, "reset", f"{uuid.uuid4().hex}@example.com", "PreSignUp_AdminCreateUser")


def test_an_email_is_required(cognito_trigger: Handler) -> None:
    with pytest.raises(ValidationError, match="email: is required"):
        cognito_trigger(cognito_event("PreSignUp_SignUp", name(), {}))


@pytest.mark.parametrize(
    "source, route",
    [
        ("CustomMessage_SignUp", "login"),
        ("CustomMessage_ResendCode", "login"),
        ("CustomMessage_ForgotPassword", "reset"),
    ],
)
def test_verification_and_reset_emails_link_to_the_client(cognito_trigger: Handler, source: str, route: str) -> None:
    event = cognito_trigger(
        cognito_event(source, "alice.b", {"email": "a@example.com"}, codeParameter="{####}", usernameParameter=None)
    )
    message = event["response"]["emailMessage"]
    assert f"http://localhost:3000/{route}?code={{####}}&username=alice.b" in message
    assert event["response"]["emailSubject"]


def test_other_messages_keep_cognitos_text(cognito_trigger: Handler) -> None:
    event = cognito_event(
        "CustomMessage_AdminCreateUser", "x", {}, codeParameter="{####}", usernameParameter="{username}"
    )
    assert cognito_trigger(event)["response"] == {}


def test_pre_authentication_lets_ordinary_accounts_in(cognito_trigger: Handler) -> None:
    event = cognito_event("PreAuthentication_Authentication", "someone", {"sub": str(uuid.uuid4())}, validationData={})
    assert cognito_trigger(event)["triggerSource"] == "PreAuthentication_Authentication"
