"""A user pool as Cognito sees it, read from (and written to) moto's backend.

moto keeps the pool and its users but ignores part of the configuration it stores:
`UsernameConfiguration.CaseSensitive=false`, `AliasAttributes` and `LambdaConfig`. This view applies
them. Writes the extension layer makes on its own account (confirming after a trigger, setting a
password after a code) go to moto's backend here, with moto's errors turned into AWS errors; the
operation a client called is always forwarded to moto through the gateway instead.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, CognitoIdpUserPool, cognitoidp_backends
from moto.core.exceptions import JsonRESTError

from emulator.local_aws.functions import function_name
from emulator.local_aws.messages import ServiceError

T = TypeVar("T")

CONFIRMED = "CONFIRMED"
# Aliases that count only once verified, as Cognito treats them; preferred_username needs no proof.
_VERIFIED_ALIASES = {"email": "email_verified", "phone_number": "phone_number_verified"}


def attribute_map(attributes: Any) -> dict[str, str]:
    """`[{"Name": n, "Value": v}, ...]` (how the API sends attributes) as `{n: v}`."""
    if not isinstance(attributes, list):
        return {}
    return {str(a["Name"]): str(a.get("Value", "")) for a in attributes if isinstance(a, dict) and "Name" in a}


def attribute_list(attributes: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in attributes.items()]


def status_of(user: CognitoIdpUser) -> str:
    return str(getattr(user.status, "value", user.status))


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT moto issued (its signature is moto's business), or {} if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def moto_call(call: Callable[[], T]) -> T:
    """Run a moto backend call, its errors as the AWS errors moto would have answered with."""
    try:
        return call()
    except JsonRESTError as exc:
        raise ServiceError(exc.error_type, exc.message, int(exc.code)) from None


def _backends() -> Iterator[CognitoIdpBackend]:
    for account in list(cognitoidp_backends.values()):
        for region, backend in list(account.items()):
            if region != "global":
                yield backend


@dataclass(frozen=True)
class Pool:
    model: CognitoIdpUserPool
    backend: CognitoIdpBackend

    # --- finding pools ---------------------------------------------------------------------------
    @classmethod
    def of_client(cls, client_id: str) -> Pool | None:
        """The pool an app client belongs to, in any account and region (unsigned calls carry neither)."""
        for backend in _backends():
            for pool in list(backend.user_pools.values()):
                if client_id in pool.clients:
                    return cls(pool, backend)
        return None

    @classmethod
    def of_id(cls, account_id: str, region: str, pool_id: str) -> Pool | None:
        backend = cognitoidp_backends[account_id][region]
        pool = backend.user_pools.get(pool_id)
        return cls(pool, backend) if pool is not None else None

    @classmethod
    def of_access_token(cls, token: str) -> tuple[Pool, str] | None:
        """The pool that issued an access token, and the user it was issued to."""
        for backend in _backends():
            for pool in list(backend.user_pools.values()):
                issued = pool.access_tokens.get(token)
                if issued is not None:
                    return cls(pool, backend), issued[1]
        return None

    # --- configuration ---------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return str(self.model.id)

    @property
    def region(self) -> str:
        return str(self.model.region)

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.model.extended_config)

    @property
    def case_sensitive(self) -> bool:
        # CreateUserPool without UsernameConfiguration makes a case-sensitive pool.
        return bool((self.config.get("UsernameConfiguration") or {}).get("CaseSensitive", True))

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(self.config.get("AliasAttributes") or ())

    @property
    def auto_verified(self) -> tuple[str, ...]:
        return tuple(self.config.get("AutoVerifiedAttributes") or ())

    def trigger_function(self, trigger: str) -> str | None:
        """The function the pool's LambdaConfig names for `trigger` (e.g. "PreSignUp"), if any."""
        arn = (self.config.get("LambdaConfig") or {}).get(trigger)
        return function_name(arn) if isinstance(arn, str) else None

    def template(self, key: str) -> dict[str, Any]:
        return dict(self.config.get(key) or {})

    # --- users -----------------------------------------------------------------------------------
    def users(self) -> list[CognitoIdpUser]:
        return list(self.model.users.values())

    def _same(self, a: str, b: str) -> bool:
        return a == b if self.case_sensitive else a.casefold() == b.casefold()

    def find(self, name: str, *, aliases: bool = True) -> CognitoIdpUser | None:
        """The user `name` signs in as: the exact user name, else the same name in another case (in a
        case-insensitive pool), else a user whose alias attribute has that value."""
        exact: CognitoIdpUser | None = self.model._get_user(name)
        if exact is not None:
            return exact
        users = self.users()
        if not self.case_sensitive:
            folded = name.casefold()
            match = next((user for user in users if user.username.casefold() == folded), None)
            if match is not None:
                return match
        if aliases:
            for attribute in self.aliases:
                owner = self.alias_owner(attribute, name)
                if owner is not None:
                    return owner
        return None

    def alias_owner(self, attribute: str, value: str, excluding: CognitoIdpUser | None = None) -> CognitoIdpUser | None:
        """The user whose alias `attribute` is `value` (compared as the pool compares names)."""
        proof = _VERIFIED_ALIASES.get(attribute)
        for user in self.users():
            if user is excluding:
                continue
            held = user.attribute_lookup.get(attribute)
            if held is None or not self._same(str(held), value):
                continue
            if proof is None or user.attribute_lookup.get(proof) == "true":
                return user
        return None

    def by_sub(self, sub: str) -> CognitoIdpUser | None:
        return next((user for user in self.users() if user.id == sub), None)

    def attributes(self, user: CognitoIdpUser) -> dict[str, str]:
        """The user's attributes as triggers receive them: stored ones plus `cognito:user_status`."""
        attributes = {str(k): str(v) for k, v in user.attribute_lookup.items()}
        attributes["cognito:user_status"] = status_of(user)
        return attributes

    # --- writes on the extension layer's own account ----------------------------------------------
    def confirm(self, user: CognitoIdpUser) -> None:
        moto_call(lambda: self.backend.admin_confirm_sign_up(self.id, user.username))

    def set_attributes(self, user: CognitoIdpUser, attributes: Mapping[str, str]) -> None:
        moto_call(lambda: self.backend.admin_update_user_attributes(self.id, user.username, attribute_list(attributes)))

    def set_password(self, user: CognitoIdpUser, password: str) -> None:
        """A permanent password (checked against the pool's policy), as after a reset."""
        moto_call(lambda: self.backend.admin_set_user_password(self.id, user.username, password, True))

    def revoke(self, refresh_token: str) -> None:
        """Make a refresh token, and the tokens issued with it, unusable.

        moto marks a signed-out refresh token with None and refuses it from then on; the access and ID
        tokens issued with it carry its `origin_jti` and are dropped so GetUser and friends refuse them.
        """
        issued = self.model.refresh_tokens.get(refresh_token)
        self.model.refresh_tokens[refresh_token] = None
        if not issued:
            return
        origin = issued[2]
        for table in (self.model.access_tokens, self.model.id_tokens):
            for token in list(table):
                if jwt_claims(token).get("origin_jti") == origin:
                    table.pop(token, None)
