"""Channel fields: channel, liveChannels, and the batched viewer-relative fields of Channel."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router
from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import AppSyncResolverEvent

from core.recordings import ChannelRef
from core.views import page_json, playback_token_json
from resolvers.context import caller, caller_sub, core
from resolvers.viewer import channel_view, channel_views

router = Router()


@router.resolver(type_name="Query", field_name="channel")
def channel(username: str) -> dict[str, Any] | None:
    account = core().accounts.by_username(username)
    return channel_view(router.current_event, account) if account else None


@router.resolver(type_name="Query", field_name="liveChannels")
def live_channels(limit: int | None = None, nextToken: str | None = None) -> dict[str, Any]:
    page = core().channels.live(limit, nextToken)
    return page_json(channel_views(router.current_event, page.items, prefix="items/"), page.next_token)


def _relation(event: list[AppSyncResolverEvent], field: str, *, following: bool) -> list[bool | None]:
    """Fallback for parents that did not settle the field: one BatchGetItem for the whole batch."""
    viewer = caller_sub(event[0]) if event else None
    if viewer is None:
        return [None] * len(event)
    sources = [e.source or {} for e in event]
    unknown = [(s["id"], s.get("ownerSub", "")) for s in sources if field not in s]
    relations = (
        core().moderation.relations(viewer, unknown, following=following, banned=not following) if unknown else {}
    )
    answers: list[bool | None] = []
    for source in sources:
        if field in source:
            answers.append(source[field])
        else:
            relation = relations[source["id"]]
            answers.append(relation.following if following else relation.banned)
    return answers


@router.batch_resolver(type_name="Channel", field_name="viewerIsFollowing")
def viewer_is_following(event: list[AppSyncResolverEvent]) -> list[bool | None]:
    return _relation(event, "viewerIsFollowing", following=True)


@router.batch_resolver(type_name="Channel", field_name="viewerIsBanned")
def viewer_is_banned(event: list[AppSyncResolverEvent]) -> list[bool | None]:
    return _relation(event, "viewerIsBanned", following=False)


def _channel_ref(source: dict[str, Any]) -> ChannelRef:
    return ChannelRef(
        channel_id=str(source["id"]),
        owner_sub=str(source.get("ownerSub", "")),
        is_private=bool(source.get("isPrivate")),
        live_recording_prefix=source.get("liveRecordingPrefix") if source.get("isLive") else None,
        # What the root resolver settled for the viewer (channel_views): bans always, follows when asked.
        banned=source.get("viewerIsBanned"),
        following=source.get("viewerIsFollowing"),
    )


@router.batch_resolver(type_name="Channel", field_name="thumbnailUrl")
def thumbnail_url(event: list[AppSyncResolverEvent]) -> list[str | None]:
    """Signed for the viewer a channel allows: no read where the root resolver settled the viewer's relations,
    else one BatchGetItem for the whole batch."""
    viewer = caller_sub(event[0]) if event else None
    return core().recording_library.thumbnail_urls(viewer, [_channel_ref(e.source or {}) for e in event])


@router.resolver(type_name="Channel", field_name="recordings")
def channel_recordings(limit: int | None = None, nextToken: str | None = None) -> dict[str, Any]:
    event = router.current_event
    owner = _channel_ref((event.source if event else None) or {})
    items, token = core().recording_library.channel_recordings(caller_sub(event), owner, limit, nextToken)
    return page_json(items, token)


@router.resolver(type_name="Mutation", field_name="createPlaybackToken")
def create_playback_token(channelId: str) -> dict[str, Any]:
    return playback_token_json(core().playback.issue(caller(router.current_event).sub, channelId))
