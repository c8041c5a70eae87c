"""Cognito triggers around the local Cognito API, with Cognito's event shapes, and the codes they mail."""

from __future__ import annotations

import uuid

import pytest
import requests
from pycognito.aws_srp import AWSSRP

from emulator.local_aws.bootstrap import app_client_kwargs, cognito_lambda_config, user_pool_kwargs
from infra.definitions import COGNITO_TRIGGERS

PASSWORD = "Corr3ct-Horse!"
NEW_PASSWORD = "Batt3ry-Staple!"


@pytest.fixture(scope="module")
def pool(local_aws_client, local_resources):
    """A pool made from the project's definitions (triggers included), with its app client."""
    cognito = local_aws_client("cognito-idp")
    lambda_config = cognito_lambda_config(local_resources.region, local_resources.account_id)
    pool_id = cognito.create_user_pool(
        **user_pool_kwargs(f"triggers-{uuid.uuid4().hex[:8]}", lambda_config=lambda_config)
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(**app_client_kwargs(pool_id, "web"))["UserPoolClient"]["ClientId"]
    return pool_id, client_id


@pytest.fixture
def outbox(local_aws):
    def read(**filters):
        response = requests.get(f"{local_aws.endpoint}/_local/outbox", params=filters, timeout=5)
        response.raise_for_status()
        return response.json()

    return read


def new_name():
    return f"user{uuid.uuid4().hex[:8]}"


def sign_up(cognito, client_id, username, **extra):
    return cognito.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        **extra,
    )


def by_source(events, source):
    return [event for event in events if event["triggerSource"] == source]


def passthrough(event):
    return event


