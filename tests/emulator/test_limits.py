"""The local AppSync over HTTP enforces the stage's queryDepthLimit and resolverCountLimit as AppSync does
(appsync-semantics.md §6): the operation runs, fields past a limit fail, and a non-null failure nulls the
first nullable parent. The defaults every stage gets (depth 10, 500 resolvers) are sized in the README."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.server import LocalAwsServer
from emulator.stack import LOCAL_STAGE, engine_options
from infra.config import file_context, load_stage_config
from tests.stacks import Api, http_api

CARD = "items { id username isLive liveSince followerCount viewerIsFollowing viewerIsBanned } nextToken"
# The largest operation a client makes: a home screen with the caller's account and a page of 50 of both
# channel lists, each card with both per-viewer batch fields. 1 + (1 + 50 + 50) * 2 = 203 resolvers, depth 3.
HOME = f"{{ me {{ id username }} following(limit: 50) {{ {CARD} }} liveChannels(limit: 50) {{ {CARD} }} }}"
SAVE_PRESET = 'p{i}: saveStreamActionPreset(input: {{name: "p{i}", action: {{celebration: true}}}}) {{ id }}'


@pytest.fixture(scope="module")
def api(local_aws: LocalAwsServer) -> Iterator[Api]:
    """The local stage as `ugc dev` runs it: the default limits."""
    with http_api(bootstrap(local_aws.endpoint, name_prefix="limits")) as deployed:
        yield deployed


@pytest.fixture(scope="module")
def few(local_aws: LocalAwsServer) -> Iterator[Api]:
    """A stage that allows 3 resolvers a request, as cdk.json's `apiResolverCountLimit: 3` would."""
    stage = replace(LOCAL_STAGE, api_resolver_count_limit=3)
    with http_api(bootstrap(local_aws.endpoint, name_prefix="limits-few"), stage) as deployed:
        yield deployed


@pytest.fixture(scope="module")
def shallow(local_aws: LocalAwsServer) -> Iterator[Api]:
    """A stage whose queries may nest 2 levels, as cdk.json's `apiQueryDepthLimit: 2` would."""
    stage = replace(LOCAL_STAGE, api_query_depth_limit=2)
    with http_api(bootstrap(local_aws.endpoint, name_prefix="limits-shallow"), stage) as deployed:
        yield deployed


def test_the_local_stack_enforces_the_limits_every_deployed_stage_gets() -> None:
    context = file_context()
    for name in ("dev", "prod"):
        stage = load_stage_config({**context, "stage": name})
        deployed = (stage.api_query_depth_limit, stage.api_resolver_count_limit)
        local = engine_options(LOCAL_STAGE)
        assert (local.query_depth_limit, local.resolver_count_limit) == deployed == (10, 500)


async def test_a_thousand_aliases_of_live_channels_stop_at_the_resolver_count_limit(api: Api) -> None:
    # GIVEN the default limit of 500 resolvers a request
    # WHEN an anonymous caller asks 1,000 aliases of liveChannels
    query = "{ " + " ".join(f"c{i}: liveChannels(limit: 1) {{ nextToken }}" for i in range(1000)) + " }"
    reply = await api.anonymous(query)
    # THEN the 501st alias is refused without running, and as liveChannels is non-null the result is null
    assert reply.status == 200
    assert reply.data is None
    assert [(e["errorType"], e["path"], e["message"]) for e in reply.errors] == [
        ("ResolverCountLimitExceeded", ["c500"], "Resolver count limit of 500 exceeded.")
    ]


async def test_past_the_resolver_count_limit_nullable_fields_fail_one_by_one(api: Api) -> None:
    # WHEN 1,000 aliases of a nullable field are asked (no such channel: each answer is null)
    query = "{ " + " ".join(f'c{i}: channel(username: "nobody{i}") {{ id }}' for i in range(1000)) + " }"
    reply = await api.anonymous(query)
    # THEN the first 500 ran and answered, and each of the other 500 failed with the limit
    assert reply.data == {f"c{i}": None for i in range(1000)}
    refused = [e for e in reply.errors if e["errorType"] == "ResolverCountLimitExceeded"]
    assert reply.errors == refused
    assert sorted(int(e["path"][0][1:]) for e in refused) == list(range(500, 1000))


