"""IVS EventBridge events → stream sessions: idempotent and independent of arrival order."""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.app import Core
from core.models import AccountItem, follow_order
from core.ranking import all_followers
from core.sessions import summarize
from core.timefmt import now_iso
from emulator.appsync.invoke import LambdaContext
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.clients import client as aws_client
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import add_followers, function_environment, local_core, ready_channel

STATE, HEALTH, LIMIT = "IVS Stream State Change", "IVS Stream Health Change", "IVS Limit Breach"
RECORDING = "IVS Recording State Change"
# One broadcast as IVS reports it, in the order it happens.
SCRIPT = [
    (STATE, "event_name", "Session Created", "10:00:00"),
    (STATE, "event_name", "Stream Start", "10:00:02"),
    (RECORDING, "recording_status", "Recording Start", "10:00:03"),
    (HEALTH, "event_name", "Starvation Start", "10:05:00"),
    (HEALTH, "event_name", "Starvation End", "10:05:30"),
    (LIMIT, "limit_name", "Ingest Bitrate", "10:06:00"),
    (STATE, "event_name", "Stream End", "10:30:00"),
    (STATE, "event_name", "Session Ended", "10:30:05"),
    (RECORDING, "recording_status", "Recording End", "10:30:09"),
]
RECORDING_MS = 1_800_000
# The same for every test session, so sessions recorded alike compare equal.
RECORDING_PREFIX = "ivs/v1/123456789012/AsXego4U6tnj/2026/11/21/10/0/j8Z9O91ndcVs"


@pytest.fixture(scope="module")
def resources(local_aws: LocalAwsServer) -> LocalResources:
    return bootstrap(local_aws.endpoint, name_prefix=f"streams-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def streams(resources: LocalResources) -> Iterator[Any]:
    import triggers.runtime
    import triggers.stream_events

    with function_environment(resources, "streams", composition_root=triggers.runtime):
        yield lambda event: triggers.stream_events.handler(copy.deepcopy(event), LambdaContext("streams", "req"))


@pytest.fixture(scope="module")
def core(resources: LocalResources) -> Core:
    return local_core(resources)


def ivs_event(account: AccountItem, session: str, step: tuple[str, str, str, str], day: str = "2026-11-21") -> dict:
    detail_type, key, name, clock = step
    return {
        "version": "0",
        "id": f"{session}-{name}",
        "detail-type": detail_type,
        "source": "aws.ivs",
        "account": "123456789012",
        "time": f"{day}T{clock}Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:ivs:us-east-1:123456789012:channel/{account.channel_id}"],
        "detail": {key: name, "channel_name": "x", "stream_id": session, **recording_detail(account, session, name)},
    }


def recording_detail(account: AccountItem, session: str, name: str) -> dict[str, Any]:
    """What IVS adds to a Recording State Change event: where the recording is, how long it was."""
    if not name.startswith("Recording"):
        return {}
    return {
        "recording_status_reason": "ValidationException" if name == "Recording Start Failure" else "",
        "recording_s3_bucket_name": "recordings",
        "recording_s3_key_prefix": "" if name == "Recording Start Failure" else RECORDING_PREFIX,
        "recording_duration_ms": RECORDING_MS if name == "Recording End" else 0,
        "recording_session_id": f"rs-{session}",
        "recording_session_stream_ids": [session],
    }


