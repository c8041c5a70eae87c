"""Overlays on the local stack: a streamer goes live, sends overlays; subscribers and late joiners see
them, they expire, and a stop reaches subscribers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from client.auth import CognitoAuth
from client.errors import GraphQLErrors
from client.sdk import UGCClient
from emulator.simulator import StreamProfile, StreamSimulator, target_for_channel
from tests.e2e.conftest import sign_up
from tests.stacks import FullStack

ACTION_FIELDS = """id channelId type isActive startedAt expiresAt payload { __typename
  ... on QuizAction { question answers correctAnswerIndex duration }
  ... on NoticeAction { title message duration }
  ... on ProductAction { title price imageUrl description }
  ... on AmazonProductAction { asin title productUrl }
  ... on CelebrationAction { duration } }"""
SEND = f"mutation S($i: SendStreamActionInput!) {{ sendStreamAction(input: $i) {{ {ACTION_FIELDS} }} }}"
STOP = f"mutation {{ stopStreamAction {{ {ACTION_FIELDS} }} }}"
WATCH = f"subscription W($c: ID!) {{ onStreamAction(channelId: $c) {{ {ACTION_FIELDS} }} }}"
ACTIVE = "query C($u: String!) { channel(username: $u) { activeStreamAction { id type payload { __typename } } } }"
QUIZ = {
    "quiz": {"question": "Best codec?", "answers": ["H.264", "HEVC", "AV1"], "correctAnswerIndex": 2, "duration": 5}
}


@pytest.fixture(scope="module")
def streamer(stack: FullStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, UGCClient]]:
    from client.auth import TokenCache

    auth = CognitoAuth(stack.outputs, cache=TokenCache(tmp_path_factory.mktemp("auth") / "tokens.json"))
    username, _, client = sign_up(stack, auth, "host")
    channel_id = client.execute("{ me { channel { id } } }")["me"]["channel"]["id"]
    yield username, channel_id, client


def next_event(events: Any, seconds: float = 15) -> dict[str, Any]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        result: dict[str, Any] = pool.submit(lambda: next(iter(events))).result(timeout=seconds)
    return result


def test_overlays_need_a_live_channel(streamer: tuple[str, str, UGCClient]) -> None:
    _, _, client = streamer
    with pytest.raises(GraphQLErrors) as refused:
        client.execute(SEND, {"i": {"celebration": True}})
    assert refused.value.error_types == ["ChannelNotLive"]


@pytest.fixture(scope="module")
def live(stack: FullStack, streamer: tuple[str, str, UGCClient]) -> Iterator[None]:
    username, channel_id, _ = streamer
    simulator = StreamSimulator(
        target_for_channel(stack.resources.endpoint, channel_id, username=username), StreamProfile(duration=600)
    )
    simulator.start()
    anonymous = UGCClient.anonymous(stack.outputs)
    deadline = time.monotonic() + 20
    while not anonymous.execute("query C($u: String!) { channel(username: $u) { isLive } }", {"u": username})[
        "channel"
    ]["isLive"]:
        assert time.monotonic() < deadline, "the simulated stream never went live"
        time.sleep(0.2)
    yield
    simulator.stop()


@pytest.mark.usefixtures("live")
def test_a_quiz_reaches_subscribers_and_late_joiners_expires_and_a_stop_reaches_subscribers(
    stack: FullStack, streamer: tuple[str, str, UGCClient]
) -> None:
    username, channel_id, client = streamer
    viewer = UGCClient.anonymous(stack.outputs)
    with viewer.subscribe(WATCH, {"c": channel_id}, protocol="graphql-transport-ws") as events:
        # WHEN the streamer sends a 5-second quiz
        sent = client.execute(SEND, {"i": QUIZ})["sendStreamAction"]
        # THEN the subscriber receives it, with the payload
        pushed = next_event(events)["onStreamAction"]
        assert pushed == sent
        assert pushed["payload"] == {"__typename": "QuizAction", **QUIZ["quiz"]}
        # AND a viewer who joins late sees it on the channel page
        late = viewer.execute(ACTIVE, {"u": username})["channel"]["activeStreamAction"]
        assert (late["id"], late["type"]) == (sent["id"], "QUIZ")
        # AND players got it as IVS timed metadata, compact and within 1 KB
        cues = httpx.get(f"{stack.resources.endpoint}/_local/ivs/metadata/{channel_id}").json()
        cue = json.loads(cues[-1]["metadata"])
        assert (cue["id"], cue["k"], cue["o"]["q"]) == (sent["id"], "QUIZ", "Best codec?")
        # WHEN it expires THEN late joiners no longer see it
        time.sleep(5.2)
        assert viewer.execute(ACTIVE, {"u": username})["channel"]["activeStreamAction"] is None
        # WHEN a notice replaces nothing and is then stopped THEN the subscriber sees both
        notice = client.execute(SEND, {"i": {"notice": {"title": "Break", "message": "Back in 5", "duration": 30}}})
        assert next_event(events)["onStreamAction"]["id"] == notice["sendStreamAction"]["id"]
        stopped = client.execute(STOP)["stopStreamAction"]
        pushed_stop = next_event(events)["onStreamAction"]
        assert (pushed_stop["id"], pushed_stop["isActive"]) == (notice["sendStreamAction"]["id"], False)
        assert stopped["isActive"] is False
    assert viewer.execute(ACTIVE, {"u": username})["channel"]["activeStreamAction"] is None
    assert client.execute(STOP) == {"stopStreamAction": None}


@pytest.mark.usefixtures("live")
def test_a_new_overlay_replaces_the_active_one(stack: FullStack, streamer: tuple[str, str, UGCClient]) -> None:
    username, _, client = streamer
    client.execute(SEND, {"i": {"notice": {"title": "First", "message": "m", "duration": 30}}})
    second = client.execute(SEND, {"i": {"celebration": True}})["sendStreamAction"]
    active = UGCClient.anonymous(stack.outputs).execute(ACTIVE, {"u": username})["channel"]["activeStreamAction"]
    assert (active["id"], active["type"]) == (second["id"], "CELEBRATION")
    assert second["payload"] == {"__typename": "CelebrationAction", "duration": 10}


@pytest.mark.usefixtures("live")
def test_an_overlay_too_large_for_ivs_is_refused_clearly(streamer: tuple[str, str, UGCClient]) -> None:
    _, _, client = streamer
    wide = {"quiz": {"question": "é" * 256, "answers": ["ü" * 128, "ö" * 128, "ä" * 128], "correctAnswerIndex": 0}}
    with pytest.raises(GraphQLErrors) as refused:
        client.execute(SEND, {"i": wide})
    error = refused.value.errors[0]
    assert error["errorType"] == "ValidationError"
    assert "bytes encoded; IVS timed metadata holds 1024" in error["message"]


@pytest.mark.usefixtures("live")
def test_a_burst_beyond_five_per_second_is_smoothed_by_retries(
    stack: FullStack, streamer: tuple[str, str, UGCClient]
) -> None:
    _, channel_id, client = streamer
    for i in range(8):
        client.execute(SEND, {"i": {"notice": {"title": f"n{i}", "message": "m", "duration": 5}}})
    cues = httpx.get(f"{stack.resources.endpoint}/_local/ivs/metadata/{channel_id}").json()
    titles = [json.loads(c["metadata"]).get("o", {}).get("t") for c in cues]
    assert titles[-8:] == [f"n{i}" for i in range(8)]


def test_presets_are_saved_listed_deleted_and_bounded(streamer: tuple[str, str, UGCClient]) -> None:
    _, _, client = streamer
    save = "mutation P($i: StreamActionPresetInput!) { saveStreamActionPreset(input: $i) { streamActionPresets { id name type } } }"
    presets = client.execute(save, {"i": {"name": "Quiz 1", "action": QUIZ}})["saveStreamActionPreset"][
        "streamActionPresets"
    ]
    assert [(p["name"], p["type"]) for p in presets] == [("Quiz 1", "QUIZ")]
    with pytest.raises(GraphQLErrors) as invalid:
        client.execute(save, {"i": {"name": "Bad", "action": {"notice": {"title": "t" * 25, "message": "m"}}}})
    assert invalid.value.errors[0]["message"].startswith("input.notice.title")
    for i in range(19):
        client.execute(save, {"i": {"name": f"N{i}", "action": {"celebration": True}}})
    with pytest.raises(GraphQLErrors) as full:
        client.execute(save, {"i": {"name": "one too many", "action": {"celebration": True}}})
    assert full.value.error_types == ["Conflict"]
    remaining = client.execute(
        "mutation D($id: ID!) { deleteStreamActionPreset(id: $id) { streamActionPresets { id } } }",
        {"id": presets[0]["id"]},
    )["deleteStreamActionPreset"]["streamActionPresets"]
    assert presets[0]["id"] not in [p["id"] for p in remaining] and len(remaining) == 19


def test_products_can_be_searched_for_the_amazon_overlay(streamer: tuple[str, str, UGCClient]) -> None:
    _, _, client = streamer
    page = client.execute(
        '{ searchProducts(keywords: "microphone") { items { asin title productUrl } totalResults page } }'
    )
    result = page["searchProducts"]
    assert result["page"] == 1 and result["items"]
    assert all("microphone" in item["title"].lower() for item in result["items"])


@pytest.mark.usefixtures("live")
def test_a_searched_product_can_be_shown_as_an_amazon_product_overlay(streamer: tuple[str, str, UGCClient]) -> None:
    _, _, client = streamer
    item = client.execute('{ searchProducts(keywords: "camera") { items { asin title price imageUrl productUrl } } }')[
        "searchProducts"
    ]["items"][0]
    sent = client.execute(SEND, {"i": {"amazonProduct": item}})["sendStreamAction"]
    assert sent["type"] == "AMAZON_PRODUCT"
    assert sent["expiresAt"] is None  # shown until replaced or stopped
    assert sent["payload"] == {"__typename": "AmazonProductAction", "asin": item["asin"], "title": item["title"],
                               "productUrl": item["productUrl"]}  # fmt: skip
