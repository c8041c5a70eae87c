"""Account fields: me, createResources, updatePreferences."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router

from core.views import account_json
from resolvers.context import caller, core

router = Router()


@router.resolver(type_name="Query", field_name="me")
def me() -> dict[str, Any] | None:
    account = core().accounts.get(caller(router.current_event).sub)
    return account_json(account) if account else None


@router.resolver(type_name="Mutation", field_name="createResources")
def create_resources() -> dict[str, Any]:
    return account_json(core().accounts.create_resources(caller(router.current_event)))


@router.resolver(type_name="Mutation", field_name="updatePreferences")
def update_preferences(input: dict[str, Any]) -> dict[str, Any]:
    sub = caller(router.current_event).sub
    return account_json(core().accounts.update_preferences(sub, input.get("color"), input.get("avatar")))