async def test_no_resolver_runs_past_the_limit(few: Api) -> None:
    # GIVEN a stage that allows 3 resolvers a request, and a streamer
    user = await few.provisioned("presets")
    # WHEN one mutation saves 5 presets (mutation fields run one after another)
    reply = await few.as_user(user, "mutation { " + " ".join(SAVE_PRESET.format(i=i) for i in range(5)) + " }")
    # THEN the 4th is refused, the 5th never starts (saveStreamActionPreset is non-null), and only 3 were saved
    assert reply.data is None
    assert [(e["errorType"], e["path"]) for e in reply.errors] == [("ResolverCountLimitExceeded", ["p3"])]
    saved = await few.as_user(user, "{ me { streamActionPresets { name } } }")
    assert sorted(p["name"] for p in saved.data["me"]["streamActionPresets"]) == ["p0", "p1", "p2"]


async def test_each_item_of_a_batched_field_counts_as_one_resolver(few: Api) -> None:
    # GIVEN 3 live channels and a limit of 3 resolvers
    viewer = await few.provisioned("viewer")
    core = few.core()
    for _ in range(3):
        name = await few.provisioned("live")
        account = core.accounts.by_username(name)
        assert account is not None and account.channel_id is not None
        core.channels.set_live(account.channel_id, "2026-12-05T10:00:00.000Z")
    # WHEN a page of them is asked with a batch field: liveChannels (1), then one per card
    reply = await few.as_user(viewer, "{ liveChannels { items { id viewerIsFollowing } } }")
    # THEN the first two cards get their answer and the third card's field fails with the limit
    items = reply.data["liveChannels"]["items"]
    assert [item["viewerIsFollowing"] for item in items] == [False, False, None]
    assert [(e["errorType"], e["path"]) for e in reply.errors] == [
        ("ResolverCountLimitExceeded", ["liveChannels", "items", 2, "viewerIsFollowing"])
    ]


async def test_fields_deeper_than_the_depth_limit_fail_and_null_their_first_nullable_parent(shallow: Api) -> None:
    # GIVEN a depth limit of 2 and a provisioned user
    user = await shallow.provisioned("deep")
    # WHEN a query reaches depth 3 under `me` (me > channel > id) beside fields within the limit
    reply = await shallow.as_user(user, "{ me { id channel { id } } liveChannels { nextToken } }")
    # THEN the operation runs: channel.id fails, channel is non-null so `me` becomes null, the rest answers
    assert reply.status == 200
    assert reply.data == {"me": None, "liveChannels": {"nextToken": None}}
    assert [(e["errorType"], e["path"], e["message"]) for e in reply.errors] == [
        ("QueryDepthLimitExceeded", ["me", "channel", "id"], "Query depth limit of 2 exceeded.")
    ]
    # AND within the limit the same fields answer
    within = await shallow.as_user(user, "{ me { id username } }")
    assert within.errors == [] and within.data["me"]["username"] == user


async def test_the_largest_real_operation_runs_under_the_default_limits(api: Api) -> None:
    # GIVEN a viewer who follows 50 live channels
    viewer = await api.provisioned("viewer")
    core = api.core()
    me = core.accounts.by_username(viewer)
    assert me is not None
    for _ in range(50):
        name = await api.provisioned("live")
        account = core.accounts.by_username(name)
        assert account is not None and account.channel_id is not None
        core.follows.follow(me.sub, name)
        core.channels.set_live(account.channel_id, "2026-12-05T10:00:00.000Z")
    # WHEN the home screen asks both pages of 50 with every per-viewer batch field (203 resolvers)
    reply = await api.as_user(viewer, HOME)
    # THEN it runs whole
    assert reply.errors == [], reply.errors[:3]
    for page in ("following", "liveChannels"):
        items = reply.data[page]["items"]
        assert len(items) == 50
        assert all(item["isLive"] and item["viewerIsBanned"] is False for item in items)
    assert all(item["viewerIsFollowing"] for item in reply.data["following"]["items"])
