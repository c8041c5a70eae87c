"""Cognito user pools (cognito-idp) around moto: triggers, codes and mail, sign-in names, RevokeToken,
GetTokensFromRefreshToken.

moto creates, confirms and signs in users, but sends no codes (it accepts any), runs no triggers,
matches user names exactly and does not know RevokeToken or GetTokensFromRefreshToken. The handlers
here wrap moto's operations:

- Triggers, from the pool's LambdaConfig (bootstrap wires `infra.definitions.COGNITO_TRIGGERS`):
  PreSignUp before SignUp and AdminCreateUser create anything; PostConfirmation after ConfirmSignUp,
  AdminConfirmSignUp, ConfirmForgotPassword and a sign-up the PreSignUp trigger confirmed;
  PreAuthentication before InitiateAuth / AdminInitiateAuth with a user name and password; and
  CustomMessage shaping every e-mail, which then goes to the local outbox (`outbox.py`).
- Codes: six digits, one live code per user and purpose. Sign-up codes last 24 hours and password
  reset codes one hour, as Cognito's do; a new code replaces the previous one.
- Sign-in names: in a pool created case-insensitive, a name matches its user in any case; a value of
  an alias attribute (`preferred_username`; `email` / `phone_number` once verified) names its user.
  Every operation that takes a Username resolves it first, and a preferred_username already held by
  another user is refused (AliasExistsException).
- USER_SRP_AUTH (Amplify's default sign-in), through InitiateAuth and AdminInitiateAuth: a real
  SRP-6a exchange (`cognito_srp.py`) in place of moto's placeholders; the PASSWORD_VERIFIER claim is
  checked before moto issues the tokens, so they are the password flow's.
- SECRET_HASH, for app clients with a secret, checked in every sign-in flow that names a user.
- Refresh tokens: refused once revoked, signed out, used by another app client, or once their user
  is disabled or deleted.
- RevokeToken: the refresh token and the tokens issued with it stop working.
- GetTokensFromRefreshToken (how Amplify JS refreshes): the REFRESH_TOKEN_AUTH flow's tokens and
  refusals. No new refresh token comes back: that needs refresh token rotation, which the project's
  app client does not turn on.

Pools without a LambdaConfig, or a server without a function invoker, run no triggers; everything
else above still applies, because it is how Cognito itself behaves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser

from emulator.local_aws import outbox
from emulator.local_aws.messages import AwsRequest, AwsResponse, ServiceError
from emulator.local_aws.registry import HandlerContext, Registry
from emulator.local_aws.services import cognito_srp
from emulator.local_aws.services.cognito_pool import CONFIRMED, Pool, attribute_list, attribute_map, moto_call
from emulator.local_aws.services.cognito_triggers import (
    ADMIN_CLIENT_ID,
    CODE_PARAMETER,
    USERNAME_PARAMETER,
    Triggers,
)
from emulator.local_aws.specs import service_spec

SERVICE = "cognito-idp"
SIGN_UP_CODE_SECONDS = 24 * 3600
PASSWORD_CODE_SECONDS = 3600
CODE_DIGITS = 6
# Flows that name a user and prove a password: PreAuthentication runs before them.
PASSWORD_FLOWS = frozenset({"USER_PASSWORD_AUTH", "USER_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"})
REFRESH_FLOWS = frozenset({"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})
WRONG_CREDENTIALS = "Incorrect username or password."
# Cognito's texts when the pool defines none of its own.
DEFAULT_VERIFICATION = {"EmailSubject": "Your verification code", "EmailMessage": "Your verification code is {####}. "}
DEFAULT_INVITATION = {
    "EmailSubject": "Your temporary password",
    "EmailMessage": "Your username is {username} and temporary password is {####}. ",
}
# Operations handled below in their own way; every other Admin* call with a Username is only resolved.
_OWN_HANDLERS = frozenset({"AdminCreateUser", "AdminConfirmSignUp", "AdminUpdateUserAttributes", "AdminDeleteUser"})


class Purpose(StrEnum):
    SIGN_UP = "sign-up"
    RESET = "reset"


@dataclass(frozen=True)
class PendingCode:
    code: str
    issued: float


@dataclass
class CognitoStore:
    codes: dict[tuple[str, str, Purpose], PendingCode] = field(default_factory=dict)

    def issue(self, pool_id: str, username: str, purpose: Purpose) -> str:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self.codes[(pool_id, username, purpose)] = PendingCode(code, time.time())
        return code

    def check(self, pool_id: str, username: str, purpose: Purpose, given: str, lifetime: float) -> None:
        pending = self.codes.get((pool_id, username, purpose))
        if pending is None or not secrets.compare_digest(pending.code, given):
            raise ServiceError("CodeMismatchException", "Invalid verification code provided, please try again.")
        if time.time() - pending.issued > lifetime:
            raise ServiceError("ExpiredCodeException", "Invalid code provided, please request a code again.")

    def discard(self, pool_id: str, username: str, purpose: Purpose | None = None) -> None:
        for key in [k for k in self.codes if k[0] == pool_id and k[1] == username]:
            if purpose is None or key[2] == purpose:
                del self.codes[key]


def install(registry: Registry) -> None:
    registry.add(SERVICE, "SignUp", sign_up)
    registry.add(SERVICE, "ConfirmSignUp", confirm_sign_up)
    registry.add(SERVICE, "ResendConfirmationCode", resend_confirmation_code)
    registry.add(SERVICE, "ForgotPassword", forgot_password)
    registry.add(SERVICE, "ConfirmForgotPassword", confirm_forgot_password)
    registry.add(SERVICE, "InitiateAuth", initiate_auth)
    registry.add(SERVICE, "RespondToAuthChallenge", respond_to_auth_challenge)
    registry.add(SERVICE, "AdminRespondToAuthChallenge", respond_to_auth_challenge)
    registry.add(SERVICE, "AdminInitiateAuth", admin_initiate_auth)
    registry.add(SERVICE, "AdminCreateUser", admin_create_user)
    registry.add(SERVICE, "AdminConfirmSignUp", admin_confirm_sign_up)
    registry.add(SERVICE, "AdminUpdateUserAttributes", admin_update_user_attributes)
    registry.add(SERVICE, "UpdateUserAttributes", update_user_attributes)
    registry.add(SERVICE, "AdminDeleteUser", admin_delete_user)
    registry.add(SERVICE, "RevokeToken", revoke_token)
    registry.add(SERVICE, "GetTokensFromRefreshToken", get_tokens_from_refresh_token)
    for operation in _admin_operations_with_a_username():
        registry.add(SERVICE, operation, resolve_username)


def _admin_operations_with_a_username() -> list[str]:
    model = service_spec(SERVICE).model
    found = []
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        if name.startswith("Admin") and shape is not None and {"UserPoolId", "Username"} <= set(shape.members):
            found.append(name)
    return [name for name in found if name not in _OWN_HANDLERS]


# --- sign-up ---------------------------------------------------------------------------------------
def sign_up(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_client(params["ClientId"])
    if pool is None:
        return ctx.forward()  # moto's ResourceNotFoundException for the unknown client
    username = params["Username"]
    _refuse_taken(pool, username)
    attributes = attribute_map(params.get("UserAttributes"))
    triggers = Triggers(ctx.functions, pool, params["ClientId"])
    metadata = params.get("ClientMetadata")
    decided = triggers.pre_sign_up(
        "PreSignUp_SignUp", username, attributes, attribute_map(params.get("ValidationData")), metadata
    )
    verified = _auto_verified(decided, attributes)
    body = dict(params, UserAttributes=attribute_list({**attributes, **verified}))
    with ctx.state.store(CognitoStore):
        # Checked again under the lock: another sign-up may have taken the name while PreSignUp ran.
        _refuse_taken(pool, username)
        created = ctx.forward(body=_json(body))
    if not created.ok:
        return created
    user = _require(pool.by_sub(str(created.json_body()["UserSub"])))
    if decided.get("autoConfirmUser"):
        pool.confirm(user)
        triggers.post_confirmation("PostConfirmation_ConfirmSignUp", user.username, pool.attributes(user), metadata)
        return AwsResponse.json({"UserConfirmed": True, "UserSub": user.id})
    out: dict[str, Any] = {"UserConfirmed": False, "UserSub": user.id}
    details = _send_sign_up_code(ctx, pool, triggers, user, "CustomMessage_SignUp", metadata)
    if details is not None:
        out["CodeDeliveryDetails"] = details
    return AwsResponse.json(out)


def confirm_sign_up(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_client(params["ClientId"])
    if pool is None:
        return ctx.forward()
    user = _client_user(pool, params["Username"])
    if user.status == CONFIRMED:
        raise ServiceError("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
    with ctx.state.store(CognitoStore) as store:
        store.check(pool.id, user.username, Purpose.SIGN_UP, params["ConfirmationCode"], SIGN_UP_CODE_SECONDS)
        confirmed = ctx.forward(body=_json(dict(params, Username=user.username)))
        if not confirmed.ok:
            return confirmed
        store.discard(pool.id, user.username, Purpose.SIGN_UP)
    # The code went to the e-mail address, so confirming with it proves the address.
    if "email" in pool.auto_verified and user.attribute_lookup.get("email"):
        pool.set_attributes(user, {"email_verified": "true"})
    triggers = Triggers(ctx.functions, pool, params["ClientId"])
    triggers.post_confirmation(
        "PostConfirmation_ConfirmSignUp", user.username, pool.attributes(user), params.get("ClientMetadata")
    )
    return AwsResponse.json({})


def resend_confirmation_code(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_client(params["ClientId"])
    if pool is None:
        return ctx.forward()
    user = _client_user(pool, params["Username"])
    if user.status == CONFIRMED:
        raise ServiceError("InvalidParameterException", "User is already confirmed.")
    triggers = Triggers(ctx.functions, pool, params["ClientId"])
    details = _send_sign_up_code(ctx, pool, triggers, user, "CustomMessage_ResendCode", params.get("ClientMetadata"))
    if details is None:
        raise ServiceError(
            "InvalidParameterException", "Cannot resend codes. Auto verification not turned on or no email."
        )
    return AwsResponse.json({"CodeDeliveryDetails": details})


def _send_sign_up_code(
    ctx: HandlerContext,
    pool: Pool,
    triggers: Triggers,
    user: CognitoIdpUser,
    source: str,
    metadata: Mapping[str, str] | None,
) -> dict[str, str] | None:
    """A new sign-up code, mailed; None when the pool verifies no e-mail or the user has none."""
    if "email" not in pool.auto_verified or not user.attribute_lookup.get("email"):
        return None
    with ctx.state.store(CognitoStore) as store:
        code = store.issue(pool.id, user.username, Purpose.SIGN_UP)
    template = _template(pool.template("VerificationMessageTemplate"), DEFAULT_VERIFICATION)
    return _mail(ctx, pool, triggers, user, source, code, template, metadata)


# --- passwords -------------------------------------------------------------------------------------
def forgot_password(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_client(params["ClientId"])
    if pool is None:
        return ctx.forward()
    user = _client_user(pool, params["Username"])
    recovery = (pool.config.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    if recovery and min(recovery, key=lambda m: m.get("Priority", 0)).get("Name") == "admin_only":
        raise ServiceError("NotAuthorizedException", "Contact administrator to reset password.")
    if not user.attribute_lookup.get("email") or user.attribute_lookup.get("email_verified") != "true":
        raise ServiceError(
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email or phone_number",
        )
    with ctx.state.store(CognitoStore) as store:
        code = store.issue(pool.id, user.username, Purpose.RESET)
    triggers = Triggers(ctx.functions, pool, params["ClientId"])
    template = _template(pool.template("VerificationMessageTemplate"), DEFAULT_VERIFICATION)
    details = _mail(
        ctx, pool, triggers, user, "CustomMessage_ForgotPassword", code, template, params.get("ClientMetadata")
    )
    return AwsResponse.json({"CodeDeliveryDetails": details})


def confirm_forgot_password(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_client(params["ClientId"])
    if pool is None:
        return ctx.forward()
    user = _client_user(pool, params["Username"])
    with ctx.state.store(CognitoStore) as store:
        store.check(pool.id, user.username, Purpose.RESET, params["ConfirmationCode"], PASSWORD_CODE_SECONDS)
        # moto's ConfirmForgotPassword skips the password policy; AdminSetUserPassword applies it.
        pool.set_password(user, params["Password"])
        store.discard(pool.id, user.username, Purpose.RESET)
    triggers = Triggers(ctx.functions, pool, params["ClientId"])
    triggers.post_confirmation(
        "PostConfirmation_ConfirmForgotPassword", user.username, pool.attributes(user), params.get("ClientMetadata")
    )
    return AwsResponse.json({})


# --- sign-in ---------------------------------------------------------------------------------------
def initiate_auth(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_client(params["ClientId"])
    if pool is None:
        return ctx.forward()
    return _authenticate(request, ctx, pool, params["ClientId"])


def admin_initiate_auth(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_id(request.account_id, request.region, params["UserPoolId"])
    if pool is None:
        return ctx.forward()
    if params["ClientId"] not in pool.model.clients:
        raise _no_such_client(params["ClientId"])
    return _authenticate(request, ctx, pool, params["ClientId"])


def _authenticate(request: AwsRequest, ctx: HandlerContext, pool: Pool, client_id: str) -> AwsResponse:
    params = request.params
    flow = params["AuthFlow"]
    auth = dict(params.get("AuthParameters") or {})
    if flow in REFRESH_FLOWS:
        _check_refresh_token(pool, client_id, str(auth.get("REFRESH_TOKEN") or ""))
        return ctx.forward()
    srp = flow == "USER_SRP_AUTH"
    if srp:
        _required(auth, "USERNAME", "SRP_A")
    if flow not in PASSWORD_FLOWS or "USERNAME" not in auth:
        return ctx.forward()
    name = str(auth["USERNAME"])
    user = pool.find(name)
    _check_secret_hash(pool, client_id, auth.get("SECRET_HASH"), name, user)
    if user is None:
        if srp:
            raise ServiceError("UserNotFoundException", "User does not exist.")
        return ctx.forward()  # Cognito runs no trigger for unknown users; moto says UserNotFoundException
    a_pub = cognito_srp.public_a(str(auth["SRP_A"])) if srp else None
    if srp and a_pub is None:
        raise ServiceError("InvalidParameterException", "SRP_A is invalid")
    triggers = Triggers(ctx.functions, pool, client_id)
    triggers.pre_authentication(user.username, pool.attributes(user), params.get("ClientMetadata"))
    # moto matches names exactly, and checks SECRET_HASH over the name it is given: it gets the user's own.
    auth["USERNAME"] = user.username
    if "SECRET_HASH" in auth:
        auth["SECRET_HASH"] = _secret_hash(pool, client_id, user.username)
    if a_pub is None:
        return ctx.forward(body=_json(dict(params, AuthParameters=auth)))
    return _password_verifier(ctx, pool, client_id, user, a_pub, auth)


def _password_verifier(
    ctx: HandlerContext, pool: Pool, client_id: str, user: CognitoIdpUser, a_pub: int, auth: Mapping[str, Any]
) -> AwsResponse:
    """The PASSWORD_VERIFIER challenge: moto's USER_SRP_AUTH step checks the user's state (disabled,
    unconfirmed) and opens the session that issues the tokens later, exactly as its password flow
    does; a real SRP exchange replaces its placeholder parameters.

    moto's backend is called directly because its AdminInitiateAuth does not know the flow.
    """
    started = moto_call(lambda: pool.backend.initiate_auth(client_id, "USER_SRP_AUTH", dict(auth)))
    with ctx.state.store(cognito_srp.SrpStore) as store:
        issued = store.now()
    # Outside the lock: the 3072-bit arithmetic takes milliseconds other requests need not wait for.
    challenge, secret_block = cognito_srp.start(
        pool.id, client_id, user.username, user.password, a_pub, str(started["Session"]), issued
    )
    with ctx.state.store(cognito_srp.SrpStore) as store:
        store.add(secret_block, challenge)
    # Cognito sends no Session with this challenge: the SECRET_BLOCK stands for it.
    parameters = {
        "SALT": challenge.salt,
        "SECRET_BLOCK": secret_block,
        "SRP_B": format(challenge.b_pub, "x"),
        "USERNAME": user.username,
        "USER_ID_FOR_SRP": user.username,
    }
    return AwsResponse.json({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": parameters})


def respond_to_auth_challenge(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    """PASSWORD_VERIFIER: check the SRP claim, then let moto issue the tokens (or the next challenge,
    such as NEW_PASSWORD_REQUIRED) exactly as for the password flow. Other challenges go to moto."""
    params = request.params
    if params.get("ChallengeName") != "PASSWORD_VERIFIER":
        return ctx.forward()
    client_id = params["ClientId"]
    responses = dict(params.get("ChallengeResponses") or {})
    _required(responses, "USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP")
    block = str(responses["PASSWORD_CLAIM_SECRET_BLOCK"])
    with ctx.state.store(cognito_srp.SrpStore) as store:
        challenge = store.take(block)
        expired = challenge is not None and store.expired(challenge)
    pool = _pool_of_client(client_id)
    # A block this client was never given, or one already answered, proves nothing.
    if challenge is None or challenge.client_id != client_id or params.get("UserPoolId", pool.id) != pool.id:
        raise ServiceError("NotAuthorizedException", WRONG_CREDENTIALS)
    if expired:
        raise ServiceError("NotAuthorizedException", "Invalid session for the user, session is expired.")
    name = str(responses["USERNAME"])
    user = pool.find(name)
    _check_secret_hash(pool, client_id, responses.get("SECRET_HASH"), name, user)
    timestamp, signature = str(responses["TIMESTAMP"]), str(responses["PASSWORD_CLAIM_SIGNATURE"])
    if (
        user is None
        or user.username != challenge.user_id
        or not cognito_srp.canonical_timestamp(timestamp)
        or not challenge.accepts(block, timestamp, signature)
    ):
        raise ServiceError("NotAuthorizedException", WRONG_CREDENTIALS)
    if not user.enabled:  # disabled while the challenge was open
        raise ServiceError("NotAuthorizedException", "User is disabled.")
    responses.update(PASSWORD_CLAIM_SECRET_BLOCK=challenge.session, USERNAME=user.username)
    responses.pop("SECRET_HASH", None)
    return ctx.forward(body=_json(dict(params, ChallengeResponses=responses, Session=challenge.session)))


def _required(values: Mapping[str, Any], *names: str) -> None:
    for name in names:
        if not values.get(name):
            raise ServiceError("InvalidParameterException", f"Missing required parameter {name}")


def _secret_hash(pool: Pool, client_id: str, username: str) -> str:
    """Base64 HMAC-SHA256 of username + client id under the app client's secret, as clients compute it."""
    secret = str(pool.model.clients[client_id].secret)
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _check_secret_hash(pool: Pool, client_id: str, given: Any, name: str, user: CognitoIdpUser | None) -> None:
    """An app client with a secret must prove it: SECRET_HASH over the name the call gives (a client
    signing in by an alias hashes the alias), or over the user's own name."""
    client = pool.model.clients.get(client_id)
    if client is None or not client.generate_secret:
        return
    if not given:
        raise ServiceError(
            "NotAuthorizedException", f"Client {client_id} is configured with secret but SECRET_HASH was not received"
        )
    names = {name} | ({user.username} if user is not None else set())
    if not any(hmac.compare_digest(_secret_hash(pool, client_id, n), str(given)) for n in names):
        raise ServiceError("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}")


