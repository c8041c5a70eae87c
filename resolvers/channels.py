"""Channel fields: channel, liveChannels, and the batched Channel.viewerIsFollowing."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router
from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import AppSyncResolverEvent

from core.views import channel_json, page_json
from resolvers.context import caller_sub, core

router = Router()


@router.resolver(type_name="Query", field_name="channel")
def channel(username: str) -> dict[str, Any] | None:
    account = core().accounts.by_username(username)
    return channel_json(account) if account else None


@router.resolver(type_name="Query", field_name="liveChannels")
def live_channels(limit: int | None = None, nextToken: str | None = None) -> dict[str, Any]:
    page = core().channels.live(limit, nextToken)
    return page_json([channel_json(a) for a in page.items], page.next_token)


@router.batch_resolver(type_name="Channel", field_name="viewerIsFollowing")
def viewer_is_following(event: list[AppSyncResolverEvent]) -> list[bool | None]:
    """One invoke and at most one BatchGetItem for a whole page of channels."""
    viewer = caller_sub(event[0]) if event else None
    if viewer is None:
        return [None] * len(event)
    sources = [e.source or {} for e in event]
    unknown = [s["id"] for s in sources if "viewerIsFollowing" not in s]
    follows = core().follows.is_following(viewer, unknown) if unknown else {}
    return [s["viewerIsFollowing"] if "viewerIsFollowing" in s else follows[s["id"]] for s in sources]
