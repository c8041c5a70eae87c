"""USER_SRP_AUTH on the local Cognito, driven by a real SRP client (pycognito's, the same exchange
Amplify Auth's default `signIn` runs): the password is proven, never sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import time
import uuid
from collections.abc import Callable, Iterator

import jwt
import pytest
from pycognito.aws_srp import AWSSRP

from emulator.local_aws.bootstrap import app_client_kwargs, user_pool_kwargs
from emulator.local_aws.services import cognito_srp
from emulator.local_aws.state import PROCESS_STATE
from infra.definitions import AppClientDefinition, UserPoolDefinition

PASSWORD = "Corr3ct-Horse!"
NEW_PASSWORD = "Batt3ry-Staple!"


def new_name(prefix: str = "srp") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def create_user(cognito, pool_id, username, password=PASSWORD, *, permanent=True, **attributes):
    """A user an administrator created with a verified e-mail address (and any other attributes given):
    confirmed with `password`, or with it as a temporary password (`permanent=False`)."""
    email = f"{username.lower()}@example.com" if "@" not in username else username
    given = {"email": email, "email_verified": "true", **attributes}
    created = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": k, "Value": v} for k, v in given.items()],
        MessageAction="SUPPRESS",
        **({} if permanent else {"TemporaryPassword": password}),
    )["User"]
    if permanent:
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    return created


def signed_up(cognito, client_id, password=PASSWORD):
    """A user who signed up themselves (not confirmed yet): their username."""
    username = new_name()
    cognito.sign_up(
        ClientId=client_id,
        Username=username,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )
    return username


@pytest.fixture
def user(cognito, pool):
    username = new_name()
    create_user(cognito, pool[0], username)
    return username


@pytest.fixture(scope="module")
def alias_pool(local_aws_client):
    """A pool where the e-mail address signs in too, with a public client and one with a secret:
    (pool id, public client id, secret client id, its secret)."""
    cognito = local_aws_client("cognito-idp")
    definition = UserPoolDefinition(sign_in_aliases=("username", "email", "preferred_username"))
    pool_id = cognito.create_user_pool(**user_pool_kwargs(new_name("aliases"), definition))["UserPool"]["Id"]
    public = cognito.create_user_pool_client(**app_client_kwargs(pool_id, "web"))["UserPoolClient"]["ClientId"]
    confidential = cognito.create_user_pool_client(
        **app_client_kwargs(pool_id, "server", AppClientDefinition(generate_secret=True))
    )["UserPoolClient"]
    return pool_id, public, confidential["ClientId"], confidential["ClientSecret"]


def srp(cognito, pool, name, password=PASSWORD, **options) -> AWSSRP:
    pool_id, client_id = pool[0], pool[1]
    return AWSSRP(username=name, password=password, pool_id=pool_id, client_id=client_id, client=cognito, **options)


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


def signed_at(client: AWSSRP, parameters: dict, timestamp: str) -> dict:
    """The client's answer, signed over `timestamp` instead of the current time."""
    user_id = parameters["USER_ID_FOR_SRP"]
    key = client.get_password_authentication_key(
        user_id, client.password, int(parameters["SRP_B"], 16), parameters["SALT"]
    )
    message = (
        client.pool_id.split("_")[1].encode()
        + user_id.encode()
        + base64.b64decode(parameters["SECRET_BLOCK"])
        + timestamp.encode()
    )
    return {
        "USERNAME": parameters["USERNAME"],
        "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
        "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode(),
        "TIMESTAMP": timestamp,
    }


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def error_message(raised) -> str:
    return str(raised.value.response["Error"]["Message"])


# --- signing in ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name_of", [lambda u: u, lambda u: u.upper()])
def test_srp_signs_in_by_name_in_any_case(cognito, pool, user, name_of):
    # GIVEN a confirmed user
    # WHEN they sign in with SRP, by their name in any case
    tokens = srp(cognito, pool, name_of(user)).authenticate_user()["AuthenticationResult"]
    # THEN they get tokens for themselves
    assert claims(tokens["IdToken"])["cognito:username"] == user
    assert cognito.get_user(AccessToken=tokens["AccessToken"])["Username"] == user


