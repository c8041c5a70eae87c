"""Recordings on the whole local stack (the local stage records): a simulated broadcast leaves IVS's
recording in the recordings bucket and the session knows it; deleting the account leaves nothing of it."""

from __future__ import annotations

import time
from pathlib import Path

from client.auth import CognitoAuth, TokenCache
from core.recordings import channel_prefix
from emulator.local_aws.clients import client as aws_client
from emulator.simulator import StreamProfile, StreamSimulator, target_for_channel
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
