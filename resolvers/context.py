"""Per-container state and the caller, shared by the routers."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import AppSyncResolverEvent

from core.accounts import Caller
from core.app import Core
from core.errors import Unauthenticated
from core.settings import Settings

_core: Core | None = None


def core() -> Core:
    """Built on first use from the validated environment, then kept for the container's life."""
    global _core  # noqa: PLW0603 - one composition root per Lambda container
    if _core is None:
        _core = Core(Settings.from_env(os.environ))
    return _core


def caller_sub(event: AppSyncResolverEvent | None) -> str | None:
    """The Cognito sub of the caller, or None for API-key (anonymous) and IAM callers."""
    identity: dict[str, Any] | None = event.get("identity") if event else None
    if not identity or "sub" not in identity or "claims" not in identity:
        return None
    return str(identity["sub"])


def caller(event: AppSyncResolverEvent | None) -> Caller:
    """The signed-in Cognito user; fields that need one are @aws_cognito_user_pools only."""
    identity: dict[str, Any] | None = event.get("identity") if event else None
    sub = caller_sub(event)
    if sub is None or identity is None:
        raise Unauthenticated
    claims: dict[str, Any] = identity.get("claims") or {}
    username = identity.get("username") or claims.get("cognito:username") or claims.get("username") or sub
    return Caller(sub=sub, username=str(username), email=claims.get("email"))


def active_caller(event: AppSyncResolverEvent | None) -> Caller:
    """The signed-in user, refused (Unauthorized) when the account is deleted or disabled: for the
    fields that do not read the caller's account anyway."""
    who = caller(event)
    core().accounts.check_active(who.sub)
    return who
