"""Sign-in names of the local Cognito (case, the preferred_username alias), RevokeToken and
GetTokensFromRefreshToken."""

from __future__ import annotations

import uuid

import jwt
import pytest

from emulator.local_aws.bootstrap import app_client_kwargs

PASSWORD = "Corr3ct-Horse!"


@pytest.fixture
def user(cognito, pool):
    """A confirmed user with a mixed-case name."""
    pool_id, _ = pool
    username = f"Mixed{uuid.uuid4().hex[:8]}"
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": f"{username.lower()}@example.com"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    return username


def sign_in(cognito, client_id, name, password=PASSWORD):
    return cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": password}
    )["AuthenticationResult"]


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def test_sign_in_ignores_the_case_of_the_user_name(cognito, pool, user):
    # GIVEN a user named in mixed case, in a case-insensitive pool
    _, client_id = pool

    # WHEN the user signs in with the name in another case
    tokens = sign_in(cognito, client_id, user.upper())

    # THEN the tokens are the real user's
    assert claims(tokens["IdToken"])["cognito:username"] == user


def test_sign_in_with_the_preferred_username_alias(cognito, pool, user):
    # GIVEN a user renamed through the preferred_username alias
    pool_id, client_id = pool
    alias = f"alias{uuid.uuid4().hex[:8]}"
    cognito.admin_update_user_attributes(
        UserPoolId=pool_id, Username=user, UserAttributes=[{"Name": "preferred_username", "Value": alias}]
    )

    # WHEN the user signs in with the alias, in another case
    tokens = sign_in(cognito, client_id, alias.upper())

    # THEN the tokens are the user's, and admin calls accept the alias as well
    assert claims(tokens["IdToken"])["cognito:username"] == user
    assert cognito.admin_get_user(UserPoolId=pool_id, Username=alias)["Username"] == user


def test_a_preferred_username_another_user_has_is_refused(cognito, pool, user):
    # GIVEN a user who took an alias
    pool_id, _ = pool
    alias = f"taken{uuid.uuid4().hex[:8]}"
    cognito.admin_update_user_attributes(
        UserPoolId=pool_id, Username=user, UserAttributes=[{"Name": "preferred_username", "Value": alias}]
    )
    other = f"other{uuid.uuid4().hex[:8]}"
    cognito.admin_create_user(UserPoolId=pool_id, Username=other, MessageAction="SUPPRESS")

    # WHEN another user asks for the same alias in another case
    with pytest.raises(cognito.exceptions.AliasExistsException):
        cognito.admin_update_user_attributes(
            UserPoolId=pool_id, Username=other, UserAttributes=[{"Name": "preferred_username", "Value": alias.upper()}]
        )

    # THEN the other user keeps no alias, and the first user may set its own alias again
    attributes = cognito.admin_get_user(UserPoolId=pool_id, Username=other)["UserAttributes"]
    assert "preferred_username" not in {a["Name"] for a in attributes}
    cognito.admin_update_user_attributes(
        UserPoolId=pool_id, Username=user, UserAttributes=[{"Name": "preferred_username", "Value": alias}]
    )


def test_signing_up_a_name_that_differs_only_by_case_is_refused(cognito, pool, user):
    # GIVEN an existing user
    _, client_id = pool

    # WHEN someone signs up with the same name in another case
    # THEN Cognito says the user exists
    with pytest.raises(cognito.exceptions.UsernameExistsException):
        cognito.sign_up(
            ClientId=client_id,
            Username=user.lower(),
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "someone@example.com"}],
        )


def test_a_case_sensitive_pool_keeps_names_apart(cognito):
    # GIVEN a pool created without the project's settings (Cognito's default: case-sensitive)
    pool_id = cognito.create_user_pool(PoolName=f"plain-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    cognito.admin_create_user(UserPoolId=pool_id, Username="Casey", MessageAction="SUPPRESS")

    # WHEN the name is looked up in another case
    # THEN it is another (unknown) user
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool_id, Username="casey")


