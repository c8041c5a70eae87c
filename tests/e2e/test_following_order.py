"""`following` on the whole local stack: a channel that goes live moves to the top of every follower's
list within seconds (through the IVS events, the stream events function and the `following` queue's
jobs), and back down when it goes offline, however many followers it has."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from client.auth import CognitoAuth, TokenCache
from client.sdk import UGCClient
from core.app import Core
from core.models import FollowItem, follow_order
from core.ranking import all_followers
from core.timefmt import now_iso
from emulator.simulator import StreamProfile, StreamSimulator, target_for_channel
from tests.e2e.conftest import sign_up
from tests.stacks import FullStack, local_core

FOLLOWING = "{ following { items { username isLive } } }"
# Followers beyond the test's own, put straight into the table: every shard gets some.
CROWD = 300


def eventually(check: Callable[[], bool], seconds: float = 20) -> float:
    """Seconds until `check` held (it must within `seconds`)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not within the deadline"
        time.sleep(0.1)
    return time.monotonic() - start


def test_a_go_live_moves_the_channel_to_the_top_of_every_follower_s_list_and_offline_moves_it_back(
    stack: FullStack, tmp_path: Path
) -> None:
    auth = CognitoAuth(stack.outputs, cache=TokenCache(tmp_path / "tokens.json"))
    streamer, _, streamer_client = sign_up(stack, auth, "star")
    other, _, _ = sign_up(stack, auth, "other")
    _, _, viewer = sign_up(stack, auth, "fan")
    # GIVEN a viewer who follows the streamer, then another channel (followed last, so listed first)
    viewer.execute("mutation F($u: String!) { follow(username: $u) { id } }", {"u": streamer})
    viewer.execute("mutation F($u: String!) { follow(username: $u) { id } }", {"u": other})
    assert names(viewer) == [(other, False), (streamer, False)]
    # AND a crowd of other followers of the streamer
    channel_id = streamer_client.execute("{ me { channel { id } } }")["me"]["channel"]["id"]
    core = local_core(stack.resources)
    owner = core.channels.by_channel_id(channel_id)
    assert owner is not None
    for _ in range(CROWD):
        at = now_iso()
        item = FollowItem(str(uuid.uuid4()), channel_id, owner.sub, at, follow_order(None, at))
        core.table.client.put_item(TableName=core.table.name, Item=item.to_item())

    # WHEN the streamer goes live (IVS's events from the simulator)
    simulator = StreamSimulator(
        target_for_channel(stack.resources.endpoint, channel_id, username=streamer), StreamProfile(duration=600)
    )
    simulator.start()
    try:
        # THEN within seconds the viewer's list shows it first, live
        eventually(lambda: names(viewer) == [(streamer, True), (other, False)])
        # AND once the jobs settled, every one of its followers has it ranked live
        assert stack.aws.wait_for_events(60)
        live = core.accounts.get(owner.sub)
        assert live is not None and live.live_since is not None
        assert ranks(core, channel_id) == {f"1#{live.live_since}"}
    finally:
        simulator.stop()
    # WHEN it goes offline THEN it is back below the channel followed later, for everyone
    eventually(lambda: names(viewer) == [(other, False), (streamer, False)])
    assert stack.aws.wait_for_events(60)
    assert {rank[:2] for rank in ranks(core, channel_id)} == {"0#"}


def names(client: UGCClient) -> list[tuple[str, bool]]:
    items: list[dict[str, Any]] = client.execute(FOLLOWING)["following"]["items"]
    return [(i["username"], i["isLive"]) for i in items]


def ranks(core: Core, channel_id: str) -> set[str]:
    follows = [core.table.get(f["PK"]["S"], f["SK"]["S"]) for f in all_followers(core.table, channel_id)]
    assert len(follows) == CROWD + 1
    return {f["followOrder"]["S"] for f in follows if f}
