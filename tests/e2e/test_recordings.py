"""Recordings on the whole local stack (the local stage records): a simulated broadcast leaves IVS's
recording in the recordings bucket and the session knows it; the API hands out signed URLs that the local
edge (CloudFront's part) serves, to whom the channel allows; deleting a recording or the account leaves
nothing of it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from client.auth import CognitoAuth, TokenCache
from client.errors import GraphQLErrors
from client.sdk import UGCClient
from core.recordings import channel_prefix
from emulator.local_aws.clients import client as aws_client
from emulator.simulator import StreamProfile, StreamSimulator, target_for_channel
from tests.dev_server import wait_for
from tests.e2e.conftest import sign_up
from tests.stacks import FullStack, local_core


def test_a_broadcast_is_recorded_and_deleting_the_account_leaves_nothing_in_the_bucket(
    stack: FullStack, tmp_path: Path
) -> None:
    auth = CognitoAuth(stack.outputs, cache=TokenCache(tmp_path / "tokens.json"))
    username, _, client = sign_up(stack, auth, "rec")
    me = client.execute("{ me { id channel { id } } }")["me"]
    channel_id = me["channel"]["id"]
    account = local_core(stack.resources).channels.by_channel_id(channel_id)
    assert account is not None and account.channel_arn
    # WHEN the streamer broadcasts for a couple of seconds
    simulator = StreamSimulator(
        target_for_channel(stack.resources.endpoint, channel_id, username=username), StreamProfile(duration=2)
    )
    simulator.start()
    simulator.stop(timeout=30)
    assert stack.aws.wait_for_events(30)
    # THEN the recording is in the bucket, under the channel's prefix
    s3 = aws_client(stack.resources.endpoint, "s3")
    prefix = channel_prefix(account.channel_arn)

    def objects() -> list[str]:
        listed = s3.list_objects_v2(Bucket=stack.resources.recordings_bucket, Prefix=prefix)
        return [o["Key"] for o in listed.get("Contents", [])]

    assert any(key.endswith("/events/recording-ended.json") for key in objects())
    # AND its session knows where it is and that it is available
    sessions, _ = local_core(stack.resources).sessions.page(account.sub, None, None)
    deadline = time.monotonic() + 10
    while not (sessions and (sessions[0].get("recording") or {}).get("status") == "AVAILABLE"):
        assert time.monotonic() < deadline, (
            sessions,
            [(e.name, e.recording) for e in local_core(stack.resources).sessions.events(sessions[0]["sessionId"])],
        )
        time.sleep(0.2)
        sessions, _ = local_core(stack.resources).sessions.page(account.sub, None, None)
    assert sessions[0]["recording"]["keyPrefix"].startswith(prefix)
    # WHEN the account is deleted THEN nothing of its recordings is left
    client.execute("mutation { deleteAccount }")
    assert objects() == []


# --- the API's recordings, played through the local edge ------------------------------------------------
SESSIONS = """{ streamSessions { items { id recording {
  sessionId status playbackUrl durationSeconds thumbnailUrls } } } }"""
RECORDINGS = """query R($u: String!) { channel(username: $u) { recordings { items {
  sessionId status playbackUrl durationSeconds thumbnailUrls } nextToken } } }"""
CARDS = "{ liveChannels { items { id thumbnailUrl } } }"
CARD = "query C($u: String!) { channel(username: $u) { isLive thumbnailUrl } }"


def _broadcast(stack: FullStack, username: str, channel_id: str, seconds: float) -> StreamSimulator:
    simulator = StreamSimulator(
        target_for_channel(stack.resources.endpoint, channel_id, username=username), StreamProfile(duration=seconds)
    )
    simulator.start()
    return simulator


def _available(client: UGCClient) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        items = client.execute(SESSIONS)["streamSessions"]["items"]
        recording = items[0]["recording"] if items else None
        return recording if recording and recording["status"] == "AVAILABLE" else None

    return dict(wait_for(done, 20, "the recording became available"))


def _get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=10)


def _with_query(url: str, signed: str) -> str:
    """What a player configured for signed recordings requests: the playlist's URI, plus the signed query."""
    return f"{url}?{urlsplit(signed).query}"


