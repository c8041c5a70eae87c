"""Re-ranking a channel in its followers' `following` lists: a go-live sends jobs and writes no follow,
each job does one bounded page, and jobs run in any order, any number of times, leave every follow
ranked for the channel's newest live state."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import table as t
from core.app import Core
from core.models import AccountItem, follow_order
from core.ranking import FollowRanking, RankJob, all_followers
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import add_followers, local_core, ready_channel


@pytest.fixture(scope="module")
def resources(local_aws: LocalAwsServer) -> LocalResources:
    return bootstrap(local_aws.endpoint, name_prefix=f"ranking-{uuid.uuid4().hex[:6]}")


class Jobs:
    """The queue, played by a list: the test decides when and in what order jobs run."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.calls: list[int] = []

    def __call__(self, bodies: list[str]) -> None:
        assert 1 <= len(bodies) <= 10  # what one SendMessageBatch takes
        self.calls.append(len(bodies))
        self.sent.extend(bodies)

    def take(self) -> list[RankJob]:
        jobs, self.sent = [RankJob.from_json(b) for b in self.sent], []
        return jobs


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


@pytest.fixture
def core(resources: LocalResources, jobs: Jobs) -> Core:
    core = local_core(resources)
    core.ranking = FollowRanking(core.table, jobs)
    return core


def follows(core: Core, account: AccountItem) -> list[dict[str, Any]]:
    assert account.channel_id is not None
    keys = [(f["PK"]["S"], f["SK"]["S"]) for f in all_followers(core.table, account.channel_id)]
    return [item for pk, sk in keys if (item := core.table.get(pk, sk, consistent=True))]


def ranked_for(core: Core, account: AccountItem) -> Callable[[dict[str, Any]], bool]:
    now = core.accounts.get(account.sub)
    assert now is not None

    def check(follow: dict[str, Any]) -> bool:
        expected = follow_order(now.live_since, follow["followedAt"]["S"])
        return follow["followOrder"]["S"] == expected and int(follow["rankVersion"]["N"]) == now.rank_version

    return check


def test_a_go_live_sends_one_job_per_shard_and_writes_no_follow_itself(core: Core, jobs: Jobs) -> None:
    # GIVEN a channel with followers
    account = ready_channel(core)
    add_followers(core, account, 40)
    assert account.channel_id is not None
    before = follows(core, account)
    # WHEN it goes live
    core.channels.set_live(account.channel_id, "2026-12-05T10:00:00.000Z")
    # THEN one job per shard went out, in two batched sends, and no follow changed yet
    sent = jobs.take()
    assert sorted(j.shard for j in sent) == list(range(t.FOLLOWER_SHARDS))
    assert {(j.version, j.live_since) for j in sent} == {(1, "2026-12-05T10:00:00.000Z")}
    assert jobs.calls == [10, 6]
    assert follows(core, account) == before
    # AND once the jobs ran, every follower has the channel ranked live
    for job in sent:
        core.ranking.run(job)
    assert all(map(ranked_for(core, account), follows(core, account)))


def test_a_job_works_one_page_and_sends_the_next_page_first(core: Core, jobs: Jobs) -> None:
    # GIVEN seven followers in one shard, and jobs of three follows
    account = ready_channel(core)
    add_followers(core, account, 7, shard=3)
    assert account.channel_id is not None
    core.ranking = FollowRanking(core.table, jobs, page=3)
    core.channels.set_live(account.channel_id, "2026-12-05T11:00:00.000Z")
    (job,) = [j for j in jobs.take() if j.shard == 3]
    # WHEN the shard's first job runs
    first = core.ranking.run(job)
    # THEN it ranked three and sent the job of the next page
    assert (first.updated, first.continued) == (3, True)
    (second,) = jobs.take()
    assert second.shard == 3 and second.start is not None
    # AND the chain ends after the third page, with all seven ranked
    third = core.ranking.run(second)
    (last,) = jobs.take()
    final = core.ranking.run(last)
    assert (third.updated, final.updated, final.continued) == (3, 1, False)
    assert jobs.take() == []
    assert sum(map(ranked_for(core, account), follows(core, account))) == 7


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    transitions=st.lists(st.booleans(), min_size=1, max_size=4),
    duplicates=st.lists(st.integers(0, 200), max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_jobs_in_any_order_and_delivered_twice_leave_every_follow_ranked_for_the_newest_state(
    core: Core, jobs: Jobs, transitions: list[bool], duplicates: list[int], seed: int
) -> None:
    # GIVEN a channel with followers in every shard, and small pages so jobs continue
    account = ready_channel(core)
    add_followers(core, account, 24)
    assert account.channel_id is not None
    core.ranking = FollowRanking(core.table, jobs, page=1)
    # WHEN it goes live and offline several times, and the queue delivers the jobs (and the jobs they
    # send) shuffled, some of them twice
    for hour, live in enumerate(transitions):
        core.channels.set_live(account.channel_id, f"2026-12-05T{10 + hour:02}:00:00.000Z" if live else None)
    rng = random.Random(seed)
    pending = jobs.take()
    while pending:
        pending += [pending[i % len(pending)] for i in duplicates[: len(pending)]]
        rng.shuffle(pending)
        for job in pending:
            core.ranking.run(job)
        pending = jobs.take()
    # THEN every follow is ranked for the channel's final state and version
    assert all(map(ranked_for(core, account), follows(core, account)))


def test_an_older_job_never_undoes_a_newer_ranking_nor_a_follow_made_since(core: Core, jobs: Jobs) -> None:
    # GIVEN a channel that went live (version 1) then offline (version 2), the offline jobs done first
    account = ready_channel(core)
    add_followers(core, account, 10)
    assert account.channel_id is not None
    core.channels.set_live(account.channel_id, "2026-12-05T12:00:00.000Z")
    live_jobs = jobs.take()
    core.channels.set_live(account.channel_id, None)
    for job in jobs.take():
        core.ranking.run(job)
    # AND someone follows it now (written with the current version)
    (late,) = add_followers(core, account, 1)
    core.table.client.update_item(
        TableName=core.table.name,
        Key={"PK": {"S": t.user_pk(late)}, "SK": {"S": t.follow_sk(account.channel_id)}},
        UpdateExpression="SET rankVersion = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    # WHEN the go-live's jobs arrive late
    results = [core.ranking.run(job) for job in live_jobs]
    # THEN they are recognised as stale and change nothing: every follow is still ranked offline
    assert all(r.stale and r.updated == 0 for r in results)
    assert all(f["followOrder"]["S"].startswith("0#") for f in follows(core, account))


def test_a_removed_follow_is_never_resurrected(core: Core, jobs: Jobs) -> None:
    account = ready_channel(core)
    (gone,) = add_followers(core, account, 1)
    assert account.channel_id is not None
    core.channels.set_live(account.channel_id, "2026-12-05T13:00:00.000Z")
    pending = jobs.take()
    # WHEN the follower unfollows after the go-live, before its job runs
    core.table.client.delete_item(
        TableName=core.table.name, Key={"PK": {"S": t.user_pk(gone)}, "SK": {"S": t.follow_sk(account.channel_id)}}
    )
    for job in pending:
        core.ranking.run(job)
    # THEN the follow stays gone
    assert core.table.get(t.user_pk(gone), t.follow_sk(account.channel_id), consistent=True) is None


def test_a_body_that_is_not_a_job_is_refused() -> None:
    for body in ("", "[]", '{"version": "1", "shard": 0}', '{"version": 1}'):
        with pytest.raises((ValueError, KeyError, ClientError)):
            RankJob.from_json(body)
