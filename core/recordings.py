"""Recordings IVS writes to the stage's recordings bucket (`recording: true`), under
`ivs/v1/<account>/<channel id>/...`: one prefix per channel holds every recording of it.

They are read through the recordings distribution (CloudFront with Origin Access Control; locally the
local AWS's edge), which serves only signed URLs: a custom policy whose resource is a recording's prefix
with a wildcard, signed with the stage's RSA recordings key (made like the playback key, see
core.playback.KeyKind). One signature covers every playlist, segment and thumbnail of the recording, so
the API signs once per recording and a player appends the same query to each request under the prefix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from core.errors import Forbidden, ValidationError
from core.models import AccountItem
from core.moderation import Moderation
from core.sessions import Sessions
from core.timefmt import iso

# DeleteObjects takes at most this many keys a call.
DELETE_BATCH = 1000


# A signed URL stays valid between 5 and 6 hours: long enough to watch a long broadcast from start to end,
# and the same for a whole clock hour, so browsers and CloudFront cache one URL per recording an hour.
SIGNED_URL_HOURS = 6
_HOUR = 3600
# Signatures a container keeps (one per recording URL prefix and hour).
_SIGNATURES_KEPT = 1000
# Within a recording's prefix (IVS's layout): the HLS master playlist, the sequence of thumbnails, and the
# latest thumbnail IVS keeps rewriting while live.
MASTER_PLAYLIST = "media/hls/master.m3u8"
THUMBNAILS = "media/thumbnails/"
LATEST_THUMBNAIL = "media/latest_thumbnail/thumb.jpg"


def _natural(name: str) -> tuple[int, str]:
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) if digits else -1, name)


def channel_prefix(channel_arn: str) -> str:
    """Where IVS writes a channel's recordings: the account and channel id come from its ARN."""
    parts = channel_arn.split(":")
    return f"ivs/v1/{parts[4]}/{parts[5].removeprefix('channel/')}/"


class Recordings:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def thumbnails(self, key_prefix: str) -> tuple[str, ...]:
        """The names of a recording's thumbnails (under `<key_prefix>/media/thumbnails/`), oldest first: IVS
        numbers them in order (`thumb0.jpg`, `thumb1.jpg`, ...), which is not their key order past ten. None
        when the bucket is gone (a stage that stopped recording)."""
        prefix = f"{key_prefix.strip('/')}/{THUMBNAILS}"
        names: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
                names.extend(o["Key"][len(prefix) :] for o in page.get("Contents", []))
        except self._client.exceptions.NoSuchBucket:
            return ()
        return tuple(sorted((n for n in names if n and "/" not in n), key=_natural))

    def delete_recording(self, channel_arn: str, key_prefix: str) -> int:
        """Every object of one recording of the channel; how many were deleted. A prefix outside the channel's
        is refused (it came from an event, but deleting is not to be trusted to one)."""
        prefix = f"{key_prefix.strip('/')}/"
        if not prefix.startswith(channel_prefix(channel_arn)) or ".." in prefix.split("/"):
            raise ValueError(f"{key_prefix!r} is not a recording of {channel_arn}")
        return self._delete_under(prefix)

    def delete_channel_recordings(self, channel_arn: str) -> int:
        """Every object of every recording of the channel; how many were deleted. Retried to completion, it
        deletes what is left."""
        return self._delete_under(channel_prefix(channel_arn))

    def _delete_under(self, prefix: str) -> int:
        deleted = 0
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            for start in range(0, len(keys), DELETE_BATCH):
                self._client.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": keys[start : start + DELETE_BATCH], "Quiet": True}
                )
            deleted += len(keys)
        return deleted