# --- PreSignUp -------------------------------------------------------------------------------------
def test_a_refusing_pre_sign_up_fails_the_sign_up_and_creates_nobody(cognito, pool, local_functions):
    # GIVEN a PreSignUp trigger that refuses everyone
    pool_id, client_id = pool

    def refuse(event):
        if event["triggerSource"] == "PreSignUp_SignUp":
            raise ValueError("sign-ups are closed")
        return event

    functions = local_functions({"cognito": refuse})
    username = new_name()

    # WHEN a user signs up
    with pytest.raises(cognito.exceptions.UserLambdaValidationException) as raised:
        sign_up(cognito, client_id, username, ValidationData=[{"Name": "captcha", "Value": "ok"}])

    # THEN Cognito's wrapping of the function's message comes back and no user exists
    assert raised.value.response["Error"]["Message"] == "PreSignUp failed with error sign-ups are closed."
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    # AND the trigger saw Cognito's event shape
    (event,) = functions.events("cognito")
    assert event == {
        "version": "1",
        "triggerSource": "PreSignUp_SignUp",
        "region": "us-east-1",
        "userPoolId": pool_id,
        "userName": username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": {"userAttributes": {"email": f"{username}@example.com"}, "validationData": {"captcha": "ok"}},
        "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    }


def test_an_auto_confirming_pre_sign_up_confirms_and_runs_post_confirmation(cognito, pool, local_functions, outbox):
    # GIVEN a PreSignUp trigger that confirms and verifies everyone
    pool_id, client_id = pool

    def auto_confirm(event):
        if event["triggerSource"] == "PreSignUp_SignUp":
            event["response"].update(autoConfirmUser=True, autoVerifyEmail=True)
        return event

    functions = local_functions({"cognito": auto_confirm})
    username = new_name()

    # WHEN a user signs up
    out = sign_up(cognito, client_id, username, ClientMetadata={"origin": "test"})

    # THEN the user is confirmed with a verified e-mail, and no code was mailed
    assert out["UserConfirmed"] is True
    assert "CodeDeliveryDetails" not in out
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    assert outbox(username=username) == []
    # AND PostConfirmation ran for the confirmed user, with the sign-up's ClientMetadata
    (post,) = by_source(functions.events("cognito"), "PostConfirmation_ConfirmSignUp")
    assert post["userName"] == username
    assert post["request"]["clientMetadata"] == {"origin": "test"}
    assert post["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert post["request"]["userAttributes"]["sub"] == out["UserSub"]
    assert post["response"] == {}


def test_admin_create_user_runs_pre_sign_up_as_an_admin_creation(cognito, pool, local_functions):
    # GIVEN a PreSignUp trigger that refuses users an admin creates
    pool_id, _ = pool

    def refuse_admin(event):
        if event["triggerSource"] == "PreSignUp_AdminCreateUser":
            raise PermissionError("no admin-made users")
        return event

    functions = local_functions({"cognito": refuse_admin})
    username = new_name()

    # WHEN an admin creates a user
    with pytest.raises(cognito.exceptions.UserLambdaValidationException) as raised:
        cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")

    # THEN it is refused with the trigger's message, nothing is created, and the caller was no app client
    assert raised.value.response["Error"]["Message"] == "PreSignUp failed with error no admin-made users."
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    (event,) = functions.events("cognito")
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"


def test_admin_create_user_mails_an_invitation_with_a_temporary_password(cognito, pool, local_functions, outbox):
    # GIVEN a CustomMessage trigger that writes invitations
    pool_id, client_id = pool

    def invite(event):
        if event["triggerSource"] == "CustomMessage_AdminCreateUser":
            request = event["request"]
            event["response"]["emailSubject"] = "You are invited"
            event["response"]["emailMessage"] = f"Hi {request['usernameParameter']}, use {request['codeParameter']}"
        return event

    local_functions({"cognito": invite})
    username = new_name()

    # WHEN an admin creates a user to be invited by e-mail, without choosing a password
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        DesiredDeliveryMediums=["EMAIL"],
    )

    # THEN the invitation carries a temporary password Cognito made up, which signs in to a new-password challenge
    (mail,) = outbox(username=username)
    assert (mail["triggerSource"], mail["subject"]) == ("CustomMessage_AdminCreateUser", "You are invited")
    assert mail["message"] == f"Hi {username}, use {mail['code']}"
    out = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": mail["code"]},
    )
    assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_confirm_sign_up_runs_post_confirmation(cognito, pool, local_functions):
    # GIVEN an unconfirmed user
    pool_id, client_id = pool
    username = new_name()
    sign_up(cognito, client_id, username)
    functions = local_functions({"cognito": passthrough})

    # WHEN an admin confirms the user, naming it in another case
    cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=username.upper())

    # THEN the user is confirmed and PostConfirmation ran for the real user name, as an admin call
    assert cognito.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"] == "CONFIRMED"
    (post,) = by_source(functions.events("cognito"), "PostConfirmation_ConfirmSignUp")
    assert post["userName"] == username
    assert post["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"


def test_a_trigger_returning_something_else_than_the_event_is_an_invalid_response(cognito, pool, local_functions):
    # GIVEN a PreSignUp function that returns nothing
    _, client_id = pool
    local_functions({"cognito": lambda event: None})

    # WHEN a user signs up
    # THEN Cognito cannot read the answer
    with pytest.raises(cognito.exceptions.InvalidLambdaResponseException):
        sign_up(cognito, client_id, new_name())


# --- codes, CustomMessage and confirmation --------------------------------------------------------
def shape_messages(event):
    """The project's kind of CustomMessage: links built from the code and user name placeholders."""
    if event["triggerSource"].startswith("CustomMessage_"):
        request = event["request"]
        link = f"http://localhost:3000/login?code={request['codeParameter']}&username={request['usernameParameter']}"
        event["response"]["emailSubject"] = f"Welcome ({event['triggerSource']})"
        event["response"]["emailMessage"] = f'<a href="{link}">Confirm Email</a>'
    return event


def test_sign_up_mails_a_code_and_confirm_sign_up_checks_it(cognito, pool, local_functions, outbox):
    # GIVEN a CustomMessage trigger that mails a link
    pool_id, client_id = pool
    functions = local_functions({"cognito": shape_messages})
    username = new_name()

    # WHEN a user signs up
    out = sign_up(cognito, client_id, username)

    # THEN the sign-up is unconfirmed and the code went to the e-mail address, shaped by the trigger
    assert out["UserConfirmed"] is False
    assert out["CodeDeliveryDetails"] == {
        "Destination": "u***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    (mail,) = outbox(username=username)
    assert mail["to"] == f"{username}@example.com"
    assert mail["triggerSource"] == "CustomMessage_SignUp"
    assert mail["subject"] == "Welcome (CustomMessage_SignUp)"
    assert len(mail["code"]) == 6 and mail["code"].isdigit()
    assert mail["message"] == (
        f'<a href="http://localhost:3000/login?code={mail["code"]}&username={username}">Confirm Email</a>'
    )
    (custom,) = by_source(functions.events("cognito"), "CustomMessage_SignUp")
    assert custom["request"]["codeParameter"] == "{####}"
    assert custom["request"]["userAttributes"]["cognito:user_status"] == "UNCONFIRMED"

    # WHEN a wrong code is given
    wrong = "000000" if mail["code"] != "000000" else "111111"
    with pytest.raises(cognito.exceptions.CodeMismatchException):
        cognito.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=wrong)

    # THEN the user is still unconfirmed and PostConfirmation has not run
    assert cognito.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"] == "UNCONFIRMED"
    assert by_source(functions.events("cognito"), "PostConfirmation_ConfirmSignUp") == []

    # WHEN the mailed code is given
    cognito.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=mail["code"])

    # THEN the user is confirmed, the e-mail verified, and PostConfirmation saw the confirmed user
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    (post,) = by_source(functions.events("cognito"), "PostConfirmation_ConfirmSignUp")
    assert post["callerContext"]["clientId"] == client_id
    assert post["request"] == {
        "userAttributes": {
            "email": f"{username}@example.com",
            "email_verified": "true",
            "sub": out["UserSub"],
            "cognito:user_status": "CONFIRMED",
        }
    }

    # WHEN the user is confirmed again
    # THEN Cognito refuses: the user is no longer unconfirmed
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=mail["code"])