def test_srp_tokens_have_the_password_flows_shape(cognito, pool, user):
    # GIVEN tokens from an SRP sign-in and from a USER_PASSWORD_AUTH sign-in of the same user
    by_srp = srp(cognito, pool, user).authenticate_user()["AuthenticationResult"]
    by_password = cognito.initiate_auth(
        ClientId=pool[1], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD}
    )["AuthenticationResult"]
    # THEN both carry the same fields, and tokens with the same claims
    assert set(by_srp) == set(by_password) == {"IdToken", "AccessToken", "RefreshToken", "ExpiresIn", "TokenType"}
    assert by_srp["TokenType"] == "Bearer" and by_srp["ExpiresIn"] == by_password["ExpiresIn"]
    for token in ("IdToken", "AccessToken"):
        srp_claims, password_claims = claims(by_srp[token]), claims(by_password[token])
        assert set(srp_claims) == set(password_claims)
        assert srp_claims["sub"] == password_claims["sub"]


def test_the_challenge_names_the_internal_username_and_carries_no_session(cognito, pool, user):
    # WHEN a user starts SRP with their name in another case
    started = cognito.initiate_auth(
        ClientId=pool[1], AuthFlow="USER_SRP_AUTH", AuthParameters=srp(cognito, pool, user.upper()).get_auth_params()
    )
    parameters = started["ChallengeParameters"]
    # THEN the challenge names the user by their Cognito username (what the client hashes), with a real
    # 3072-bit B and a base64 secret block, and no Session (the secret block stands for it, as on Cognito)
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    assert "Session" not in started
    assert parameters["USER_ID_FOR_SRP"] == parameters["USERNAME"] == user
    assert 700 < len(parameters["SRP_B"]) <= 768
    assert base64.b64decode(parameters["SECRET_BLOCK"], validate=True)
    # AND the salt is written so that a client reading it as text and one reading it as a number agree
    assert parameters["SALT"] == cognito_srp.pad_hex(int(parameters["SALT"], 16))


def test_srp_signs_in_with_a_preferred_username_after_a_rename(cognito, pool, user):
    # GIVEN a user renamed through the preferred_username alias (as the API's changeUsername does)
    pool_id, _ = pool
    alias = new_name("renamed")
    cognito.admin_update_user_attributes(
        UserPoolId=pool_id, Username=user, UserAttributes=[{"Name": "preferred_username", "Value": alias}]
    )
    # WHEN they sign in with SRP under the new name
    tokens = srp(cognito, pool, alias).authenticate_user()["AuthenticationResult"]
    # THEN it is them
    assert claims(tokens["IdToken"])["cognito:username"] == user