def test_a_broadcast_is_played_back_with_its_thumbnails_through_signed_urls_only(
    stack: FullStack, tmp_path: Path
) -> None:
    auth = CognitoAuth(stack.outputs, cache=TokenCache(tmp_path / "tokens.json"))
    username, _, client = sign_up(stack, auth, "vod")
    channel_id = client.execute("mutation { createResources { channel { id } } }")["createResources"]["channel"]["id"]
    anonymous = UGCClient.anonymous(stack.outputs)
    # WHEN the streamer broadcasts
    simulator = _broadcast(stack, username, channel_id, 4)
    started = time.monotonic()

    # THEN while live, the directory card shows the latest thumbnail, to anyone, and it loads
    def card() -> str | None:
        items = anonymous.execute(CARDS)["liveChannels"]["items"]
        return next((c["thumbnailUrl"] for c in items if c["id"] == channel_id and c["thumbnailUrl"]), None)

    thumbnail = wait_for(card, 20, "the live channel's card has a thumbnail")
    assert thumbnail.startswith(f"{stack.resources.recordings_base_url}/")
    loaded = _get(thumbnail)
    assert loaded.status_code == 200 and loaded.headers["content-type"] == "image/jpeg"
    assert loaded.content.startswith(b"\xff\xd8")
    # WHEN the broadcast ends (after two seconds at least: its duration is counted in whole seconds)
    time.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
    simulator.stop(timeout=30)
    assert stack.aws.wait_for_events(30)
    # THEN the card has no thumbnail any more
    assert anonymous.execute(CARD, {"u": username})["channel"] == {"isLive": False, "thumbnailUrl": None}

    # AND the owner's session has the recording: how long, its thumbnails, and a playlist a player parses
    recording = _available(client)
    assert recording["durationSeconds"] >= 2
    assert recording["thumbnailUrls"] and all(_get(u).status_code == 200 for u in recording["thumbnailUrls"])
    master = _get(recording["playbackUrl"], Origin="http://localhost:5173")
    assert master.status_code == 200 and master.text.startswith("#EXTM3U")
    assert master.headers["access-control-allow-origin"] in {"*", "http://localhost:5173"}
    variant = next(line for line in master.text.splitlines() if line and not line.startswith("#"))
    base = recording["playbackUrl"].split("?")[0].rsplit("/", 1)[0]
    playlist = _get(_with_query(f"{base}/{variant}", recording["playbackUrl"]))
    assert playlist.status_code == 200 and "#EXT-X-ENDLIST" in playlist.text
    segment = next(line for line in playlist.text.splitlines() if line and not line.startswith("#"))
    segment_url = f"{base}/{variant.rsplit('/', 1)[0]}/{segment}"
    assert _get(_with_query(segment_url, recording["playbackUrl"])).content[:1] == b"\x47"  # MPEG-TS sync byte
    # AND nothing of it is served unsigned
    for url in (recording["playbackUrl"], thumbnail, segment_url):
        assert _get(url.split("?")[0]).status_code == 403
    # AND anyone finds it among the channel's recordings, with the same URLs
    [public] = anonymous.execute(RECORDINGS, {"u": username})["channel"]["recordings"]["items"]
    assert public == recording | {"sessionId": public["sessionId"]}

    # WHEN the owner deletes the recording THEN the session stays without it, and nothing of it is served
    session_id = client.execute(SESSIONS)["streamSessions"]["items"][0]["id"]
    deleted = client.execute(
        "mutation D($s: ID!) { deleteRecording(sessionId: $s) { id recording { status } } }", {"s": session_id}
    )
    assert deleted["deleteRecording"] == {"id": session_id, "recording": None}
    assert _get(recording["playbackUrl"]).status_code == 403
    assert anonymous.execute(RECORDINGS, {"u": username})["channel"]["recordings"]["items"] == []
    s3 = aws_client(stack.resources.endpoint, "s3")
    prefix = recording["playbackUrl"].split("?")[0].removeprefix(f"{stack.resources.recordings_base_url}/")
    prefix = prefix.removesuffix("media/hls/master.m3u8")
    assert s3.list_objects_v2(Bucket=stack.resources.recordings_bucket, Prefix=prefix).get("Contents", []) == []


def test_a_private_channels_recordings_and_thumbnail_are_refused_to_a_stranger(
    stack: FullStack, tmp_path: Path
) -> None:
    auth = CognitoAuth(stack.outputs, cache=TokenCache(tmp_path / "tokens.json"))
    owner, _, owner_client = sign_up(stack, auth, "pvod")
    _, _, fan = sign_up(stack, auth, "pfan")
    _, _, stranger = sign_up(stack, auth, "pstr")
    channel_id = owner_client.execute("mutation { createResources { channel { id } } }")["createResources"]["channel"][
        "id"
    ]
    owner_client.execute("mutation { updateChannelConfiguration(input: {isPrivate: true}) { isPrivate } }")
    fan.execute("mutation F($u: String!) { follow(username: $u) { id } }", {"u": owner})
    simulator = _broadcast(stack, owner, channel_id, 3)
    # WHILE live, the follower's card has the thumbnail and the stranger's has none
    wait_for(lambda: fan.execute(CARD, {"u": owner})["channel"]["thumbnailUrl"], 20, "the follower sees the thumbnail")
    assert stranger.execute(CARD, {"u": owner})["channel"] == {"isLive": True, "thumbnailUrl": None}
    assert UGCClient.anonymous(stack.outputs).execute(CARD, {"u": owner})["channel"]["thumbnailUrl"] is None
    simulator.stop(timeout=30)
    assert stack.aws.wait_for_events(30)
    recording = _available(owner_client)
    # THEN the follower gets the recording, which plays
    [seen] = fan.execute(RECORDINGS, {"u": owner})["channel"]["recordings"]["items"]
    assert _get(seen["playbackUrl"]).status_code == 200
    assert seen["sessionId"] == recording["sessionId"]
    # AND the stranger and an anonymous visitor are refused, with no URL
    for who in (stranger, UGCClient.anonymous(stack.outputs)):
        with pytest.raises(GraphQLErrors) as refused:
            who.execute(RECORDINGS, {"u": owner})
        assert [e.get("errorType") for e in refused.value.errors] == ["Forbidden"]
        assert "playbackUrl" not in str(refused.value.data or "")
