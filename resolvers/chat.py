"""Chat fields: tokens and moderation of the caller's own room."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router

from core.views import account_json, chat_token_json
from resolvers.context import caller, caller_sub, core

router = Router()


@router.resolver(type_name="Mutation", field_name="createChatToken")
def create_chat_token(channelId: str) -> dict[str, Any]:
    viewer = caller(router.current_event) if caller_sub(router.current_event) else None
    return chat_token_json(core().moderation.chat_token(channelId, viewer))


@router.resolver(type_name="Mutation", field_name="banUser")
def ban_user(username: str) -> dict[str, Any]:
    return account_json(core().moderation.ban(caller(router.current_event).sub, username))


@router.resolver(type_name="Mutation", field_name="unbanUser")
def unban_user(username: str) -> dict[str, Any]:
    return account_json(core().moderation.unban(caller(router.current_event).sub, username))


@router.resolver(type_name="Mutation", field_name="deleteChatMessage")
def delete_chat_message(messageId: str, reason: str | None = None) -> bool:
    core().moderation.delete_message(caller(router.current_event).sub, messageId, reason)
    return True