def test_a_revoked_refresh_token_no_longer_refreshes(cognito, pool, user):
    # GIVEN a signed-in user whose refresh token works
    _, client_id = pool
    tokens = sign_in(cognito, client_id, user)
    refresh = {"REFRESH_TOKEN": tokens["RefreshToken"]}
    assert cognito.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)[
        "AuthenticationResult"
    ]["AccessToken"]

    # WHEN the refresh token is revoked
    cognito.revoke_token(ClientId=client_id, Token=tokens["RefreshToken"])

    # THEN refreshing with it is refused, and the access token issued with it no longer works
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        cognito.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
    assert raised.value.response["Error"]["Message"] == "Refresh Token has been revoked"
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.get_user(AccessToken=tokens["AccessToken"])


def test_revoking_leaves_other_sessions_alone(cognito, pool, user):
    # GIVEN two sessions of the same user
    _, client_id = pool
    first, second = sign_in(cognito, client_id, user), sign_in(cognito, client_id, user)

    # WHEN the first session's refresh token is revoked
    cognito.revoke_token(ClientId=client_id, Token=first["RefreshToken"])

    # THEN the second session still refreshes and its access token still works
    out = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": second["RefreshToken"]}
    )
    assert out["AuthenticationResult"]["AccessToken"]
    assert cognito.get_user(AccessToken=second["AccessToken"])["Username"] == user


def test_an_access_token_cannot_be_revoked_as_a_refresh_token(cognito, pool, user):
    # GIVEN a signed-in user
    _, client_id = pool
    tokens = sign_in(cognito, client_id, user)

    # WHEN the access token is passed to RevokeToken
    # THEN Cognito refuses the token type
    with pytest.raises(cognito.exceptions.UnsupportedTokenTypeException):
        cognito.revoke_token(ClientId=client_id, Token=tokens["AccessToken"])


def test_an_unknown_refresh_token_is_invalid(cognito, pool):
    # GIVEN / WHEN a refresh is attempted with a token the pool never issued
    # THEN Cognito says the token is invalid (not that it was revoked)
    _, client_id = pool
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        cognito.initiate_auth(
            ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": str(uuid.uuid4())}
        )
    assert raised.value.response["Error"]["Message"] == "Invalid Refresh Token"


def test_get_tokens_from_refresh_token_issues_new_tokens_for_the_same_user(cognito, pool, user):
    # GIVEN a signed-in user
    _, client_id = pool
    tokens = sign_in(cognito, client_id, user)

    # WHEN the app refreshes the way Amplify JS does
    out = cognito.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=tokens["RefreshToken"])

    # THEN it gets a new ID and access token for the same user (and no new refresh token: rotation is off)
    result = out["AuthenticationResult"]
    assert claims(result["IdToken"])["cognito:username"] == user
    assert cognito.get_user(AccessToken=result["AccessToken"])["Username"] == user
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] > 0
    assert "RefreshToken" not in result


def test_get_tokens_from_refresh_token_refuses_a_token_revoked_by_global_sign_out(cognito, pool, user):
    # GIVEN a signed-in user who then signs out everywhere
    _, client_id = pool
    tokens = sign_in(cognito, client_id, user)
    cognito.global_sign_out(AccessToken=tokens["AccessToken"])

    # WHEN the refresh token is used
    # THEN Cognito says it was revoked
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        cognito.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=tokens["RefreshToken"])
    assert raised.value.response["Error"]["Message"] == "Refresh Token has been revoked"


def test_get_tokens_from_refresh_token_refuses_unknown_and_foreign_tokens(cognito, pool, user):
    # GIVEN a token the pool never issued, and a real one issued to another app client of the pool
    pool_id, client_id = pool
    other = cognito.create_user_pool_client(**app_client_kwargs(pool_id, "other"))["UserPoolClient"]["ClientId"]
    foreign = sign_in(cognito, other, user)["RefreshToken"]

    # WHEN either is used with this client
    # THEN both are invalid
    for token in (str(uuid.uuid4()), foreign):
        with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
            cognito.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=token)
        assert raised.value.response["Error"]["Message"] == "Invalid Refresh Token"
