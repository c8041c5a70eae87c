"""Follow fields: following, follow, unfollow."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router

from core.views import channel_json, page_json
from resolvers.context import caller, core

router = Router()


@router.resolver(type_name="Query", field_name="following")
def following(limit: int | None = None, nextToken: str | None = None) -> dict[str, Any]:
    page = core().follows.following(caller(router.current_event).sub, limit, nextToken)
    return page_json([channel_json(a, viewer_is_following=True) for a in page.items], page.next_token)


@router.resolver(type_name="Mutation", field_name="follow")
def follow(username: str) -> dict[str, Any]:
    channel = core().follows.follow(caller(router.current_event).sub, username)
    return channel_json(channel, viewer_is_following=True)


@router.resolver(type_name="Mutation", field_name="unfollow")
def unfollow(username: str) -> dict[str, Any]:
    channel = core().follows.unfollow(caller(router.current_event).sub, username)
    return channel_json(channel, viewer_is_following=False)
