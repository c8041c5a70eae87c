"""Account fields: me, provisioning, settings, uploads, deletion."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router

from core.assets import CONTENT_TYPES, UPLOAD_SECONDS
from core.errors import ValidationError
from core.timefmt import iso
from core.views import account_json, ban_json
from resolvers.context import caller, core

router = Router()


def _me() -> str:
    return caller(router.current_event).sub


@router.resolver(type_name="Query", field_name="me")
def me() -> dict[str, Any] | None:
    account = core().accounts.get(_me())
    return account_json(account) if account else None


@router.resolver(type_name="Mutation", field_name="createResources")
def create_resources() -> dict[str, Any]:
    return account_json(core().accounts.create_resources(caller(router.current_event)))


@router.resolver(type_name="Mutation", field_name="updatePreferences")
def update_preferences(input: dict[str, Any]) -> dict[str, Any]:
    return account_json(core().accounts.update_preferences(_me(), input.get("color"), input.get("avatar")))


@router.resolver(type_name="Mutation", field_name="changeUsername")
def change_username(username: str) -> dict[str, Any]:
    account = core().accounts.change_username(caller(router.current_event), username, core().cognito())
    return account_json(account)


@router.resolver(type_name="Mutation", field_name="resetStreamKey")
def reset_stream_key() -> dict[str, Any]:
    return account_json(core().accounts.reset_stream_key(_me()))


@router.resolver(type_name="Mutation", field_name="updateChannelConfiguration")
def update_channel_configuration(input: dict[str, Any]) -> dict[str, Any]:
    account = core().accounts.update_configuration(
        _me(), input.get("type"), input.get("latencyMode"), input.get("isPrivate")
    )
    return account_json(account)


@router.resolver(type_name="Mutation", field_name="createUploadUrl")
def create_upload_url(kind: str, contentType: str) -> dict[str, Any]:
    if contentType not in CONTENT_TYPES:
        raise ValidationError("contentType", f"must be one of {', '.join(sorted(CONTENT_TYPES))}")
    sub = core().accounts.require(_me()).sub
    upload = core().assets().upload(sub, kind.lower(), contentType)
    return {
        "url": upload.url,
        "fields": json.dumps(upload.fields),
        "expiresAt": iso(datetime.now(UTC) + timedelta(seconds=UPLOAD_SECONDS)),
        "maxBytes": upload.max_bytes,
    }


@router.resolver(type_name="Mutation", field_name="deleteAccount")
def delete_account() -> bool:
    core().deletion.delete_account(caller(router.current_event))
    return True


@router.resolver(type_name="Account", field_name="bannedUsers")
def banned_users() -> list[dict[str, Any]]:
    return [ban_json(b) for b in core().moderation.banned(_me())]


@router.resolver(type_name="Mutation", field_name="disableAccount")
def disable_account(username: str) -> bool:
    return core().accounts.disable(username, core().cognito())


@router.resolver(type_name="Mutation", field_name="enableAccount")
def enable_account(username: str) -> bool:
    return core().accounts.enable(username, core().cognito())
