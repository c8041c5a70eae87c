"""Recordings as the API hands them out: signed URLs CloudFront accepts, who may see them, and deleting one
in any order relative to IVS's events. The storage is the local AWS's S3 (moto), the events the real pipeline's."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from core import table as t
from core.app import Core
from core.errors import Forbidden, ValidationError
from core.models import AccountItem
from core.playback import KeyKind, generate_private_key_pem, public_key_pem
from core.recordings import (
    LATEST_THUMBNAIL,
    MASTER_PLAYLIST,
    ChannelRef,
    RecordingLibrary,
    Recordings,
    RecordingUrls,
    signed_query,
)
from core.sessions import RECORDING, STATE, RecordingDetail, StreamEventRecord
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.clients import client as aws_client
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import local_core, ready_channel

BASE = "https://d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"
PEM = generate_private_key_pem(KeyKind.RSA_2048)
HOUR = 3600


def _b64(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def _verified_policy(url: str) -> dict[str, Any]:
    """What CloudFront checks of a signed URL: the signature of the policy, by the public key of Key-Pair-Id."""
    query = parse_qs(urlsplit(url).query)
    assert query["Key-Pair-Id"] == [KEY_ID]
    policy = _b64(query["Policy"][0])
    public = serialization.load_pem_public_key(public_key_pem(PEM, KeyKind.RSA_2048).encode())
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(_b64(query["Signature"][0]), policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return dict(json.loads(policy))


def test_one_signature_grants_every_object_of_a_recording_until_hours_later() -> None:
    # GIVEN a clock 10 minutes into an hour
    now = 1_800_000_000 - 1_800_000_000 % HOUR + 600
    urls = RecordingUrls(BASE, KEY_ID, lambda: PEM, clock=lambda: now)
    sign = urls.signer("ivs/v1/123/abc/2026/12/5/15/0/rec1/")
    master, thumb = sign(MASTER_PLAYLIST), sign("media/thumbnails/thumb0.jpg")
    # THEN both carry one policy, over the recording's prefix, valid 5-6 hours
    assert master.startswith(f"{BASE}/ivs/v1/123/abc/2026/12/5/15/0/rec1/media/hls/master.m3u8?")
    assert urlsplit(master).query == urlsplit(thumb).query
    statement = _verified_policy(master)["Statement"][0]
    assert statement["Resource"] == f"{BASE}/ivs/v1/123/abc/2026/12/5/15/0/rec1/*"
    expires = statement["Condition"]["DateLessThan"]["AWS:EpochTime"]
    assert 5 * HOUR <= expires - now <= 6 * HOUR
    # AND the same URL is handed out through the clock hour (browsers and CloudFront cache it)
    later = RecordingUrls(BASE, KEY_ID, lambda: PEM, clock=lambda: now + 40 * 60)
    assert later.signer("ivs/v1/123/abc/2026/12/5/15/0/rec1/")(MASTER_PLAYLIST) == master


def test_a_signature_with_another_key_is_not_the_one_cloudfront_trusts() -> None:
    other = generate_private_key_pem(KeyKind.RSA_2048)
    query = signed_query(f"{BASE}/x/", key_id=KEY_ID, private_key_pem=other, expires=2_000_000_000)
    with pytest.raises(InvalidSignature):
        _verified_policy(f"{BASE}/x/y?{query}")


# --- the library on the local AWS ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def resources(local_aws: LocalAwsServer) -> LocalResources:
    return bootstrap(local_aws.endpoint, name_prefix=f"rec-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def core(resources: LocalResources) -> Core:
    return local_core(resources)


@pytest.fixture(scope="module")
def library(core: Core, resources: LocalResources) -> RecordingLibrary:
    urls = RecordingUrls(BASE, KEY_ID, lambda: PEM)
    return RecordingLibrary(core.sessions, core.moderation, core.recordings, lambda: urls)


def _channel(core: Core, *, private: bool = False) -> AccountItem:
    account = ready_channel(core)
    account = replace(
        account, is_private=private, channel_arn=f"arn:aws:ivs:us-east-1:123456789012:channel/{account.channel_id}"
    )
    core.table.client.put_item(TableName=core.table.name, Item=account.to_item())
    return account


def _follow(core: Core, viewer: AccountItem, channel: AccountItem) -> None:
    core.follows.follow(viewer.sub, channel.username)


def _ban(core: Core, viewer: AccountItem, channel: AccountItem) -> None:
    item = {"PK": {"S": t.user_pk(channel.sub)}, "SK": {"S": t.ban_sk(viewer.sub)}}
    core.table.client.put_item(TableName=core.table.name, Item=item)


def _event(
    account: AccountItem, session: str, name: str, second: int, prefix: str = "", duration_ms: int = 0
) -> StreamEventRecord:
    recording = None
    if name.startswith("Recording"):
        recording = RecordingDetail(bucket="b", key_prefix=prefix, duration_ms=duration_ms)
    return StreamEventRecord(
        id=f"{session}-{name}-{second}",
        channel_id=account.channel_id or "",
        session_id=session,
        name=name,
        type=RECORDING if recording else STATE,
        event_time=f"2026-12-05T10:00:{second:02d}.000Z",
        recording=recording,
    )


def _prefix(account: AccountItem, recording: str) -> str:
    assert account.channel_arn is not None
    return f"ivs/v1/123456789012/{account.channel_arn.rsplit('/', 1)[-1]}/2026/12/5/10/0/{recording}"


def _record(core: Core, account: AccountItem, *events: StreamEventRecord) -> None:
    for event in events:
        core.sessions.record(event, core.accounts.require(account.sub))


def _broadcast(core: Core, account: AccountItem, session: str, recording: str) -> str:
    """A whole broadcast with its recording available; its prefix."""
    prefix = _prefix(account, recording)
    _record(
        core,
        account,
        _event(account, session, "Session Created", 0),
        _event(account, session, "Stream Start", 1),
        _event(account, session, "Recording Start", 1, prefix),
        _event(account, session, "Stream End", 30),
        _event(account, session, "Session Ended", 31),
        _event(account, session, "Recording End", 40, prefix, duration_ms=29_400),
    )
    return prefix


def test_the_channel_thumbnail_follows_the_live_recording_in_any_order(core: Core, library: RecordingLibrary) -> None:
    channel = _channel(core)
    prefix = _prefix(channel, "live1")
    # WHEN the recording starts before IVS says the stream started
    _record(
        core,
        channel,
        _event(channel, "s-live", "Recording Start", 1, prefix),
        _event(channel, "s-live", "Stream Start", 1),
    )
    live = core.accounts.require(channel.sub)
    # THEN the directory card has the latest thumbnail of that recording, for anyone
    [url] = library.thumbnail_urls(None, [ChannelRef.of(live)])
    assert url is not None and url.startswith(f"{BASE}/{prefix}/{LATEST_THUMBNAIL}?Policy=")
    # WHEN the stream ends THEN there is none
    _record(core, channel, _event(channel, "s-live", "Stream End", 20))
    assert library.thumbnail_urls(None, [ChannelRef.of(core.accounts.require(channel.sub))]) == [None]


def test_a_private_channels_thumbnail_and_recordings_reach_only_its_owner_and_followers_it_does_not_ban(
    core: Core, library: RecordingLibrary
) -> None:
    channel = _channel(core, private=True)
    follower, stranger, banned = _channel(core), _channel(core), _channel(core)
    _follow(core, follower, channel)
    _follow(core, banned, channel)
    _ban(core, banned, channel)
    _broadcast(core, channel, "s-priv-1", "rec1")
    _record(
        core,
        channel,
        _event(channel, "s-priv-2", "Stream Start", 50),
        _event(channel, "s-priv-2", "Recording Start", 50, _prefix(channel, "rec2")),
    )
    ref = ChannelRef.of(core.accounts.require(channel.sub))
    # THEN the live thumbnail is signed for the owner and the follower only
    for viewer, sees in ((channel, True), (follower, True), (stranger, False), (banned, False)):
        assert (library.thumbnail_urls(viewer.sub, [ref])[0] is not None) is sees, viewer
    assert library.thumbnail_urls(None, [ref]) == [None]
    # AND so are the past broadcasts: the one available, not the one recording
    for viewer in (channel, follower):
        items, _ = library.channel_recordings(viewer.sub, ref, None, None)
        assert [(r["sessionId"], r["status"]) for r in items] == [("s-priv-1", "AVAILABLE")]
        assert items[0]["playbackUrl"].startswith(f"{BASE}/{_prefix(channel, 'rec1')}/{MASTER_PLAYLIST}?")
        assert items[0]["durationSeconds"] == 29
    for who, message in ((stranger.sub, "follow it first"), (banned.sub, "banned"), (None, "sign in")):
        with pytest.raises(Forbidden, match=message):
            library.channel_recordings(who, ref, None, None)


def test_a_public_channels_recordings_reach_anyone_it_does_not_ban_newest_first_by_pages(
    core: Core, library: RecordingLibrary
) -> None:
    channel, banned = _channel(core), _channel(core)
    _ban(core, banned, channel)
    for n in range(3):
        _broadcast(core, channel, f"s-pub-{n}", f"pub{n}")
    # A session of the channel recorded nothing (the stage did not record then): not a recording.
    _record(
        core,
        channel,
        _event(channel, "s-pub-bare", "Stream Start", 59),
        _event(channel, "s-pub-bare", "Stream End", 59),
    )
    ref = ChannelRef.of(core.accounts.require(channel.sub))
    first, token = library.channel_recordings(None, ref, 2, None)
    assert token is not None
    rest, last = library.channel_recordings(None, ref, 2, token)
    assert len(first) == 2 and len(rest) == 1 and last is None
    assert {r["sessionId"] for r in first + rest} == {"s-pub-0", "s-pub-1", "s-pub-2"}
    with pytest.raises(Forbidden, match="banned"):
        library.channel_recordings(banned.sub, ref, None, None)


def _put_recording(resources: LocalResources, prefix: str) -> list[str]:
    s3 = aws_client(resources.endpoint, "s3")
    keys = [
        f"{prefix}/{name}"
        for name in (MASTER_PLAYLIST, "media/hls/720p30/playlist.m3u8", "media/thumbnails/thumb0.jpg")
    ]
    for key in keys:
        s3.put_object(Bucket=resources.recordings_bucket, Key=key, Body=b"x")
    return keys


def _keys(resources: LocalResources, prefix: str) -> list[str]:
    listed = aws_client(resources.endpoint, "s3").list_objects_v2(Bucket=resources.recordings_bucket, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_deleting_a_recording_removes_its_objects_and_a_late_event_does_not_bring_it_back(
    core: Core, library: RecordingLibrary, resources: LocalResources
) -> None:
    channel = _channel(core)
    kept = _broadcast(core, channel, "s-del-keep", "keep")
    _put_recording(resources, kept)
    prefix = _prefix(channel, "gone")
    _put_recording(resources, prefix)
    start = _event(channel, "s-del", "Recording Start", 1, prefix)
    _record(core, channel, _event(channel, "s-del", "Stream Start", 1), start)
    # WHEN the owner deletes it while it records THEN it is refused and nothing is deleted
    owner = core.accounts.require(channel.sub)
    with pytest.raises(ValidationError, match="still in progress"):
        library.delete(owner, "s-del")
    assert len(_keys(resources, prefix)) == 3
    end = _event(channel, "s-del", "Recording End", 40, prefix, duration_ms=39_000)
    _record(core, channel, _event(channel, "s-del", "Stream End", 39), end)
    # WHEN it is deleted once the broadcast ended
    session = library.delete(owner, "s-del")
    # THEN the session stays, without a recording, and nothing of it is left; the other recording is untouched
    assert session["sessionId"] == "s-del" and "recording" not in session
    assert _keys(resources, prefix) == [] and len(_keys(resources, kept)) == 3
    # AND IVS's events delivered again, in another order, do not bring it back
    _record(core, channel, end, start)
    session, events = core.sessions.get(channel.sub, "s-del")
    assert "recording" not in session and "Recording Deleted" in [e.name for e in events]
    # AND deleting it again changes nothing; another owner's session is not found
    assert "recording" not in library.delete(owner, "s-del")
    with pytest.raises(Exception, match="no such stream session"):
        library.delete(core.accounts.require(_channel(core).sub), "s-del-keep")


def test_a_recording_prefix_outside_the_channel_is_never_deleted(core: Core, resources: LocalResources) -> None:
    channel, other = _channel(core), _channel(core)
    assert channel.channel_arn is not None
    storage = Recordings(aws_client(resources.endpoint, "s3"), resources.recordings_bucket)
    for prefix in (_prefix(other, "r"), f"{_prefix(channel, 'r')}/../../../../../../../../{_prefix(other, 'r')}"):
        with pytest.raises(ValueError, match="is not a recording of"):
            storage.delete_recording(channel.channel_arn, prefix)
