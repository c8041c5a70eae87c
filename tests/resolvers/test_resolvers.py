"""The resolver Lambda on recorded AppSync events: thin routing, domain errors by name, internals masked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from core.errors import InternalFailure, NotFound, ValidationError
from tests.resolvers.conftest import Handler, anonymous, recorded


def user() -> dict[str, str]:
    name = f"u{uuid.uuid4().hex[:10]}"
    return {"viewer": name, "viewer_sub": str(uuid.uuid4())}


def provision(handler: Handler, who: dict[str, str]) -> dict[str, Any]:
    account: dict[str, Any] = handler(recorded("Mutation.createResources", **who))
    return account


def test_me_is_none_before_and_the_account_after_provisioning(handler: Handler) -> None:
    who = user()
    assert handler(recorded("Query.me", **who)) is None
    account = provision(handler, who)
    assert account["id"] == who["viewer_sub"]
    assert account["email"] == f"{who['viewer']}@example.com"
    assert handler(recorded("Query.me", **who)) == account


def test_channel_returns_the_page_or_none(handler: Handler) -> None:
    star = user()
    provision(handler, star)
    viewer = user()
    page = handler(
        recorded("Query.channel", viewer=viewer["viewer"], viewer_sub=viewer["viewer_sub"], star=star["viewer"])
    )
    assert page["username"] == star["viewer"]
    # The selection asks for viewerIsFollowing: the root settles it (and the ban) in one read.
    assert (page["viewerIsFollowing"], page["viewerIsBanned"]) == (False, False)
    assert page["playbackUrl"]
    missing = recorded("Query.channel", **viewer, star="nobody-at-all")
    assert handler(missing) is None


def test_viewer_is_following_answers_a_whole_batch_in_order(handler: Handler) -> None:
    # GIVEN a viewer following one of two channels
    viewer, followed, other = user(), user(), user()
    ids = [provision(handler, followed)["channel"]["id"], provision(handler, other)["channel"]["id"]]
    handler(recorded("Mutation.follow", **viewer, star=followed["viewer"]))
    template = recorded("Channel.viewerIsFollowing", **viewer)[0]
    batch = [{**template, "source": {"id": channel_id}} for channel_id in ids]
    # THEN the batch answers per item, in order
    assert handler(batch) == [True, False]
    # AND a value the parent resolver already knew is trusted as is
    assert handler([{**template, "source": {"id": ids[1], "viewerIsFollowing": True}}]) == [True]
    # AND anonymous viewers get null
    assert handler(anonymous(batch)) == [None, None]


def test_follow_and_unfollow_return_the_channel_with_the_viewers_state(handler: Handler) -> None:
    viewer, star = user(), user()
    provision(handler, star)
    followed = handler(recorded("Mutation.follow", **viewer, star=star["viewer"]))
    assert (followed["viewerIsFollowing"], followed["followerCount"]) == (True, 1)
    unfollowed = handler(recorded("Mutation.unfollow", **viewer, star=star["viewer"]))
    assert (unfollowed["viewerIsFollowing"], unfollowed["followerCount"]) == (False, 0)


def test_following_and_live_channels_return_connections(handler: Handler) -> None:
    who = user()
    assert handler(recorded("Query.following", **who)) == {"items": [], "nextToken": None}
    live = handler(recorded("Query.liveChannels", **who))
    assert set(live) == {"items", "nextToken"}


def test_domain_errors_propagate_with_their_class_as_error_type(handler: Handler) -> None:
    who = user()
    provision(handler, who)
    event = recorded("Mutation.updatePreferences", **who)
    event["arguments"] = {"input": {"color": "plaid"}}
    with pytest.raises(ValidationError, match=r"^input\.color: unknown color 'plaid'"):
        handler(event)
    with pytest.raises(NotFound):
        handler(recorded("Mutation.follow", **who, star="nobody-at-all"))
    too_many = recorded("Query.liveChannels", **who)
    too_many["arguments"] = {"limit": 500}
    with pytest.raises(ValidationError, match=r"^limit:"):
        handler(too_many)


def test_unexpected_failures_reach_clients_without_internals(handler: Handler) -> None:
    event = recorded("Query.me", **user())
    event["info"]["fieldName"] = "notAField"
    with pytest.raises(InternalFailure) as caught:
        handler(event)
    assert "notAField" not in str(caught.value)
    assert str(caught.value).startswith("An internal failure occurred (request ")