def drain_following_queue(resources: LocalResources, rng: random.Random) -> int:
    """Play SQS and Lambda's event source mapping for the `following` queue, as unkindly as they may:
    every message (and those the jobs send) delivered in shuffled order, each twice. Returns how many
    jobs ran."""
    import triggers.following
    import triggers.runtime

    sqs = aws_client(resources.endpoint, "sqs")
    ran = 0
    with function_environment(resources, "following", composition_root=triggers.runtime):
        while True:
            messages = []
            while batch := sqs.receive_message(QueueUrl=resources.following_queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                messages += batch
            if not messages:
                return ran
            deliveries = messages * 2
            rng.shuffle(deliveries)
            for message in deliveries:
                record = {"messageId": message["MessageId"], "body": message["Body"]}
                result = triggers.following.handler({"Records": [record]}, LambdaContext("following", "req"))
                assert result == {"batchItemFailures": []}
                ran += 1
            for message in messages:
                sqs.delete_message(QueueUrl=resources.following_queue_url, ReceiptHandle=message["ReceiptHandle"])


def follows_of(core: Core, account: AccountItem) -> list[dict[str, Any]]:
    assert account.channel_id is not None
    keys = [(f["PK"]["S"], f["SK"]["S"]) for f in all_followers(core.table, account.channel_id)]
    return [item for pk, sk in keys if (item := core.table.get(pk, sk, consistent=True))]


def stored(core: Core, account: AccountItem, session: str) -> dict[str, Any]:
    item, events = core.sessions.get(account.sub, session)
    keep = ("startedAt", "endedAt", "isLive", "isHealthy", "hasErrorEvent", "eventCount", "recording")
    return {k: item.get(k) for k in keep} | {"events": [(e.name, e.event_time) for e in events]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.permutations(range(len(SCRIPT))),
    repeats=st.lists(st.integers(0, len(SCRIPT) - 1), max_size=5),
    keep=st.integers(1, len(SCRIPT)),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_order_and_duplication_of_deliveries_stores_the_same_session(
    streams: Any, core: Core, resources: LocalResources, order: list[int], repeats: list[int], keep: int, seed: int
) -> None:
    # GIVEN the events of one broadcast (a prefix of it: sessions can still be running), on a channel
    # with followers
    account, session = ready_channel(core), f"st-{uuid.uuid4().hex[:12]}"
    add_followers(core, account, 3)
    events = [ivs_event(account, session, SCRIPT[i]) for i in range(keep)]
    # WHEN they arrive shuffled, with some delivered again
    shuffled = [events[i] for i in order if i < keep] + [events[i] for i in repeats if i < keep]
    for event in shuffled:
        streams(event)
    result = stored(core, account, session)
    # THEN the session is what the events say, whatever the order: the same as in-order delivery
    reference_account, reference = ready_channel(core), f"st-{uuid.uuid4().hex[:12]}"
    for step in SCRIPT[:keep]:
        streams(ivs_event(reference_account, reference, step))
    assert result == stored(core, reference_account, reference)
    assert result["eventCount"] == keep
    # AND the channel is live exactly when the session is
    live = core.accounts.get(account.sub)
    assert live is not None
    assert (live.live_since is not None) == bool(result["isLive"])
    # AND once the re-ranking jobs ran (shuffled, each twice), every follower ranks the channel as it is
    drain_following_queue(resources, random.Random(seed))
    follows = follows_of(core, account)
    assert len(follows) == 3
    assert all(f["followOrder"]["S"] == follow_order(live.live_since, f["followedAt"]["S"]) for f in follows)


def test_a_full_broadcast_is_summarised_and_ends_offline(streams: Any, core: Core) -> None:
    account, session = ready_channel(core), "st-full"
    for step in SCRIPT:
        streams(ivs_event(account, session, step))
    result = stored(core, account, session)
    assert result["startedAt"] == "2026-11-21T10:00:00.000Z"
    assert result["endedAt"] == "2026-11-21T10:30:05.000Z"
    assert (result["isLive"], result["isHealthy"], result["hasErrorEvent"]) == (False, True, True)
    assert [name for name, _ in result["events"]] == [s[2] for s in SCRIPT]
    # AND its recording is available, where IVS wrote it, as long as IVS said
    assert result["recording"] == {
        "status": "AVAILABLE",
        "bucket": "recordings",
        "keyPrefix": RECORDING_PREFIX,
        "durationMs": RECORDING_MS,
        "thumbnails": [],
    }


@pytest.mark.parametrize(
    ("steps", "status"),
    [
        (["Recording Start"], "RECORDING"),
        # a Recording End delivered before its Recording Start still ends it (event times decide)
        (["Recording End", "Recording Start"], "AVAILABLE"),
        (["Recording Start Failure"], "FAILED"),
        (["Recording Start", "Recording End Failure"], "FAILED"),
        # within one second (event times are to the second), an end still comes after its start
        (["Recording End@10:00:03", "Recording Start"], "AVAILABLE"),
    ],
)
def test_a_session_s_recording_follows_its_newest_recording_event(
    streams: Any, core: Core, steps: list[str], status: str
) -> None:
    account, session = ready_channel(core), f"st-{uuid.uuid4().hex[:12]}"
    clocks = {"Recording Start": "10:00:03", "Recording Start Failure": "10:00:03"}
    for step in steps:
        name, _, clock = step.partition("@")
        streams(
            ivs_event(account, session, (RECORDING, "recording_status", name, clock or clocks.get(name, "10:30:09")))
        )
    result = stored(core, account, session)
    assert result["recording"]["status"] == status
    assert result["hasErrorEvent"] == (status == "FAILED")
    # (a recording that never started was written nowhere)
    assert (result["recording"]["keyPrefix"] == "") == (steps == ["Recording Start Failure"])


def test_a_late_end_of_an_old_session_does_not_end_the_new_one(streams: Any, core: Core) -> None:
    account = ready_channel(core)
    for step in SCRIPT[:2]:
        streams(ivs_event(account, "st-old", step, day="2026-11-20"))
    for step in SCRIPT[:2]:
        streams(ivs_event(account, "st-new", step))
    streams(ivs_event(account, "st-old", SCRIPT[-1], day="2026-11-20"))  # arrives late
    now = core.accounts.get(account.sub)
    assert now is not None and now.live_since == "2026-11-21T10:00:00.000Z"


@pytest.mark.parametrize("status", ["DELETING", "DISABLED"])
def test_a_stream_start_never_makes_a_deleted_or_disabled_account_live(streams: Any, core: Core, status: str) -> None:
    # GIVEN an account being deleted or disabled by an operator
    account = ready_channel(core)
    core.table.client.update_item(
        TableName=core.table.name,
        Key={"PK": {"S": f"USER#{account.sub}"}, "SK": {"S": "ACCOUNT"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}},
    )
    # WHEN a late (or reconnected encoder's) Stream Start arrives
    for step in SCRIPT[:2]:
        streams(ivs_event(account, f"st-{status}", step))
    # THEN the channel is not live: no live index entry, no liveSince
    raw = core.table.get(f"USER#{account.sub}", "ACCOUNT", consistent=True)
    assert raw is not None and "liveKey" not in raw and "liveSince" not in raw


def test_events_of_channels_this_deployment_does_not_own_are_ignored(streams: Any, core: Core) -> None:
    stranger = AccountItem(sub="x", username="x", created_at=now_iso(), channel_id="not-ours")
    assert streams(ivs_event(stranger, "st-x", SCRIPT[0])) == {"ignored": "unknown channel"}


def test_no_events_summarise_to_an_empty_session() -> None:
    empty = summarize([])
    assert (empty.event_count, empty.started_at, empty.is_live, empty.is_healthy) == (0, None, False, True)


def test_a_channel_live_during_a_deployment_is_switched_to_the_stages_video_settings_when_its_session_ends(
    streams: Any, core: Core, resources: LocalResources
) -> None:
    # GIVEN a channel IVS holds without the stage's recording configuration and policy (it was live when a
    # deployment switched the others)
    ivs = aws_client(resources.endpoint, "ivs")
    arn = ivs.create_channel(name=f"old-{uuid.uuid4().hex[:6]}")["channel"]["arn"]
    account = ready_channel(core)
    account = AccountItem.from_item({**account.to_item(), "channelId": {"S": arn.rsplit("/", 1)[-1]}})
    core.table.client.put_item(TableName=core.table.name, Item=account.to_item())
    session = f"st-{uuid.uuid4().hex[:8]}"
    # WHEN its broadcast goes on THEN it is left as it is
    streams(ivs_event(account, session, SCRIPT[1]))
    assert ivs.get_channel(arn=arn)["channel"]["recordingConfigurationArn"] == ""
    # WHEN its session ends THEN it records and plays under the stage's policy from its next broadcast on
    streams(ivs_event(account, session, SCRIPT[7]))
    channel = ivs.get_channel(arn=arn)["channel"]
    assert channel["recordingConfigurationArn"] == resources.recording_configuration_arn
    assert channel["playbackRestrictionPolicyArn"] == resources.playback_restriction_policy_arn
