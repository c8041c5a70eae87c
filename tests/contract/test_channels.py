"""Channel pages, following and the live directory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.timefmt import iso
from tests.stacks import Api

CHANNEL = (
    "query C($u: String!) { channel(username: $u) { id username isLive liveSince followerCount viewerIsFollowing } }"
)


def live_since(minutes_ago: int) -> str:
    return iso(datetime.now(UTC) - timedelta(minutes=minutes_ago))


async def channel_id(api: Api, username: str) -> str:
    reply = await api.anonymous(CHANNEL, {"u": username})
    return str(reply.data["channel"]["id"])


async def test_a_channel_page_is_public_and_case_insensitive(api: Api) -> None:
    owner = await api.provisioned("Owner")
    reply = await api.anonymous(CHANNEL, {"u": owner.upper()})
    assert reply.errors == []
    assert reply.data["channel"]["username"] == owner
    assert reply.data["channel"]["viewerIsFollowing"] is None  # anonymous


@pytest.mark.parametrize("name", ["nobody-here", "x" * 500, ""])
async def test_an_unknown_username_is_null(api: Api, name: str) -> None:
    reply = await api.anonymous(CHANNEL, {"u": name})
    assert reply.body == {"data": {"channel": None}}


async def test_follow_and_unfollow_are_idempotent_and_counted(api: Api) -> None:
    # GIVEN a channel and a viewer
    owner = await api.provisioned("star")
    fan = api.user("fan")
    follow = "mutation F($u: String!) { follow(username: $u) { username followerCount viewerIsFollowing } }"
    unfollow = "mutation F($u: String!) { unfollow(username: $u) { username followerCount viewerIsFollowing } }"
    # WHEN the viewer follows twice
    first = await api.as_user(fan, follow, {"u": owner})
    again = await api.as_user(fan, follow, {"u": owner})
    # THEN the follow counts once
    assert first.data["follow"] == {"username": owner, "followerCount": 1, "viewerIsFollowing": True}
    assert again.data["follow"] == {"username": owner, "followerCount": 1, "viewerIsFollowing": True}
    page = await api.as_user(fan, CHANNEL, {"u": owner})
    assert page.data["channel"]["viewerIsFollowing"] is True
    # WHEN the viewer unfollows twice THEN the count goes back to zero once
    assert (await api.as_user(fan, unfollow, {"u": owner})).data["unfollow"]["followerCount"] == 0
    assert (await api.as_user(fan, unfollow, {"u": owner})).data["unfollow"] == {
        "username": owner,
        "followerCount": 0,
        "viewerIsFollowing": False,
    }


async def test_following_an_unknown_channel_or_yourself_is_refused(api: Api) -> None:
    me = await api.provisioned("solo")
    unknown = await api.as_user(me, 'mutation { follow(username: "no-such-user-x") { id } }')
    assert unknown.error_types() == ["NotFound"]
    assert unknown.data is None  # follow is non-null, so the null bubbles to data
    myself = await api.as_user(me, "mutation F($u: String!) { follow(username: $u) { id } }", {"u": me})
    assert myself.error_types() == ["ValidationError"]
    assert myself.errors[0]["message"].startswith("username:")


async def test_following_lists_live_channels_by_newest_start_then_offline_by_newest_follow(api: Api) -> None:
    # GIVEN a viewer following four channels, two of them live
    viewer = api.user("viewer")
    names = [await api.provisioned(base) for base in ("a", "b", "c", "d")]
    for name in names:
        await api.as_user(viewer, "mutation F($u: String!) { follow(username: $u) { id } }", {"u": name})
    core = api.core()
    core.channels.set_live(await channel_id(api, names[0]), live_since(30))
    core.channels.set_live(await channel_id(api, names[2]), live_since(5))
    # WHEN the viewer lists what they follow
    reply = await api.as_user(viewer, "{ following { items { username isLive viewerIsFollowing } nextToken } }")
    # THEN live (newest start first), then offline (most recent follow first)
    items = reply.data["following"]["items"]
    assert [i["username"] for i in items] == [names[2], names[0], names[3], names[1]]
    assert [i["isLive"] for i in items] == [True, True, False, False]
    assert all(i["viewerIsFollowing"] for i in items)
    # AND when a channel goes offline it moves back among the offline ones
    core.channels.set_live(await channel_id(api, names[2]), None)
    reply = await api.as_user(viewer, "{ following { items { username } } }")
    assert [i["username"] for i in reply.data["following"]["items"]] == [names[0], names[3], names[2], names[1]]


async def test_live_channels_pages_newest_first_without_gaps_or_repeats(api: Api) -> None:
    names = [await api.provisioned(f"live{i}") for i in range(5)]
    core = api.core()
    for minutes, name in enumerate(names):
        core.channels.set_live(await channel_id(api, name), live_since(100 + minutes))
    seen: list[str] = []
    token = None
    while True:
        reply = await api.anonymous(
            "query L($t: String) { liveChannels(limit: 2, nextToken: $t) { items { username isLive } nextToken } }",
            {"t": token},
        )
        assert reply.errors == []
        page = reply.data["liveChannels"]
        assert len(page["items"]) <= 2
        seen += [i["username"] for i in page["items"] if i["username"] in names]
        token = page["nextToken"]
        if not token:
            break
    assert seen == names  # names[0] went live most recently


@pytest.mark.parametrize("limit", [0, 51, -1])
async def test_a_page_size_outside_1_to_50_is_refused(api: Api, limit: int) -> None:
    reply = await api.anonymous("query L($n: Int) { liveChannels(limit: $n) { items { id } } }", {"n": limit})
    assert reply.error_types() == ["ValidationError"]
    assert reply.errors[0]["message"].startswith("limit:")


async def test_forged_or_foreign_next_tokens_are_refused(api: Api) -> None:
    # GIVEN a real token from one user's `following`
    viewer, other = api.user("tok"), api.user("tok")
    for base in ("p", "q"):
        name = await api.provisioned(base)
        await api.as_user(viewer, "mutation F($u: String!) { follow(username: $u) { id } }", {"u": name})
    page = await api.as_user(viewer, "{ following(limit: 1) { nextToken } }")
    token = page.data["following"]["nextToken"]
    assert token
    following = "query F($t: String) { following(limit: 1, nextToken: $t) { items { id } } }"
    # THEN it is refused for another user, for another query, and when altered
    for reply in (
        await api.as_user(other, following, {"t": token}),
        await api.anonymous("query L($t: String) { liveChannels(nextToken: $t) { items { id } } }", {"t": token}),
        await api.as_user(viewer, following, {"t": token[:-2] + ("AA" if not token.endswith("AA") else "BB")}),
        await api.as_user(viewer, following, {"t": "not-a-token"}),
    ):
        assert reply.error_types() == ["InvalidNextToken"], reply.body
    # AND the owner can still use it
    assert (await api.as_user(viewer, following, {"t": token})).errors == []
