"""The stage's query limits as the local AppSync enforces them (the defaults every stage gets: depth 10,
500 resolvers a request): the largest real operation runs whole, a query of a thousand aliases does not."""

from __future__ import annotations

from tests.stacks import Api

# A page of 50 channels with both per-viewer batch fields: 1 + 50 + 50 resolvers.
LARGEST = "{ liveChannels(limit: 50) { items { id username isLive viewerIsFollowing viewerIsBanned } nextToken } }"


async def test_the_largest_real_operation_runs_under_the_default_limits(api: Api) -> None:
    viewer = api.user("limits")
    core = api.core()
    for _ in range(50):
        name = await api.provisioned("lim")
        account = core.accounts.by_username(name)
        assert account is not None and account.channel_id is not None
        core.channels.set_live(account.channel_id, "2026-12-05T10:00:00.000Z")
    reply = await api.as_user(viewer, LARGEST)
    assert reply.errors == []
    assert len(reply.data["liveChannels"]["items"]) == 50


async def test_a_thousand_aliases_are_refused_at_the_501st_resolver(api: Api) -> None:
    query = "{ " + " ".join(f"c{i}: liveChannels(limit: 1) {{ nextToken }}" for i in range(1000)) + " }"
    reply = await api.anonymous(query)
    # THEN the 501st alias fails with the limit, and as `liveChannels` is non-null the whole result is null
    assert reply.data is None
    (refused,) = [e for e in reply.errors if e.get("errorType") == "ResolverCountLimitExceeded"]
    assert (refused["path"], refused["message"]) == (["c500"], "Resolver count limit of 500 exceeded.")