def signed_query(url_prefix: str, *, key_id: str, private_key_pem: str, expires: int) -> str:
    """The CloudFront signed-URL query (`Policy`, `Signature`, `Key-Pair-Id`) of a custom policy granting
    every URL starting with `url_prefix` until epoch second `expires`: RSA with SHA-1, as CloudFront checks."""
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from core.playback import KeyKind, load_private_key

    key = load_private_key(private_key_pem, KeyKind.RSA_2048)

    def rsa_sha1(message: bytes) -> bytes:
        return bytes(key.sign(message, padding.PKCS1v15(), hashes.SHA1()))  # noqa: S303 - CloudFront's algorithm

    signer = CloudFrontSigner(key_id, rsa_sha1)
    resource = f"{url_prefix}*"
    policy = signer.build_policy(resource, datetime.fromtimestamp(expires, UTC))
    return urlsplit(signer.generate_presigned_url(resource, policy=policy)).query


class RecordingUrls:
    """Signed URLs of recordings under the distribution's base URL."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        private_key: Callable[[], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._key_id = key_id
        self._private_key = private_key
        self._clock = clock
        self._signed: dict[tuple[str, int], str] = {}

    def expires(self) -> int:
        """The end of the current URLs' validity: the same through a clock hour (see SIGNED_URL_HOURS)."""
        return (int(self._clock()) // _HOUR + SIGNED_URL_HOURS) * _HOUR

    def signer(self, key_prefix: str) -> Callable[[str], str]:
        """Signs URLs of objects under one recording's prefix (`.../<recording id>/`), with one signature,
        kept for the hour it stays the same (an RSA signature costs about a millisecond)."""
        prefix_url = f"{self._base}/{quote(key_prefix)}"
        expires = self.expires()
        query = self._signed.get((prefix_url, expires))
        if query is None:
            if len(self._signed) >= _SIGNATURES_KEPT:
                self._signed.clear()
            query = signed_query(prefix_url, key_id=self._key_id, private_key_pem=self._private_key(), expires=expires)
            self._signed[(prefix_url, expires)] = query
        return lambda relative: f"{prefix_url}{quote(relative)}?{query}"


@dataclass(frozen=True)
class ChannelRef:
    """What deciding on a channel's recordings needs of it (an account item, or a resolved `Channel`)."""

    channel_id: str
    owner_sub: str
    is_private: bool
    # Set while live and recording (AccountItem.live_recording_prefix).
    live_recording_prefix: str | None = None
    # The viewer's relations to the channel where the caller already knows them (None: unknown).
    banned: bool | None = None
    following: bool | None = None

    @classmethod
    def of(cls, account: AccountItem) -> ChannelRef:
        prefix = account.live_recording_prefix if account.live_since else None
        return cls(account.channel_id or "", account.sub, account.is_private, prefix)


def _duration_seconds(recording: dict[str, Any]) -> int | None:
    if recording["status"] != "AVAILABLE":
        return None
    return round(int(recording.get("durationMs") or 0) / 1000)


class RecordingLibrary:
    """Who sees which recording, with its signed URLs; deleting one.

    A public channel's recordings and live thumbnail reach anyone it does not ban; a private channel's only
    its owner and its signed-in followers it does not ban (the rule of its playback tokens, core.playback).
    """

    def __init__(
        self,
        sessions: Sessions,
        moderation: Moderation,
        storage: Callable[[], Recordings | None],
        urls: Callable[[], RecordingUrls | None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._moderation = moderation
        self._storage = storage
        self._urls = urls
        self._clock = clock

    # --- what a viewer may see ---------------------------------------------------------------------
    def check_viewer(self, viewer_sub: str | None, owner: ChannelRef) -> None:
        """Forbidden unless the viewer may watch the channel's recordings."""
        if viewer_sub == owner.owner_sub:
            return
        if viewer_sub is None:
            if owner.is_private:
                raise Forbidden("this channel is private: sign in and follow it to watch its recordings")
            return
        relation = self._moderation.relations(
            viewer_sub, [(owner.channel_id, owner.owner_sub)], following=owner.is_private, banned=True
        )[owner.channel_id]
        if relation.banned:
            raise Forbidden("you are banned from this channel")
        if owner.is_private and not relation.following:
            raise Forbidden("this channel is private: only its owner and its followers may watch; follow it first")

    def thumbnail_urls(self, viewer_sub: str | None, owners: list[ChannelRef]) -> list[str | None]:
        """Each channel's latest thumbnail while live and recording, for the viewer. What the parent already
        settled of the viewer's relations (a page's bans always are) is used; the rest is one BatchGetItem at
        most (none for an anonymous viewer, or when no channel has a thumbnail)."""
        live = [o for o in owners if o.channel_id and o.live_recording_prefix]
        urls = self._urls()
        if not live or urls is None:
            return [None] * len(owners)
        others = [o for o in live if o.owner_sub != viewer_sub]
        unknown = [o for o in others if o.banned is None or (o.is_private and o.following is None)]
        fetched = (
            self._moderation.relations(
                viewer_sub,
                [(o.channel_id, o.owner_sub) for o in unknown],
                following=any(o.is_private for o in unknown),
                banned=True,
            )
            if viewer_sub and unknown
            else {}
        )
        answers: dict[str, str | None] = {}
        for owner in live:
            if owner.owner_sub != viewer_sub:
                if viewer_sub is None:
                    if owner.is_private:
                        continue
                else:
                    relation = fetched.get(owner.channel_id)
                    banned = relation.banned if relation else owner.banned
                    following = relation.following if relation else owner.following
                    if banned or (owner.is_private and not following):
                        continue
            answers[owner.channel_id] = urls.signer(f"{owner.live_recording_prefix}/")(LATEST_THUMBNAIL)
        return [answers.get(o.channel_id) for o in owners]

    def recording_json(self, session: dict[str, Any]) -> dict[str, Any] | None:
        """A session's `Recording` with its URLs, for a viewer already allowed to see it."""
        recording = session.get("recording")
        if not recording:
            return None
        data: dict[str, Any] = {
            "sessionId": session["sessionId"],
            "startedAt": session.get("startedAt"),
            "endedAt": session.get("endedAt"),
            "status": recording["status"],
            "playbackUrl": None,
            "durationSeconds": _duration_seconds(recording),
            "thumbnailUrls": [],
        }
        urls = self._urls()
        if recording["status"] == "AVAILABLE" and recording.get("keyPrefix") and urls is not None:
            sign = urls.signer(f"{recording['keyPrefix']}/")
            data["playbackUrl"] = sign(MASTER_PLAYLIST)
            data["thumbnailUrls"] = [sign(f"{THUMBNAILS}{name}") for name in recording.get("thumbnails") or ()]
        return data

    def channel_recordings(
        self, viewer_sub: str | None, owner: ChannelRef, limit: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The channel's available recordings, newest first, for a viewer it allows (else Forbidden)."""
        self.check_viewer(viewer_sub, owner)
        sessions, token = self._sessions.recorded_page(owner.owner_sub, limit, next_token)
        return [r for r in (self.recording_json(s) for s in sessions) if r], token

    # --- the owner's --------------------------------------------------------------------------------
    def delete(self, owner: AccountItem, session_id: str) -> dict[str, Any]:
        """Delete the recording of one of the owner's sessions: its objects, then the session's record of it.
        Retried after a failure half-way, it deletes what is left. A session without one is left as it is."""
        session, _ = self._sessions.get(owner.sub, session_id)
        recording = session.get("recording")
        if not recording:
            return session
        if recording["status"] == "RECORDING":
            raise ValidationError("sessionId", "the recording is still in progress: delete it once the broadcast ended")
        storage = self._storage()
        if storage is not None and recording.get("keyPrefix") and owner.channel_arn:
            storage.delete_recording(owner.channel_arn, str(recording["keyPrefix"]))
        self._sessions.mark_recording_deleted(owner, session, iso(datetime.fromtimestamp(self._clock(), UTC)))
        session, _ = self._sessions.get(owner.sub, session_id)
        return session
