"""The JSON shapes resolvers return: field names are the GraphQL schema's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.actions import Action
from core.chat import ChatToken
from core.models import AccountItem, BanItem
from core.playback import PlaybackToken


def channel_json(
    item: AccountItem, *, viewer_is_following: bool | None = None, viewer_is_banned: bool | None = None
) -> dict[str, Any]:
    """A `Channel`. Viewer-relative fields are included only when the caller already knows them, so
    the batch resolvers can skip their DynamoDB reads. A banned viewer never gets the playback URL."""
    data: dict[str, Any] = {
        "id": item.channel_id,
        "username": item.username,
        "avatar": item.avatar,
        "color": item.color,
        "avatarUrl": item.avatar_url,
        "bannerUrl": item.banner_url,
        "playbackUrl": None if item.is_private or viewer_is_banned else item.playback_url,
        "isLive": item.live_since is not None,
        "liveSince": item.live_since,
        "isPrivate": item.is_private,
        "followerCount": max(item.follower_count, 0),
        # Not schema fields: lets batch resolvers find the owner's items (AppSync keeps them in `source`), and
        # where the live broadcast records (Channel.thumbnailUrl).
        "ownerSub": item.sub,
        "liveRecordingPrefix": item.live_recording_prefix if item.live_since else None,
    }
    active = Action.from_stored(item.channel_id, item.active_action) if item.active_action and item.channel_id else None
    now = datetime.now(UTC)
    data["activeStreamAction"] = active.json(now) if active and active.is_active(now) else None
    if viewer_is_following is not None:
        data["viewerIsFollowing"] = viewer_is_following
    if viewer_is_banned is not None:
        data["viewerIsBanned"] = viewer_is_banned
    return data


def account_json(item: AccountItem) -> dict[str, Any]:
    """An `Account`: the owner's view, with the secrets needed to go live."""
    return {
        "id": item.sub,
        "username": item.username,
        "email": item.email,
        # Nobody can follow their own channel, so the batch resolver need not ask.
        "channel": channel_json(item, viewer_is_following=False, viewer_is_banned=False),
        "ingestEndpoint": item.ingest_endpoint,
        "ingestServerUrl": f"rtmps://{item.ingest_endpoint}:443/app/" if item.ingest_endpoint else None,
        "streamKey": item.stream_key_value,
        "channelType": item.channel_type.value,
        "latencyMode": item.latency_mode.value,
        "isPrivate": item.is_private,
        "createdAt": item.created_at,
    }


def ban_json(ban: BanItem) -> dict[str, Any]:
    return {"id": ban.banned_sub, "username": ban.banned_username, "bannedAt": ban.banned_at}


def chat_token_json(token: ChatToken) -> dict[str, Any]:
    return {
        "token": token.token,
        "sessionExpirationTime": token.session_expiration_time,
        "tokenExpirationTime": token.token_expiration_time,
        "capabilities": list(token.capabilities),
    }


def playback_token_json(token: PlaybackToken) -> dict[str, Any]:
    return {"token": token.token, "expiresAt": token.expires_at, "playbackUrl": token.playback_url}


def page_json(items: list[dict[str, Any]], next_token: str | None) -> dict[str, Any]:
    return {"items": items, "nextToken": next_token}