def _check_refresh_token(pool: Pool, client_id: str, token: str) -> None:
    """Cognito's refusals of a refresh token; moto would refresh a token of another app client, and
    fail on one of a user since deleted."""
    if token not in pool.model.refresh_tokens:
        raise ServiceError("NotAuthorizedException", "Invalid Refresh Token")
    issued = pool.model.refresh_tokens[token]
    if issued is None:
        raise ServiceError("NotAuthorizedException", "Refresh Token has been revoked")
    if issued[0] != client_id:
        raise ServiceError("NotAuthorizedException", "Invalid Refresh Token")
    user = pool.find(issued[1], aliases=False)
    if user is None:
        raise ServiceError("NotAuthorizedException", "User does not exist.")
    if not user.enabled:
        raise ServiceError("NotAuthorizedException", "User is disabled.")


def _no_such_client(client_id: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")


def _pool_of_client(client_id: str) -> Pool:
    pool = Pool.of_client(client_id)
    if pool is None:
        raise _no_such_client(client_id)
    return pool


def get_tokens_from_refresh_token(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    client_id, token = params["ClientId"], params["RefreshToken"]
    pool = _pool_of_client(client_id)
    _check_refresh_token(pool, client_id, token)
    access_token, id_token, expires_in = moto_call(lambda: pool.model.create_tokens_from_refresh_token(token))
    result = {"AccessToken": access_token, "IdToken": id_token, "ExpiresIn": expires_in, "TokenType": "Bearer"}
    return AwsResponse.json({"AuthenticationResult": result})


def revoke_token(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    client_id, token = params["ClientId"], params["Token"]
    pool = _pool_of_client(client_id)
    if token in pool.model.access_tokens or token in pool.model.id_tokens:
        raise ServiceError("UnsupportedTokenTypeException", "Unsupported token type")
    with ctx.state.store(CognitoStore):
        issued = pool.model.refresh_tokens.get(token)
        if issued is not None and issued[0] != client_id:
            raise ServiceError("UnauthorizedException", "Refresh token was not issued to this client")
        # A token the pool never issued (or already revoked) has nothing left to revoke: success, as
        # OAuth token revocation (RFC 7009) answers.
        if token in pool.model.refresh_tokens:
            pool.revoke(token)
    return AwsResponse.json({})


# --- administration --------------------------------------------------------------------------------
def admin_create_user(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_id(request.account_id, request.region, params["UserPoolId"])
    if pool is None:
        return ctx.forward()
    username = params["Username"]
    if params.get("MessageAction") == "RESEND":
        existing = pool.find(username)
        body = dict(params, Username=existing.username) if existing else params
        return ctx.forward(body=_json(body))
    _refuse_taken(pool, username)
    attributes = attribute_map(params.get("UserAttributes"))
    metadata = params.get("ClientMetadata")
    triggers = Triggers(ctx.functions, pool, ADMIN_CLIENT_ID)
    decided = triggers.pre_sign_up(
        "PreSignUp_AdminCreateUser", username, attributes, attribute_map(params.get("ValidationData")), metadata
    )
    body = dict(params, UserAttributes=attribute_list({**attributes, **_auto_verified(decided, attributes)}))
    invite = (
        params.get("MessageAction") != "SUPPRESS"
        and "EMAIL" in (params.get("DesiredDeliveryMediums") or [])
        and bool(attributes.get("email"))
    )
    if invite and not params.get("TemporaryPassword"):
        # Cognito makes up the temporary password it mails; moto would leave the user without one.
        body["TemporaryPassword"] = _temporary_password(pool)
    with ctx.state.store(CognitoStore):
        _refuse_taken(pool, username)
        created = ctx.forward(body=_json(body))
    if not created.ok or not invite:
        return created
    user = _require(pool.find(username, aliases=False))
    template = _template(pool.template("AdminCreateUserConfig").get("InviteMessageTemplate"), DEFAULT_INVITATION)
    _mail(ctx, pool, triggers, user, "CustomMessage_AdminCreateUser", body["TemporaryPassword"], template, metadata)
    return created


def admin_confirm_sign_up(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_id(request.account_id, request.region, params["UserPoolId"])
    user = pool.find(params["Username"]) if pool else None
    if pool is None or user is None:
        return ctx.forward()
    if user.status == CONFIRMED:
        raise ServiceError("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
    confirmed = ctx.forward(body=_json(dict(params, Username=user.username)))
    if not confirmed.ok:
        return confirmed
    with ctx.state.store(CognitoStore) as store:
        store.discard(pool.id, user.username, Purpose.SIGN_UP)
    triggers = Triggers(ctx.functions, pool, ADMIN_CLIENT_ID)
    triggers.post_confirmation(
        "PostConfirmation_ConfirmSignUp", user.username, pool.attributes(user), params.get("ClientMetadata")
    )
    return confirmed


def admin_update_user_attributes(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_id(request.account_id, request.region, params["UserPoolId"])
    user = pool.find(params["Username"]) if pool else None
    if pool is None or user is None:
        return ctx.forward()
    with ctx.state.store(CognitoStore):
        # Held from the check to the write, so two renames cannot both take the same alias.
        _refuse_alias_taken(pool, user, attribute_map(params.get("UserAttributes")))
        return ctx.forward(body=_json(dict(params, Username=user.username)))


def update_user_attributes(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    found = Pool.of_access_token(request.params["AccessToken"])
    if found is None:
        return ctx.forward()
    pool, username = found
    user = pool.find(username, aliases=False)
    if user is None:
        return ctx.forward()
    with ctx.state.store(CognitoStore):
        _refuse_alias_taken(pool, user, attribute_map(request.params.get("UserAttributes")))
        return ctx.forward()


def admin_delete_user(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    pool = Pool.of_id(request.account_id, request.region, params["UserPoolId"])
    user = pool.find(params["Username"]) if pool else None
    if pool is None or user is None:
        return ctx.forward()
    with ctx.state.store(CognitoStore) as store:
        deleted = ctx.forward(body=_json(dict(params, Username=user.username)))
        if deleted.ok:
            # A later user of the same name must not inherit this one's codes.
            store.discard(pool.id, user.username)
    return deleted


def resolve_username(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    """Any other Admin* call: the Username may be another case or an alias of the real one."""
    params = request.params
    pool = Pool.of_id(request.account_id, request.region, params["UserPoolId"])
    user = pool.find(params["Username"]) if pool else None
    if user is None or user.username == params["Username"]:
        return ctx.forward()
    return ctx.forward(body=_json(dict(params, Username=user.username)))


# --- helpers ---------------------------------------------------------------------------------------
def _mail(
    ctx: HandlerContext,
    pool: Pool,
    triggers: Triggers,
    user: CognitoIdpUser,
    source: str,
    code: str,
    template: Mapping[str, str],
    metadata: Mapping[str, str] | None,
) -> dict[str, str]:
    """Let CustomMessage shape the e-mail carrying `code`, put it in the outbox, and describe the
    delivery as CodeDeliveryDetails."""
    email = str(user.attribute_lookup["email"])
    shaped = triggers.custom_message(source, user.username, pool.attributes(user), metadata)
    subject = str(shaped.get("emailSubject") or template["EmailSubject"])
    body = str(shaped.get("emailMessage") or template["EmailMessage"])
    message = body.replace(CODE_PARAMETER, code).replace(USERNAME_PARAMETER, user.username)
    outbox.send(
        ctx.state,
        outbox.Mail(
            to=email, username=user.username, trigger_source=source, subject=subject, message=message, code=code
        ),
    )
    return {"Destination": _masked(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _template(configured: Any, defaults: Mapping[str, str]) -> dict[str, str]:
    """The pool's message template, Cognito's default text for whatever it leaves out."""
    own = {k: str(v) for k, v in (configured or {}).items() if v} if isinstance(configured, Mapping) else {}
    return {**defaults, **own}


def _masked(email: str) -> str:
    # Cognito shows the first character of the mailbox and of the domain.
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _auto_verified(decided: Mapping[str, Any], attributes: Mapping[str, str]) -> dict[str, str]:
    """The *_verified attributes a PreSignUp response sets (only for attributes the user has)."""
    verified = {}
    if decided.get("autoVerifyEmail") and attributes.get("email"):
        verified["email_verified"] = "true"
    if decided.get("autoVerifyPhone") and attributes.get("phone_number"):
        verified["phone_number_verified"] = "true"
    return verified


def _refuse_taken(pool: Pool, username: str) -> None:
    if pool.find(username, aliases=False) is not None:
        raise ServiceError("UsernameExistsException", "User already exists")


def _refuse_alias_taken(pool: Pool, user: CognitoIdpUser, attributes: Mapping[str, str]) -> None:
    for attribute in pool.aliases:
        value = attributes.get(attribute)
        if value and pool.alias_owner(attribute, value, excluding=user) is not None:
            raise ServiceError("AliasExistsException", f"An account with the given {attribute} already exists.")


def _client_user(pool: Pool, name: str) -> CognitoIdpUser:
    """The user an app-client call names; Cognito's not-found answer for those calls."""
    user = pool.find(name)
    if user is None:
        raise ServiceError("UserNotFoundException", "Username/client id combination not found.")
    return user


def _require(user: CognitoIdpUser | None) -> CognitoIdpUser:
    if user is None:
        # moto reported success but has no such user: a moto change the handlers do not know about.
        raise RuntimeError("moto created a user it cannot find")
    return user


def _temporary_password(pool: Pool) -> str:
    policy = (pool.config.get("Policies") or {}).get("PasswordPolicy") or {}
    length = max(int(policy.get("MinimumLength", 8)), 12)
    alphabet = string.ascii_letters + string.digits
    # One of each class the strictest policy asks for, then random characters.
    core = [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
        secrets.choice("!#%&*+-=?@^_"),
    ]
    return "".join(core + [secrets.choice(alphabet) for _ in range(length - len(core))])


def _json(params: Mapping[str, Any]) -> bytes:
    return json.dumps(params).encode()
