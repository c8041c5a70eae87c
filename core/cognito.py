"""Cognito admin adapter: renames, deletion and the unconfirmed-user cleanup."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import ValidationError


@dataclass(frozen=True)
class PoolUser:
    username: str
    email: str | None
    created: datetime
    status: str


class Cognito:
    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def set_preferred_username(self, username: str, new_name: str) -> None:
        """Sign-in alias for the new name (the Cognito username itself never changes)."""
        try:
            self._client.admin_update_user_attributes(
                UserPoolId=self._pool,
                Username=username,
                UserAttributes=[{"Name": "preferred_username", "Value": new_name}],
            )
        except self._client.exceptions.AliasExistsException as exc:
            raise ValidationError("username", f"'{new_name}' is taken") from exc

    def username_of(self, sub: str) -> str | None:
        """The Cognito username (immutable; renames only change the preferred_username alias)."""
        users = self._client.list_users(UserPoolId=self._pool, Filter=f'sub = "{sub}"', Limit=1)["Users"]
        return str(users[0]["Username"]) if users else None

    def set_enabled(self, username: str, enabled: bool) -> None:
        """Enable or disable sign-in; disabling also revokes the user's refresh tokens."""
        if enabled:
            self._client.admin_enable_user(UserPoolId=self._pool, Username=username)
        else:
            self._client.admin_disable_user(UserPoolId=self._pool, Username=username)
            self.sign_out(username)

    def sign_out(self, username: str) -> None:
        """Revoke every refresh token of the user (their ID and access tokens run to expiry)."""
        with contextlib.suppress(self._client.exceptions.UserNotFoundException):
            self._client.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)

    def delete_user(self, username: str) -> None:
        with contextlib.suppress(self._client.exceptions.UserNotFoundException):
            self._client.admin_delete_user(UserPoolId=self._pool, Username=username)

    def unconfirmed(self) -> Iterator[PoolUser]:
        paginator = self._client.get_paginator("list_users")
        for page in paginator.paginate(UserPoolId=self._pool, Filter='cognito:user_status = "UNCONFIRMED"'):
            for user in page["Users"]:
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                yield PoolUser(user["Username"], attributes.get("email"), user["UserCreateDate"], user["UserStatus"])

    def status(self, username: str) -> str | None:
        try:
            return str(self._client.admin_get_user(UserPoolId=self._pool, Username=username)["UserStatus"])
        except self._client.exceptions.UserNotFoundException:
            return None
