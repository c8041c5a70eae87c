from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from client.accounts import CodeDelivery, CognitoAccounts, trigger_reason
from client.auth import CognitoAuth
from client.errors import AuthError, CognitoRefused, TriggerRejected
from client.outbox import latest_code
from client.outputs import AmplifyOutputs
from emulator.local_aws.clients import client as local_aws_client

NEW_PASSWORD = "N3w-Batt3ry-Staple!"
USERNAME_RULE = "username: must be 4-20 characters of a-z, 0-9, '.' and '_'"


def verify_emails(cognito: Any) -> None:
    """Make the test pool send codes by e-mail, as the project's pool does (moto's default is SMS)."""
    cognito.admin.update_user_pool(
        UserPoolId=cognito.user_pool_id,
        AutoVerifiedAttributes=["email"],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    )


def stubbed(outputs: AmplifyOutputs, cognito: Any) -> tuple[CognitoAccounts, Stubber]:
    """Accounts over a real botocore client whose answers are canned (what moto cannot produce)."""
    client = local_aws_client(cognito.endpoint_url, "cognito-idp")
    return CognitoAccounts(outputs, cognito=client), Stubber(client)


def test_a_signed_up_user_can_sign_in_once_confirmed(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN a pool that verifies e-mail addresses
    verify_emails(cognito)
    accounts = CognitoAccounts(outputs)

    # WHEN bob signs up
    result = accounts.sign_up("bob", "bob@example.com", cognito.password)

    # THEN he is not confirmed yet, has a sub, and the code went to his (masked) e-mail address
    assert result.user_confirmed is False
    assert result.user_sub
    assert result.delivery == CodeDelivery("b***@e***", "EMAIL", "email")
    assert str(result.delivery) == "b***@e*** (email)"
    with pytest.raises(AuthError) as raised:
        CognitoAuth(outputs).sign_in("bob", cognito.password)
    assert raised.value.code == "UserNotConfirmedException"

    # AND once he confirms with the code the local outbox shows, he can sign in with his sub in the token
    code = latest_code(outputs, "bob")
    assert code is not None
    accounts.confirm_sign_up("bob", code)
    session = CognitoAuth(outputs).sign_in("bob", cognito.password)
    assert session.claims()["sub"] == result.user_sub


def test_signing_up_a_taken_username_is_refused_with_cognitos_code(outputs: AmplifyOutputs) -> None:
    # GIVEN alice exists WHEN someone signs up as alice
    with pytest.raises(CognitoRefused) as raised:
        CognitoAccounts(outputs).sign_up("alice", "other@example.com", "Corr3ct-Horse!")

    # THEN Cognito's code and message are kept (moto's message is the bare username), and the
    # error names the operation and the user
    error = raised.value
    assert error.code == "UsernameExistsException"
    assert str(error) == f"sign-up failed for alice: {error.cognito_message} (UsernameExistsException)"


def test_confirming_an_unknown_user_is_refused(outputs: AmplifyOutputs) -> None:
    with pytest.raises(CognitoRefused) as raised:
        CognitoAccounts(outputs).confirm_sign_up("nobody", "123456")
    assert raised.value.code == "UserNotFoundException"


def test_a_forgotten_password_is_replaced_with_the_reset_code(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN alice forgot her password
    verify_emails(cognito)
    accounts = CognitoAccounts(outputs)

    # WHEN she asks for a reset code and sets a new password with it
    delivery = accounts.forgot_password("alice")
    code = latest_code(outputs, "alice")
    assert code is not None
    accounts.confirm_forgot_password("alice", code, NEW_PASSWORD)

    # THEN the code went to her e-mail, and only the new password signs her in
    assert delivery == CodeDelivery("a***@e***", "EMAIL", "email")
    assert CognitoAuth(outputs).sign_in("alice", NEW_PASSWORD).username == "alice"
    with pytest.raises(AuthError, match="Incorrect username or password"):
        CognitoAuth(outputs).sign_in("alice", cognito.password)


def test_resend_code_says_where_the_new_code_went(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN Cognito answers ResendConfirmationCode (moto lacks it, so the answer is canned)
    accounts, stub = stubbed(outputs, cognito)
    stub.add_response(
        "resend_confirmation_code",
        {"CodeDeliveryDetails": {"Destination": "b***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}},
        {"ClientId": cognito.client_id, "Username": "bob"},
    )

    # WHEN a new code is asked for bob THEN the request named the app client and the answer is typed
    with stub:
        assert accounts.resend_code("bob") == CodeDelivery("b***@e***", "EMAIL", "email")
    stub.assert_no_pending_responses()


def test_a_sign_up_refused_by_the_pre_sign_up_trigger_carries_the_triggers_reason(
    outputs: AmplifyOutputs, cognito: Any
) -> None:
    # GIVEN the PreSignUp trigger refuses the username, as Cognito reports it
    accounts, stub = stubbed(outputs, cognito)
    full = f"PreSignUp failed with error {USERNAME_RULE}."
    stub.add_client_error("sign_up", "UserLambdaValidationException", full, 400)

    # WHEN someone signs up with that username
    with stub, pytest.raises(TriggerRejected) as raised:
        accounts.sign_up("Bad!", "bad@example.com", "Corr3ct-Horse!")

    # THEN the reason is the trigger's own words, and Cognito's code and whole message are kept
    error = raised.value
    assert error.reason == USERNAME_RULE
    assert error.trigger == "PreSignUp"
    assert error.code == "UserLambdaValidationException"
    assert error.cognito_message == full
    assert str(error) == f"sign-up refused for Bad!: {USERNAME_RULE}"
    # AND it is still a CognitoRefused and an AuthError, for callers that catch those
    assert isinstance(error, CognitoRefused)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("PreSignUp failed with error email: domain not allowed.", ("PreSignUp", "email: domain not allowed")),
        # The trigger's own period survives: Cognito appends exactly one.
        ("PreSignUp failed with error Not allowed.. ", ("PreSignUp", "Not allowed.")),
        ("CustomMessage failed with error boom.", ("CustomMessage", "boom")),
        ("PreSignUp failed with error line one.\nline two.", ("PreSignUp", "line one.\nline two")),
        ("no wrapper here.", (None, "no wrapper here.")),
        ("PreSignUp failed with error .", (None, "PreSignUp failed with error .")),
    ],
)
def test_the_trigger_reason_is_the_message_without_cognitos_wrapper(
    message: str, expected: tuple[str | None, str]
) -> None:
    assert trigger_reason(message) == expected


def test_an_html_error_page_is_reported_by_its_code(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN a Cognito without the operation, which answers with an HTML error page (as moto does)
    accounts, stub = stubbed(outputs, cognito)
    stub.add_client_error("resend_confirmation_code", "500", "<!doctype html>\n<title>500</title>", 500)

    # WHEN the operation is called THEN the error shows the code, not the page
    with stub, pytest.raises(CognitoRefused) as raised:
        accounts.resend_code("bob")
    assert str(raised.value) == "resending the code failed for bob: 500 (500)"


def test_an_unreachable_cognito_is_an_auth_error_without_a_code(outputs_doc: dict[str, Any]) -> None:
    # GIVEN outputs that name a local AWS nobody listens on
    outputs_doc["custom"]["ugc"]["aws_endpoint_url"] = "http://127.0.0.1:9"

    # WHEN sign-up runs THEN it is a connection problem, not a refusal by Cognito
    with pytest.raises(AuthError, match="cannot reach Cognito") as raised:
        CognitoAccounts(AmplifyOutputs.from_dict(outputs_doc)).sign_up("bob", "bob@example.com", "Corr3ct-Horse!")
    assert not isinstance(raised.value, CognitoRefused)
    assert raised.value.code is None
