"""Follow fields: following, follow, unfollow."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router

from core.views import page_json
from resolvers.context import caller, core
from resolvers.viewer import channel_view, channel_views

router = Router()


@router.resolver(type_name="Query", field_name="following")
def following(limit: int | None = None, nextToken: str | None = None) -> dict[str, Any]:
    page = core().follows.following(caller(router.current_event).sub, limit, nextToken)
    items = channel_views(router.current_event, page.items, prefix="items/", following=True, banned_by=page.banned_by)
    return page_json(items, page.next_token)


@router.resolver(type_name="Mutation", field_name="follow")
def follow(username: str) -> dict[str, Any]:
    channel = core().follows.follow(caller(router.current_event).sub, username)
    return channel_view(router.current_event, channel, following=True)


@router.resolver(type_name="Mutation", field_name="unfollow")
def unfollow(username: str) -> dict[str, Any]:
    channel = core().follows.unfollow(caller(router.current_event).sub, username)
    return channel_view(router.current_event, channel, following=False)