def test_srp_signs_in_with_the_email_alias(cognito, alias_pool):
    # GIVEN a user of a pool where a verified e-mail address signs in too
    pool_id, client_id, _, _ = alias_pool
    username = new_name()
    create_user(cognito, pool_id, username)
    # WHEN they sign in with SRP by their address
    client = srp(cognito, (pool_id, client_id), f"{username}@example.com")
    params = client.get_auth_params()
    started = cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    # THEN the challenge names their username, and answering it signs them in
    assert started["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    answer = client.process_challenge(started["ChallengeParameters"], params)
    tokens = respond(cognito, (pool_id, client_id), answer)["AuthenticationResult"]
    assert claims(tokens["IdToken"])["cognito:username"] == username


def test_where_the_email_is_the_username_the_challenge_names_the_users_id(cognito):
    # GIVEN a pool where the e-mail address replaces the username, so Cognito names users by an id
    definition = UserPoolDefinition(sign_in_aliases=("email",))
    pool_id = cognito.create_user_pool(**user_pool_kwargs(new_name("emails"), definition))["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(**app_client_kwargs(pool_id, "web"))["UserPoolClient"]["ClientId"]
    email = f"{new_name()}@example.com"
    created = create_user(cognito, pool_id, email)
    sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
    # WHEN the user signs in with SRP by their address
    _, parameters, answer = challenge(cognito, (pool_id, client_id), email)
    tokens = respond(cognito, (pool_id, client_id), answer)["AuthenticationResult"]
    # THEN the challenge names them by that id (their username, which here is the sub), and they are in
    assert parameters["USER_ID_FOR_SRP"] == created["Username"] == sub
    assert claims(tokens["IdToken"])["email"] == email


def test_srp_proves_whichever_password_the_user_has_now(cognito, pool):
    # GIVEN a user who signed up, was confirmed, then changed their password
    _, client_id = pool
    username = signed_up(cognito, client_id)
    cognito.admin_confirm_sign_up(UserPoolId=pool[0], Username=username)
    tokens = srp(cognito, pool, username).authenticate_user()["AuthenticationResult"]
    cognito.change_password(AccessToken=tokens["AccessToken"], PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)
    # WHEN they sign in with SRP
    # THEN the new password is proven, and the old one no longer is
    assert srp(cognito, pool, username, NEW_PASSWORD).authenticate_user()["AuthenticationResult"]["IdToken"]
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        srp(cognito, pool, username).authenticate_user()


def test_admin_initiate_auth_runs_srp_too(cognito, pool, user):
    # GIVEN a back end signing a user in with admin credentials and SRP
    pool_id, client_id = pool
    client = srp(cognito, pool, user)
    params = client.get_auth_params()
    # WHEN it starts and answers the challenge with the Admin operations
    started = cognito.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    answer = client.process_challenge(started["ChallengeParameters"], params)
    done = cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
    )
    # THEN the user is signed in
    assert claims(done["AuthenticationResult"]["IdToken"])["cognito:username"] == user


def test_a_temporary_password_leads_to_new_password_required(cognito, pool):
    # GIVEN a user an administrator created with a temporary password
    pool_id, client_id = pool
    username = new_name()
    create_user(cognito, pool_id, username, permanent=False)
    # WHEN they prove the temporary password with SRP
    _, _, answer = challenge(cognito, pool, username)
    step = respond(cognito, pool, answer)
    # THEN they must choose a new password, which signs them in
    assert step["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert claims(done["AuthenticationResult"]["IdToken"])["cognito:username"] == username
    # AND from then on SRP proves the new password
    assert srp(cognito, pool, username, NEW_PASSWORD).authenticate_user()["AuthenticationResult"]["IdToken"]


# --- refusals ------------------------------------------------------------------------------------
def test_a_wrong_password_is_refused_as_cognito_refuses_it(cognito, pool, user):
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        srp(cognito, pool, user, "Wr0ng-Horse!").authenticate_user()
    assert error_message(raised) == "Incorrect username or password."


def test_an_unknown_user_is_refused(cognito, pool, user):
    # GIVEN a name nobody has, and a real user's sub (which is not a name they sign in with)
    sub = cognito.admin_get_user(UserPoolId=pool[0], Username=user)["UserAttributes"]
    sub = next(a["Value"] for a in sub if a["Name"] == "sub")
    for name in (new_name("nobody"), sub):
        # WHEN either starts SRP
        # THEN Cognito says there is no such user
        with pytest.raises(cognito.exceptions.UserNotFoundException) as raised:
            srp(cognito, pool, name).authenticate_user()
        assert error_message(raised) == "User does not exist."


def test_an_unconfirmed_user_is_refused_until_confirmed(cognito, pool):
    # GIVEN a user who signed up and has not confirmed yet
    pool_id, client_id = pool
    username = signed_up(cognito, client_id)
    # WHEN they sign in with SRP
    # THEN Cognito says they are not confirmed (before any password is proven, as Cognito does)
    with pytest.raises(cognito.exceptions.UserNotConfirmedException):
        srp(cognito, pool, username).authenticate_user()
    # AND once confirmed, the password they signed up with signs them in
    cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)
    assert srp(cognito, pool, username).authenticate_user()["AuthenticationResult"]["IdToken"]


def test_a_disabled_user_is_refused(cognito, pool, user):
    cognito.admin_disable_user(UserPoolId=pool[0], Username=user)
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        srp(cognito, pool, user).authenticate_user()
    assert error_message(raised) == "User is disabled."


def test_a_user_without_a_password_cannot_prove_one(cognito, pool):
    # GIVEN a user created by an administrator without any password
    username = new_name()
    cognito.admin_create_user(UserPoolId=pool[0], Username=username, MessageAction="SUPPRESS")
    # WHEN a client claims the empty password
    # THEN it is refused like any wrong password
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        srp(cognito, pool, username, "").authenticate_user()
    assert error_message(raised) == "Incorrect username or password."


@pytest.mark.parametrize("srp_a", ["0", format(cognito_srp.N, "x"), format(2 * cognito_srp.N, "x"), "not-hex", "0x1f"])
def test_an_a_the_protocol_refuses_is_invalid(cognito, pool, user, srp_a):
    with pytest.raises(cognito.exceptions.InvalidParameterException) as raised:
        cognito.initiate_auth(
            ClientId=pool[1], AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": user, "SRP_A": srp_a}
        )
    assert error_message(raised) == "SRP_A is invalid"


def test_a_missing_a_is_named(cognito, pool, user):
    with pytest.raises(cognito.exceptions.InvalidParameterException) as raised:
        cognito.initiate_auth(ClientId=pool[1], AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": user})
    assert error_message(raised) == "Missing required parameter SRP_A"


def test_an_answer_is_accepted_once(cognito, pool, user):
    # GIVEN a correct answer to a challenge, used once
    _, _, answer = challenge(cognito, pool, user)
    assert respond(cognito, pool, answer)["AuthenticationResult"]["IdToken"]
    # WHEN it is replayed
    # THEN it proves nothing any more
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        respond(cognito, pool, answer)
    assert error_message(raised) == "Incorrect username or password."


def test_a_tampered_signature_is_refused_and_uses_the_challenge_up(cognito, pool, user):
    # GIVEN a correct answer, and the same answer with its signature altered
    _, _, answer = challenge(cognito, pool, user)
    signature = base64.b64decode(answer["PASSWORD_CLAIM_SIGNATURE"])
    tampered = base64.b64encode(bytes([signature[0] ^ 1]) + signature[1:]).decode()
    # WHEN the altered one is sent
    # THEN it is refused
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        respond(cognito, pool, {**answer, "PASSWORD_CLAIM_SIGNATURE": tampered})
    assert error_message(raised) == "Incorrect username or password."
    # AND the challenge is used up: the right answer afterwards is refused too
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        respond(cognito, pool, answer)


def test_a_secret_block_never_issued_is_refused(cognito, pool, user):
    _, _, answer = challenge(cognito, pool, user)
    forged = base64.b64encode(b"f" * 64).decode()
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        respond(cognito, pool, {**answer, "PASSWORD_CLAIM_SECRET_BLOCK": forged})
    assert error_message(raised) == "Incorrect username or password."


@pytest.mark.parametrize(
    "timestamp",
    [
        "Sat Dec 05 07:31:51 UTC 2026",  # the day zero-padded
        "Fri Dec 5 07:31:51 UTC 2026",  # the wrong weekday for that date
        "Sat Dec 5 7:31:51 UTC 2026",  # the hour unpadded
        "Sat Dec 5 07:31:51 GMT 2026",
        "2026-12-05T07:31:51Z",
    ],
)
def test_a_timestamp_not_written_as_the_clients_write_it_is_refused(cognito, pool, user, timestamp):
    # GIVEN an answer correctly signed, but over a timestamp in another form
    client, parameters, _ = challenge(cognito, pool, user)
    # WHEN it is sent
    # THEN it is refused
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        respond(cognito, pool, signed_at(client, parameters, timestamp))
    assert error_message(raised) == "Incorrect username or password."


def test_an_answer_signed_over_the_clients_own_timestamp_is_accepted(cognito, pool, user):
    # GIVEN an answer signed over a timestamp written as Amplify writes it (day unpadded)
    client, parameters, _ = challenge(cognito, pool, user)
    # WHEN it is sent
    # THEN it signs the user in
    assert respond(cognito, pool, signed_at(client, parameters, "Sat Dec 5 07:31:51 UTC 2026"))["AuthenticationResult"]


@pytest.fixture
def clock() -> Iterator[Callable[[float], None]]:
    """Moves the local Cognito's challenge clock forward (and puts it back afterwards)."""
    offset = [0.0]
    with PROCESS_STATE.store(cognito_srp.SrpStore) as store:
        original = store.clock
        store.clock = lambda: time.time() + offset[0]

    def advance(seconds: float) -> None:
        offset[0] += seconds

    try:
        yield advance
    finally:
        with PROCESS_STATE.store(cognito_srp.SrpStore) as store:
            store.clock = original


def test_a_challenge_answered_after_three_minutes_has_expired(cognito, pool, user, clock):
    # GIVEN two challenges, one answered within three minutes and one after
    _, _, in_time = challenge(cognito, pool, user)
    _, _, late = challenge(cognito, pool, user)
    clock(cognito_srp.CHALLENGE_SECONDS - 5)
    assert respond(cognito, pool, in_time)["AuthenticationResult"]["IdToken"]
    clock(10)
    # WHEN the late one is answered
    # THEN its session has expired
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        respond(cognito, pool, late)
    assert error_message(raised) == "Invalid session for the user, session is expired."


def test_an_answer_is_bound_to_the_client_that_started_it(cognito, pool, user):
    # GIVEN a correct answer to a challenge started through the pool's web client
    pool_id, _ = pool
    other = cognito.create_user_pool_client(**app_client_kwargs(pool_id, "other"))["UserPoolClient"]["ClientId"]
    _, _, answer = challenge(cognito, pool, user)
    # WHEN it is sent through another client
    # THEN it is refused
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        respond(cognito, (pool_id, other), answer)


# --- app clients with a secret -------------------------------------------------------------------
def test_a_client_with_a_secret_signs_in_by_alias_with_its_secret_hash(cognito, alias_pool):
    # GIVEN a user, and an app client with a secret
    pool_id, _, client_id, secret = alias_pool
    username = new_name()
    create_user(cognito, pool_id, username)
    # WHEN it signs the user in by e-mail with SRP, hashing the address on the way in and the username
    # on the way out, as the SDKs do
    client = AWSSRP(
        username=f"{username}@example.com",
        password=PASSWORD,
        pool_id=pool_id,
        client_id=client_id,
        client_secret=secret,
        client=cognito,
    )
    tokens = client.authenticate_user()["AuthenticationResult"]
    # THEN the user is signed in
    assert claims(tokens["IdToken"])["cognito:username"] == username


@pytest.mark.parametrize(
    ("secret_of", "message"),
    [
        (lambda secret: None, "is configured with secret but SECRET_HASH was not received"),
        (lambda secret: secret[::-1], "Unable to verify secret hash for client"),
    ],
)
def test_a_client_with_a_secret_must_prove_it(cognito, alias_pool, secret_of, message):
    # GIVEN an app client with a secret, and a caller without it
    pool_id, _, client_id, secret = alias_pool
    username = new_name()
    create_user(cognito, pool_id, username)
    client = AWSSRP(
        username=username,
        password=PASSWORD,
        pool_id=pool_id,
        client_id=client_id,
        client_secret=secret_of(secret),
        client=cognito,
    )
    # WHEN it starts SRP
    # THEN Cognito refuses the client
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match=message):
        client.authenticate_user()


# --- tokens after SRP ----------------------------------------------------------------------------
def refresh(cognito, client_id, token):
    return cognito.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": token}
    )["AuthenticationResult"]


