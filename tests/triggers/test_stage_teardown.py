"""The deploy-time run-time resources function, called with CloudFormation custom-resource events against
the local AWS: on deployment it switches the stage's IVS channels to the stage's recording configuration and
playback restriction policy; on stack deletion it deletes the stage's channels (stopping live ones) and chat
rooms where the stage drops its data; and it touches no one else's."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from core.chat import Chat
from core.ivs import Ivs, IvsAdmin
from core.teardown import (
    DELETE_PROPERTY,
    POLICY_PROPERTY,
    PROJECT_PROPERTY,
    RECORDING_PROPERTY,
    STAGE_PROPERTY,
    Aligned,
    align_stage_channels,
)
from emulator.appsync.invoke import LambdaContext
from emulator.local_aws.server import LocalAwsServer
from tests.triggers.conftest import Handler


@dataclass
class DeployTimeContext(LambdaContext):
    """The context of a deploy-time function just started: most of its 15 minutes ahead of it."""

    remaining_ms: int = 890_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def _handler(remaining_ms: int) -> Handler:
    import triggers.stage_teardown

    def call(event: dict[str, Any]) -> Any:
        context = DeployTimeContext("stageTeardown", str(uuid.uuid4()), remaining_ms=remaining_ms)
        return triggers.stage_teardown.handler(event, context)

    return call


@pytest.fixture
def teardown_function(deploy_time_environment: None) -> Handler:
    return _handler(890_000)


def _event(request: str, project: str, stage: str, **properties: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/UGC-dev/guid",
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "TeardownRuntimeResources",
        "ResourceType": "Custom::StageRuntimeResources",
        "ResourceProperties": {
            "ServiceToken": "arn:...",
            PROJECT_PROPERTY: project,
            STAGE_PROPERTY: stage,
            **properties,
        },
    }
    if request != "Create":
        event["PhysicalResourceId"] = f"{project}-{stage}-runtime-resources"
    return event


def _resources(local_aws_client: Any, project: str, stage: str, count: int) -> tuple[list[str], list[str]]:
    """`count` channels and rooms tagged as the application tags them."""
    ivs, chat = local_aws_client("ivs"), local_aws_client("ivschat")
    tags = {"project": project, "stage": stage, "ownerSub": "sub"}
    channels, rooms = [], []
    for _ in range(count):
        name = f"{project}-{stage}-{uuid.uuid4()}"
        channels.append(ivs.create_channel(name=name, tags=tags)["channel"]["arn"])
        rooms.append(chat.create_room(name=name, tags=tags)["arn"])
    return channels, rooms


def _existing(local_aws_client: Any) -> tuple[set[str], set[str]]:
    """Every channel's and room's ARN, through every page (the session's local AWS holds other tests' too)."""
    return (
        {c["arn"] for c in Ivs(local_aws_client("ivs")).channel_summaries()},
        {r["arn"] for r in Chat(local_aws_client("ivschat")).rooms()},
    )


def test_deleting_the_stack_deletes_the_stages_channels_and_rooms_only(
    teardown_function: Handler, local_aws: LocalAwsServer, local_aws_client: Any
) -> None:
    # GIVEN another project's channels and rooms (more than a page of each), a stage's (one of them live),
    # and those of another stage of the same project
    project, stage = f"proj{uuid.uuid4().hex[:6]}", "dev"
    others = [_resources(local_aws_client, "elsewhere", stage, 110)]
    mine = _resources(local_aws_client, project, stage, 3)
    others.append(_resources(local_aws_client, project, "prod", 1))
    live = requests.post(f"{local_aws.endpoint}/_local/ivs/streams", json={"channelArn": mine[0][0]}, timeout=5)
    assert live.status_code == 201

    # WHEN the stack is created and updated, nothing is deleted
    teardown_function(_event("Create", project, stage))
    teardown_function(_event("Update", project, stage))
    channels, rooms = _existing(local_aws_client)
    assert set(mine[0]) <= channels and set(mine[1]) <= rooms

    # WHEN the stack is deleted
    answer = teardown_function(_event("Delete", project, stage))

    # THEN the stage's channels (the live one's stream stopped first) and rooms are gone
    assert answer == {"PhysicalResourceId": f"{project}-{stage}-runtime-resources"}
    channels, rooms = _existing(local_aws_client)
    assert not set(mine[0]) & channels
    assert not set(mine[1]) & rooms
    # AND the other stage's and the other project's are all still there
    for other_channels, other_rooms in others:
        assert set(other_channels) <= channels and set(other_rooms) <= rooms

    # AND the live stream was stopped on the way
    streams = requests.get(f"{local_aws.endpoint}/_local/ivs/streams", timeout=5).json()
    assert mine[0][0] not in json.dumps(streams)

    # AND deleting again (a retried stack deletion) finds nothing left and succeeds
    assert teardown_function(_event("Delete", project, stage)) == answer

    # (leave the session's local AWS as it was found: its other tests list channels and rooms)
    for owner_project, owner_stage in (("elsewhere", stage), (project, "prod")):
        teardown_function(_event("Delete", owner_project, owner_stage))


def _video_settings(local_aws_client: Any) -> tuple[str, str]:
    """A recording configuration (over a new bucket) and a playback restriction policy: their ARNs."""
    bucket = f"rec-{uuid.uuid4().hex[:8]}"
    local_aws_client("s3").create_bucket(Bucket=bucket)
    ivs = local_aws_client("ivs")
    recording = ivs.create_recording_configuration(destinationConfiguration={"s3": {"bucketName": bucket}})
    policy = ivs.create_playback_restriction_policy(allowedOrigins=["https://app.example.com"])
    return recording["recordingConfiguration"]["arn"], policy["playbackRestrictionPolicy"]["arn"]


def _settings(local_aws_client: Any, arns: list[str]) -> list[tuple[str, str]]:
    ivs = local_aws_client("ivs")
    channels = [ivs.get_channel(arn=arn)["channel"] for arn in arns]
    return [(c.get("recordingConfigurationArn", ""), c.get("playbackRestrictionPolicyArn", "")) for c in channels]


def test_deploying_switches_the_stages_channels_to_its_video_settings_and_no_one_elses(
    teardown_function: Handler, local_aws: LocalAwsServer, local_aws_client: Any
) -> None:
    # GIVEN a stage's channels made before it recorded (one of them live), and another stage's
    project, stage = f"proj{uuid.uuid4().hex[:6]}", "dev"
    mine, mine_rooms = _resources(local_aws_client, project, stage, 3)
    other, _ = _resources(local_aws_client, project, "prod", 1)
    live = requests.post(f"{local_aws.endpoint}/_local/ivs/streams", json={"channelArn": mine[0]}, timeout=5)
    assert live.status_code == 201
    recording, policy = _video_settings(local_aws_client)
    settings = {RECORDING_PROPERTY: recording, POLICY_PROPERTY: policy, DELETE_PROPERTY: "false"}

    # WHEN a deployment turns recording on
    teardown_function(_event("Update", project, stage, **settings))

    # THEN the offline channels record and have the policy; the live one is left (IVS updates no live channel)
    assert _settings(local_aws_client, mine) == [("", ""), (recording, policy), (recording, policy)]
    assert _settings(local_aws_client, other) == [("", "")]
    # WHEN its broadcast has ended and the stage is deployed again THEN it is switched too; the rest stay
    requests.delete(f"{local_aws.endpoint}/_local/ivs/streams/{mine[0].rsplit('/', 1)[-1]}", timeout=5)
    teardown_function(_event("Update", project, stage, **settings))
    assert _settings(local_aws_client, mine) == [(recording, policy)] * 3
    # WHEN a deployment turns recording off THEN the channels record no more and keep the policy
    teardown_function(_event("Update", project, stage, **(settings | {RECORDING_PROPERTY: ""})))
    assert _settings(local_aws_client, mine) == [("", policy)] * 3

    # WHEN a stage that keeps its data is deleted THEN its channels and rooms stay
    teardown_function(_event("Delete", project, stage, **settings))
    channels, rooms = _existing(local_aws_client)
    assert set(mine) <= channels and set(mine_rooms) <= rooms

    # (leave the session's local AWS as it was found)
    for owner_stage in (stage, "prod"):
        teardown_function(_event("Delete", project, owner_stage))


def _go_live(local_aws: LocalAwsServer, channel_arn: str) -> Callable[[], None]:
    """Start a broadcast on the local IVS; the answer ends it."""
    started = requests.post(f"{local_aws.endpoint}/_local/ivs/streams", json={"channelArn": channel_arn}, timeout=5)
    assert started.status_code == 201
    return lambda: requests.delete(
        f"{local_aws.endpoint}/_local/ivs/streams/{channel_arn.rsplit('/', 1)[-1]}", timeout=5
    ).raise_for_status()


def test_switching_counts_what_it_switched_and_left_live_and_switches_nothing_twice(
    local_aws: LocalAwsServer, local_aws_client: Any
) -> None:
    # GIVEN a stage's three channels (one live) and another stage's, and the stage's video settings
    project, stage = f"proj{uuid.uuid4().hex[:6]}", "dev"
    mine, _ = _resources(local_aws_client, project, stage, 3)
    other, _ = _resources(local_aws_client, project, "prod", 1)
    end_broadcast = _go_live(local_aws, mine[0])
    recording, policy = _video_settings(local_aws_client)
    ivs = IvsAdmin(local_aws_client("ivs"))

    def align() -> Aligned:
        return align_stage_channels(
            ivs,
            project=project,
            stage=stage,
            recording_configuration_arn=recording,
            playback_restriction_policy_arn=policy,
        )

    # WHEN switching THEN the two offline channels are updated and the live one is counted and left
    assert align() == Aligned(updated=2, live=1)
    assert _settings(local_aws_client, mine) == [("", ""), (recording, policy), (recording, policy)]
    # AND again: nothing more to update (the live one is still left)
    assert align() == Aligned(updated=0, live=1)
    # WHEN its broadcast has ended THEN it is switched, and then there is nothing left to do
    end_broadcast()
    assert align() == Aligned(updated=1, live=0)
    assert align() == Aligned(updated=0, live=0)
    assert _settings(local_aws_client, mine) == [(recording, policy)] * 3
    # AND the other stage's channel was never touched
    assert _settings(local_aws_client, other) == [("", "")]

    for arn in (*mine, *other):
        ivs.delete_channel(arn)


def test_switching_stops_unfinished_when_out_of_time_and_the_next_run_goes_on(
    local_aws: LocalAwsServer, local_aws_client: Any
) -> None:
    # GIVEN a stage's three channels made before it recorded
    project, stage = f"proj{uuid.uuid4().hex[:6]}", "dev"
    mine, _ = _resources(local_aws_client, project, stage, 3)
    recording, policy = _video_settings(local_aws_client)
    ivs = IvsAdmin(local_aws_client("ivs"))
    checks: list[None] = []

    def after_one_update() -> bool:
        checks.append(None)
        return len(checks) > 1

    # WHEN time runs out after the first update THEN one is switched and the run says it did not finish
    aligned = align_stage_channels(
        ivs,
        project=project,
        stage=stage,
        recording_configuration_arn=recording,
        playback_restriction_policy_arn=policy,
        out_of_time=after_one_update,
    )
    assert aligned == Aligned(updated=1, live=0, finished=False)
    assert sorted(_settings(local_aws_client, mine)) == [("", ""), ("", ""), (recording, policy)]
    # AND a run with time switches the rest
    assert align_stage_channels(
        ivs, project=project, stage=stage, recording_configuration_arn=recording, playback_restriction_policy_arn=policy
    ) == Aligned(updated=2, live=0)

    for arn in mine:
        ivs.delete_channel(arn)


def test_a_deployment_with_little_time_left_switches_nothing_and_still_succeeds(
    deploy_time_environment: None, local_aws_client: Any
) -> None:
    # GIVEN a stage's channel, and the function called with less than its safety margin left
    project, stage = f"proj{uuid.uuid4().hex[:6]}", "dev"
    mine, _ = _resources(local_aws_client, project, stage, 1)
    recording, policy = _video_settings(local_aws_client)
    hurried = _handler(remaining_ms=5_000)

    # WHEN the stage is deployed THEN CloudFormation hears success and the channel is left as it was
    answer = hurried(_event("Update", project, stage, **{RECORDING_PROPERTY: recording, POLICY_PROPERTY: policy}))
    assert answer == {"PhysicalResourceId": f"{project}-{stage}-runtime-resources"}
    assert _settings(local_aws_client, mine) == [("", "")]

    _handler(890_000)(_event("Delete", project, stage))
