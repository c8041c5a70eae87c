"""USER_SRP_AUTH on the local Cognito, driven by a real SRP client (pycognito's, the same exchange
Amplify Auth's default `signIn` runs): the password is proven, never sent."""

from __future__ import annotations

import uuid

import jwt
import pytest
from pycognito.aws_srp import AWSSRP

PASSWORD = "Corr3ct-Horse!"


@pytest.fixture
def user(cognito, pool):
    pool_id, _ = pool
    username = f"srp{uuid.uuid4().hex[:8]}"
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    return username


def srp(cognito, pool, name, password=PASSWORD) -> AWSSRP:
    pool_id, client_id = pool
    return AWSSRP(username=name, password=password, pool_id=pool_id, client_id=client_id, client=cognito)


def challenge(cognito, pool, name, password=PASSWORD) -> tuple[AWSSRP, dict, dict]:
    """(client, InitiateAuth's challenge parameters, the client's PASSWORD_VERIFIER answer)."""
    client = srp(cognito, pool, name, password)
    params = client.get_auth_params()
    started = cognito.initiate_auth(ClientId=pool[1], AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    return client, started["ChallengeParameters"], client.process_challenge(started["ChallengeParameters"], params)


def respond(cognito, pool, answer):
    return cognito.respond_to_auth_challenge(
        ClientId=pool[1], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
    )


@pytest.mark.parametrize("name_of", [lambda u: u, lambda u: u.upper()])
def test_srp_signs_in_by_name_in_any_case(cognito, pool, user, name_of):
    # GIVEN a confirmed user
    # WHEN they sign in with SRP, by their name in any case
    tokens = srp(cognito, pool, name_of(user)).authenticate_user()["AuthenticationResult"]
    # THEN they get the password flow's tokens, for themselves
    assert set(tokens) >= {"IdToken", "AccessToken", "RefreshToken", "ExpiresIn", "TokenType"}
    assert jwt.decode(tokens["IdToken"], options={"verify_signature": False})["cognito:username"] == user


def test_the_challenge_names_the_internal_username(cognito, pool, user):
    # WHEN a user starts SRP with their name in another case
    _, parameters, _ = challenge(cognito, pool, user.upper())
    # THEN the challenge names the user by their Cognito username (what the client hashes), with a real
    # 3072-bit B and a base64 secret block
    assert parameters["USER_ID_FOR_SRP"] == user
    assert 700 < len(parameters["SRP_B"]) <= 768
    assert len(parameters["SECRET_BLOCK"]) > 64


def test_srp_signs_in_with_a_preferred_username_after_a_rename(cognito, pool, user):
    # GIVEN a user renamed through the preferred_username alias (as the API's changeUsername does)
    pool_id, _ = pool
    alias = f"renamed{uuid.uuid4().hex[:6]}"
    cognito.admin_update_user_attributes(
        UserPoolId=pool_id, Username=user, UserAttributes=[{"Name": "preferred_username", "Value": alias}]
    )
    # WHEN they sign in with SRP under the new name
    tokens = srp(cognito, pool, alias).authenticate_user()["AuthenticationResult"]
    # THEN it is them
    assert jwt.decode(tokens["IdToken"], options={"verify_signature": False})["cognito:username"] == user


def test_a_wrong_password_is_refused_as_cognito_refuses_it(cognito, pool, user):
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match=r"Incorrect username or password\."):
        srp(cognito, pool, user, "Wr0ng-Horse!").authenticate_user()


def test_an_unknown_user_is_refused(cognito, pool):
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        srp(cognito, pool, f"nobody{uuid.uuid4().hex[:6]}").authenticate_user()


def test_a_disabled_user_is_refused(cognito, pool, user):
    cognito.admin_disable_user(UserPoolId=pool[0], Username=user)
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="User is disabled"):
        srp(cognito, pool, user).authenticate_user()


def test_an_answer_is_accepted_once(cognito, pool, user):
    # GIVEN a correct answer to a challenge, used once
    _, _, answer = challenge(cognito, pool, user)
    assert respond(cognito, pool, answer)["AuthenticationResult"]["IdToken"]
    # WHEN it is replayed
    # THEN the challenge is gone
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="session is expired"):
        respond(cognito, pool, answer)


def test_a_tampered_signature_or_timestamp_is_refused(cognito, pool, user):
    _, _, answer = challenge(cognito, pool, user)
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match=r"Incorrect username or password\."):
        respond(cognito, pool, {**answer, "TIMESTAMP": "Sat Dec 5 00:00:00 UTC 2026"})
    # AND a failed answer uses the challenge up: the right answer afterwards is refused too
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        respond(cognito, pool, answer)


def test_an_invalid_a_is_refused(cognito, pool, user):
    with pytest.raises(cognito.exceptions.InvalidParameterException, match="SRP_A"):
        cognito.initiate_auth(
            ClientId=pool[1], AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": user, "SRP_A": "0"}
        )


def test_refresh_after_srp_and_its_revocation(cognito, pool, user):
    # GIVEN tokens from an SRP sign-in
    tokens = srp(cognito, pool, user).authenticate_user()["AuthenticationResult"]
    refresh = {"REFRESH_TOKEN": tokens["RefreshToken"]}
    # THEN the refresh token works
    assert cognito.initiate_auth(ClientId=pool[1], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
    # WHEN the user signs out everywhere
    cognito.global_sign_out(AccessToken=tokens["AccessToken"])
    # THEN it is refused
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.initiate_auth(ClientId=pool[1], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