def test_a_resent_code_replaces_the_previous_one(cognito, pool, local_functions, outbox):
    # GIVEN an unconfirmed user who got a code
    _, client_id = pool
    local_functions({"cognito": shape_messages})
    username = new_name()
    sign_up(cognito, client_id, username)

    # WHEN a new code is asked for
    cognito.resend_confirmation_code(ClientId=client_id, Username=username)

    # THEN a second mail carries it, and only the new code confirms
    first, second = outbox(username=username)
    assert second["triggerSource"] == "CustomMessage_ResendCode"
    if first["code"] != second["code"]:
        with pytest.raises(cognito.exceptions.CodeMismatchException):
            cognito.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=first["code"])
    cognito.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=second["code"])


def test_a_failing_post_confirmation_is_reported_after_confirming(cognito, pool, local_functions, outbox):
    # GIVEN a PostConfirmation trigger that fails
    pool_id, client_id = pool

    def fail_provisioning(event):
        if event["triggerSource"].startswith("PostConfirmation_"):
            raise RuntimeError("table unavailable")
        return event

    local_functions({"cognito": fail_provisioning})
    username = new_name()
    sign_up(cognito, client_id, username)
    (mail,) = outbox(username=username)

    # WHEN the user confirms
    with pytest.raises(cognito.exceptions.UserLambdaValidationException) as raised:
        cognito.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=mail["code"])

    # THEN the failure is Cognito's wrapping of the function's message, and the user stays confirmed
    assert raised.value.response["Error"]["Message"] == "PostConfirmation failed with error table unavailable."
    assert cognito.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"] == "CONFIRMED"


def test_without_functions_no_trigger_runs_and_cognito_default_text_is_mailed(cognito, pool, outbox):
    # GIVEN the pool's triggers but no function invoker on the server
    pool_id, client_id = pool
    username = new_name()

    # WHEN a user signs up
    sign_up(cognito, client_id, username)

    # THEN no trigger refused or confirmed anything, and Cognito's own message carries the code
    (mail,) = outbox(username=username)
    assert mail["subject"] == "Your verification code"
    assert mail["message"] == f"Your verification code is {mail['code']}. "
    assert cognito.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"] == "UNCONFIRMED"


# --- passwords -----------------------------------------------------------------------------------
@pytest.fixture
def confirmed_user(cognito, pool, outbox):
    _, client_id = pool
    username = new_name()
    sign_up(cognito, client_id, username)
    (mail,) = outbox(username=username)
    cognito.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=mail["code"])
    return username


def test_forgot_password_mails_a_code_that_sets_a_new_password(cognito, pool, confirmed_user, local_functions, outbox):
    # GIVEN a confirmed user, and the project's CustomMessage trigger
    _, client_id = pool
    functions = local_functions({"cognito": shape_messages})

    # WHEN the user forgets the password
    out = cognito.forgot_password(ClientId=client_id, Username=confirmed_user)

    # THEN a reset code is mailed
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    reset = outbox(username=confirmed_user)[-1]
    assert reset["triggerSource"] == "CustomMessage_ForgotPassword"

    # WHEN a wrong code is given
    wrong = "000000" if reset["code"] != "000000" else "111111"
    with pytest.raises(cognito.exceptions.CodeMismatchException):
        cognito.confirm_forgot_password(
            ClientId=client_id, Username=confirmed_user, ConfirmationCode=wrong, Password=NEW_PASSWORD
        )

    # WHEN the mailed code is given with a new password
    cognito.confirm_forgot_password(
        ClientId=client_id, Username=confirmed_user, ConfirmationCode=reset["code"], Password=NEW_PASSWORD
    )

    # THEN the new password signs in, the old one no longer does, and PostConfirmation ran for the reset
    auth = {"USERNAME": confirmed_user, "PASSWORD": NEW_PASSWORD}
    assert cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=auth)[
        "AuthenticationResult"
    ]["AccessToken"]
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": confirmed_user, "PASSWORD": PASSWORD},
        )
    assert [
        e["userName"] for e in by_source(functions.events("cognito"), "PostConfirmation_ConfirmForgotPassword")
    ] == [confirmed_user]


