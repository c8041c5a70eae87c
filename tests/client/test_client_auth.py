from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from client.auth import CognitoAuth, TokenCache, default_cache_path
from client.errors import AuthError, LoginRequired
from client.outputs import AmplifyOutputs


def cache_document(auth: CognitoAuth) -> dict[str, Any]:
    return json.loads(auth.cache.path.read_text(encoding="utf-8"))


def set_cached_expiry(auth: CognitoAuth, username: str, expires_at: datetime) -> None:
    """Simulate the passage of time by editing the cache, as a user could."""
    document = cache_document(auth)
    document["user_pools"][auth.user_pool_id][username]["expires_at"] = expires_at.isoformat()
    auth.cache.path.write_text(json.dumps(document), encoding="utf-8")


def test_sign_in_caches_the_session_in_a_private_file(outputs: AmplifyOutputs, cognito: Any, tmp_path: Path) -> None:
    # GIVEN a confirmed user in the local user pool
    auth = CognitoAuth(outputs)

    # WHEN they sign in with USER_PASSWORD_AUTH
    session = auth.sign_in("alice", cognito.password)

    # THEN the tokens are cached under $UGC_CONFIG_DIR, readable by the owner only
    assert auth.cache.path == tmp_path / "config" / "tokens.json"
    assert stat.S_IMODE(auth.cache.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(auth.cache.path.parent.stat().st_mode) == 0o700
    cached = cache_document(auth)["user_pools"][cognito.user_pool_id]["alice"]
    assert cached["id_token"] == session.tokens.id_token
    assert cached["refresh_token"] == session.tokens.refresh_token
    # AND the expiry is Cognito's ExpiresIn from now
    assert timedelta(minutes=55) < session.tokens.expires_at - datetime.now(UTC) <= timedelta(hours=1)
    # AND the id token names the user
    assert session.claims()["cognito:username"] == "alice"


def test_token_for_returns_the_cached_id_token_while_it_is_valid(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN alice signed in
    session = CognitoAuth(outputs).sign_in("alice", cognito.password)

    # WHEN another process (a new CognitoAuth on the same cache) asks for her token
    token = CognitoAuth(outputs).token_for("alice")

    # THEN it is the cached id token, with no new sign-in
    assert token == session.tokens.id_token


@pytest.mark.parametrize("expires_in", [timedelta(hours=-1), timedelta(seconds=30)])
def test_an_expiring_session_is_refreshed_with_the_refresh_token(
    outputs: AmplifyOutputs, cognito: Any, expires_in: timedelta
) -> None:
    # GIVEN alice's cached tokens expired, or expire within the 60 s margin
    auth = CognitoAuth(outputs)
    first = auth.sign_in("alice", cognito.password)
    set_cached_expiry(auth, "alice", datetime.now(UTC) + expires_in)

    # WHEN a token is asked for
    token = auth.token_for("alice")

    # THEN REFRESH_TOKEN_AUTH issued new tokens: the cache holds a fresh expiry and the returned
    # id token, and keeps the refresh token (Cognito does not return one on refresh)
    refreshed = auth.cache.get(cognito.user_pool_id, "alice")
    assert refreshed is not None
    assert refreshed.tokens.id_token == token
    assert refreshed.tokens.expires_at > datetime.now(UTC) + timedelta(minutes=55)
    assert refreshed.tokens.refresh_token == first.tokens.refresh_token
    assert refreshed.signed_in_at == first.signed_in_at


def test_a_wrong_password_is_an_auth_error_with_cognitos_message(outputs: AmplifyOutputs) -> None:
    # GIVEN alice exists WHEN she signs in with a wrong password
    with pytest.raises(AuthError) as raised:
        CognitoAuth(outputs).sign_in("alice", "not-her-password")

    # THEN the error carries Cognito's code and message, and nothing is cached
    assert raised.value.code == "NotAuthorizedException"
    assert "Incorrect username or password" in str(raised.value)
    assert not default_cache_path().exists()


def test_an_unknown_user_is_an_auth_error(outputs: AmplifyOutputs) -> None:
    # GIVEN no user called mallory WHEN she signs in THEN Cognito's refusal is an AuthError
    with pytest.raises(AuthError) as raised:
        CognitoAuth(outputs).sign_in("mallory", "Whatever-1!")
    assert raised.value.code == "UserNotFoundException"


def test_an_unconfirmed_user_is_told_so(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN bob signed up but never confirmed his e-mail
    cognito.admin.sign_up(ClientId=cognito.client_id, Username="bob", Password=cognito.password)

    # WHEN he signs in THEN the error says he is not confirmed
    with pytest.raises(AuthError) as raised:
        CognitoAuth(outputs).sign_in("bob", cognito.password)
    assert raised.value.code == "UserNotConfirmedException"
    assert "not confirmed" in str(raised.value)


def test_a_challenge_the_cli_cannot_answer_is_explained(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN carol was created by an admin with a temporary password
    cognito.admin.admin_create_user(
        UserPoolId=cognito.user_pool_id,
        Username="carol",
        TemporaryPassword=cognito.password,
        MessageAction="SUPPRESS",
    )

    # WHEN she signs in THEN the error names the challenge instead of failing obscurely
    with pytest.raises(AuthError, match="NEW_PASSWORD_REQUIRED") as raised:
        CognitoAuth(outputs).sign_in("carol", cognito.password)
    assert raised.value.code == "NEW_PASSWORD_REQUIRED"


def test_token_for_without_a_session_tells_the_user_to_log_in(outputs: AmplifyOutputs) -> None:
    # GIVEN nobody signed in WHEN a token is asked for THEN the error says which command fixes it
    with pytest.raises(LoginRequired, match="run `ugc login alice`"):
        CognitoAuth(outputs).token_for("alice")


def test_a_refresh_that_cognito_refuses_tells_the_user_to_log_in_again(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN alice's session expired and was signed out everywhere (her refresh token is revoked)
    auth = CognitoAuth(outputs)
    auth.sign_in("alice", cognito.password)
    cognito.admin.admin_user_global_sign_out(UserPoolId=cognito.user_pool_id, Username="alice")
    set_cached_expiry(auth, "alice", datetime.now(UTC) - timedelta(minutes=1))

    # WHEN a token is asked for THEN the error carries Cognito's reason and says to log in again
    with pytest.raises(LoginRequired, match=r"could not be refreshed.*run `ugc login alice`") as raised:
        auth.token_for("alice")
    assert raised.value.username == "alice"


def test_sessions_are_kept_per_user_pool_and_per_user(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN alice and dave signed in to the local pool, dave last
    cognito.add_user("dave")
    auth = CognitoAuth(outputs)
    alice = auth.sign_in("alice", cognito.password)
    dave = auth.sign_in("dave", cognito.password)

    # THEN each has their own tokens, dave is the most recent user, and another pool knows neither
    assert auth.token_for("alice") == alice.tokens.id_token
    assert auth.token_for("dave") == dave.tokens.id_token
    assert auth.last_user() == "dave"
    assert auth.cache.get("us-east-1_OtherPool", "alice") is None
    assert auth.cache.last_signed_in("us-east-1_OtherPool") is None


def test_sign_out_revokes_the_refresh_token_and_forgets_the_session(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN alice signed in
    auth = CognitoAuth(outputs)
    refresh_token = auth.sign_in("alice", cognito.password).tokens.refresh_token

    # WHEN she signs out (twice)
    first, second = auth.sign_out("alice"), auth.sign_out("alice")

    # THEN her tokens are gone, the second sign-out had nothing to forget, and Cognito no longer
    # accepts her refresh token
    assert (first, second) == (True, False)
    assert auth.cache.get(cognito.user_pool_id, "alice") is None
    assert auth.last_user() is None
    with pytest.raises(LoginRequired):
        auth.token_for("alice")
    with pytest.raises(cognito.admin.exceptions.NotAuthorizedException):
        cognito.admin.initiate_auth(
            ClientId=cognito.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
        )


def test_a_damaged_cache_costs_a_login_not_a_crash(outputs: AmplifyOutputs, cognito: Any) -> None:
    # GIVEN a token cache that is not JSON
    cache = TokenCache()
    cache.path.parent.mkdir(parents=True)
    cache.path.write_text("{truncated", encoding="utf-8")
    auth = CognitoAuth(outputs, cache=cache)

    # WHEN a token is asked for THEN the user is asked to log in
    with pytest.raises(LoginRequired):
        auth.token_for("alice")

    # AND signing in replaces the damaged file
    session = auth.sign_in("alice", cognito.password)
    assert auth.token_for("alice") == session.tokens.id_token
