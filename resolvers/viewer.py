"""Channels as the calling viewer may see them: follow and ban state fetched once per root resolver
(one BatchGetItem for the whole page), so the batch resolvers for those fields cost nothing, and a
banned viewer never receives a playback URL however the query is written."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import AppSyncResolverEvent

from core.models import AccountItem
from core.views import channel_json
from resolvers.context import caller_sub, core


def channel_views(
    event: AppSyncResolverEvent | None,
    accounts: list[AccountItem],
    *,
    prefix: str = "",
    following: bool | None = None,
    banned_by: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """`following`/`banned_by`: what the caller already knows; the rest is fetched if needed."""
    viewer = caller_sub(event)
    if viewer is None or not accounts:
        return [channel_json(a) for a in accounts]
    selected = set(event.info.selection_set_list) if event else set()
    want_following = following is None and f"{prefix}viewerIsFollowing" in selected
    # Bans are always settled for a signed-in viewer: they decide whether playbackUrl is sent.
    want_banned = banned_by is None
    relations = (
        core().moderation.relations(
            viewer,
            [(a.channel_id or "", a.sub) for a in accounts],
            following=want_following,
            banned=want_banned,
        )
        if want_following or want_banned
        else {}
    )
    views = []
    for account in accounts:
        relation = relations.get(account.channel_id or "")
        is_following = (
            following if following is not None else (relation.following if want_following and relation else None)
        )
        is_banned = (account.sub in banned_by) if banned_by is not None else bool(relation and relation.banned)
        views.append(channel_json(account, viewer_is_following=is_following, viewer_is_banned=is_banned))
    return views


def channel_view(event: AppSyncResolverEvent | None, account: AccountItem, **known: Any) -> dict[str, Any]:
    return channel_views(event, [account], **known)[0]