def test_a_reset_code_is_used_once(cognito, pool, confirmed_user, outbox):
    # GIVEN a password reset that was completed
    _, client_id = pool
    cognito.forgot_password(ClientId=client_id, Username=confirmed_user)
    code = outbox(username=confirmed_user)[-1]["code"]
    cognito.confirm_forgot_password(
        ClientId=client_id, Username=confirmed_user, ConfirmationCode=code, Password=NEW_PASSWORD
    )

    # WHEN the same code is used again
    # THEN it no longer matches
    with pytest.raises(cognito.exceptions.CodeMismatchException):
        cognito.confirm_forgot_password(
            ClientId=client_id, Username=confirmed_user, ConfirmationCode=code, Password=PASSWORD
        )


def test_forgot_password_of_an_unknown_user_is_not_found(cognito, pool):
    # GIVEN / WHEN a reset is asked for a name nobody has
    # THEN Cognito says so
    _, client_id = pool
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.forgot_password(ClientId=client_id, Username=new_name())


# --- PreAuthentication ---------------------------------------------------------------------------
def test_pre_authentication_sees_client_metadata_and_can_refuse_sign_in(cognito, pool, confirmed_user, local_functions):
    # GIVEN a PreAuthentication trigger that requires the submitted name in validationData
    _, client_id = pool

    def require_submitted_name(event):
        submitted = (event["request"].get("validationData") or {}).get("submittedUsername")
        if event["triggerSource"] == "PreAuthentication_Authentication" and submitted != event["userName"]:
            raise LookupError("User does not exist.")
        return event

    functions = local_functions({"cognito": require_submitted_name})
    auth = {"USERNAME": confirmed_user, "PASSWORD": PASSWORD}

    # WHEN the user signs in without the metadata
    # THEN the sign-in is refused with the trigger's message
    with pytest.raises(cognito.exceptions.UserLambdaValidationException) as raised:
        cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=auth)
    assert raised.value.response["Error"]["Message"] == "PreAuthentication failed with error User does not exist.."

    # WHEN the user signs in with it
    out = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters=auth,
        ClientMetadata={"submittedUsername": confirmed_user},
    )

    # THEN tokens are issued, and the trigger got the metadata as validationData with the user's attributes
    assert out["AuthenticationResult"]["IdToken"]
    last = functions.events("cognito")[-1]
    assert last["triggerSource"] == "PreAuthentication_Authentication"
    assert last["request"]["validationData"] == {"submittedUsername": confirmed_user}
    assert last["request"]["userAttributes"]["email"] == f"{confirmed_user}@example.com"
    assert last["response"] == {}


def test_admin_initiate_auth_runs_pre_authentication_too(cognito, pool, confirmed_user, local_functions):
    # GIVEN a PreAuthentication trigger that refuses everyone
    pool_id, client_id = pool

    def refuse(event):
        if event["triggerSource"] == "PreAuthentication_Authentication":
            raise PermissionError("signed out for maintenance")
        return event

    local_functions({"cognito": refuse})

    # WHEN a back end signs the user in with admin credentials
    # THEN the trigger refuses it as well
    with pytest.raises(cognito.exceptions.UserLambdaValidationException):
        cognito.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": confirmed_user, "PASSWORD": PASSWORD},
        )


def test_srp_sign_in_runs_pre_authentication_too(cognito, pool, confirmed_user, local_functions):
    # GIVEN a PreAuthentication trigger that refuses everyone
    pool_id, client_id = pool

    def refuse(event):
        if event["triggerSource"] == "PreAuthentication_Authentication":
            raise PermissionError("signed out for maintenance")
        return event

    local_functions({"cognito": refuse})

    # WHEN the user signs in with SRP (Amplify's default flow)
    # THEN the trigger refuses it before any challenge is issued
    srp = AWSSRP(username=confirmed_user, password=PASSWORD, pool_id=pool_id, client_id=client_id, client=cognito)
    with pytest.raises(cognito.exceptions.UserLambdaValidationException, match="signed out for maintenance"):
        srp.authenticate_user()


def test_bootstrap_wires_every_trigger_of_the_definitions(cognito, local_resources):
    # GIVEN / WHEN the bootstrapped pool is described
    pool = cognito.describe_user_pool(UserPoolId=local_resources.user_pool_id)["UserPool"]

    # THEN each trigger of COGNITO_TRIGGERS names its function's ARN
    assert pool["LambdaConfig"] == {
        trigger: f"arn:aws:lambda:us-east-1:{local_resources.account_id}:function:{name}"
        for trigger, name in COGNITO_TRIGGERS.items()
    }