@pytest.mark.parametrize("sign_out", ["GlobalSignOut", "AdminUserGlobalSignOut", "RevokeToken"])
def test_an_srp_session_refreshes_until_signed_out_or_revoked(cognito, pool, user, sign_out):
    # GIVEN tokens from an SRP sign-in, whose refresh token works
    pool_id, client_id = pool
    tokens = srp(cognito, pool, user).authenticate_user()["AuthenticationResult"]
    assert claims(refresh(cognito, client_id, tokens["RefreshToken"])["IdToken"])["cognito:username"] == user
    # WHEN the user signs out everywhere, an administrator signs them out, or the app revokes the token
    if sign_out == "GlobalSignOut":
        cognito.global_sign_out(AccessToken=tokens["AccessToken"])
    elif sign_out == "AdminUserGlobalSignOut":
        cognito.admin_user_global_sign_out(UserPoolId=pool_id, Username=user)
    else:
        cognito.revoke_token(ClientId=client_id, Token=tokens["RefreshToken"])
    # THEN the refresh token is refused as revoked, and so is Amplify's way of refreshing
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        refresh(cognito, client_id, tokens["RefreshToken"])
    assert error_message(raised) == "Refresh Token has been revoked"
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=tokens["RefreshToken"])


# --- the exchange itself -------------------------------------------------------------------------
def test_the_servers_key_is_the_clients_in_every_padding_case():
    # GIVEN many exchanges between pycognito's client arithmetic (the AWS SDKs' and Amplify's) and the
    # server's, over salts, B and u with and without their high bit set
    rng = random.Random(20261205)
    pool_id, user_id, password = "eu-west-1_AbCdEf123", "alice", PASSWORD
    high_bit = {"salt": set(), "B": set(), "u": set()}
    for _ in range(48):
        client = AWSSRP(username=user_id, password=password, pool_id=pool_id, client_id="client", client=object())
        client.small_a_value = rng.getrandbits(1024)
        client.large_a_value = client.calculate_a()
        salt = cognito_srp.pad_hex(rng.getrandbits(128))
        b = rng.getrandbits(1024)
        verifier = cognito_srp.verifier(salt, pool_id.split("_")[1], user_id, password)
        b_pub = cognito_srp.public_b(verifier, b)
        u = cognito_srp.scrambler(client.large_a_value, b_pub)
        # WHEN both derive the key
        server = cognito_srp.derived_key(client.large_a_value, b_pub, b, verifier)
        ours = client.get_password_authentication_key(user_id, password, b_pub, salt)
        # THEN they agree
        assert server == ours
        for name, value in (("salt", int(salt, 16)), ("B", b_pub), ("u", u)):
            high_bit[name].add(cognito_srp.pad_hex(value).startswith("00"))
    assert all(seen == {True, False} for seen in high_bit.values()), high_bit
