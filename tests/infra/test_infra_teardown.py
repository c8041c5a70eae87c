"""The run-time IVS channels and chat rooms of a stage: a custom resource in every stage switches the
channels to the stage's recording configuration and playback restriction policy on deployment, and in stages
whose data goes with the stack deletes them on stack deletion, with grants limited to what it does."""

from __future__ import annotations

from typing import Any

from core.teardown import DELETE_PROPERTY, POLICY_PROPERTY, PROJECT_PROPERTY, RECORDING_PROPERTY, STAGE_PROPERTY
from infra.definitions import FUNCTIONS, STAGE_TEARDOWN_FUNCTION
from tests.infra.infra_synth import Synth, every_arn

RESOURCE_TYPE = "Custom::StageRuntimeResources"


def _statements(synth: Synth, handler: str) -> list[dict[str, Any]]:
    (function,) = [f for f in synth.properties("AWS::Lambda::Function").values() if f.get("Handler") == handler]
    role = function["Role"]["Fn::GetAtt"][0]
    return [
        s
        for policy in synth.properties("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Roles"]
        for s in policy["PolicyDocument"]["Statement"]
    ]


def test_every_stage_keeps_its_run_time_channels_in_step_and_only_stages_that_drop_data_delete_them(
    each_stage: Synth,
) -> None:
    # THEN one resource, naming the tags the application puts on the stage's channels and rooms
    (properties,) = each_stage.properties(RESOURCE_TYPE).values()
    (api,) = [
        f
        for f in each_stage.properties("AWS::Lambda::Function").values()
        if f.get("Handler") == FUNCTIONS["api"].handler
    ]
    variables = api["Environment"]["Variables"]
    assert properties[PROJECT_PROPERTY] == variables["PROJECT_TAG"]
    assert properties[STAGE_PROPERTY] == variables["STAGE"] == each_stage.config.stage
    # AND the video settings every channel is created with: the resource runs again when they change, and
    # CloudFormation deletes it (and the channels) before the configuration and the policy it names
    assert properties[RECORDING_PROPERTY] == variables["RECORDING_CONFIGURATION_ARN"]
    assert properties[POLICY_PROPERTY] == variables["PLAYBACK_RESTRICTION_POLICY_ARN"]
    assert properties[POLICY_PROPERTY] == {
        "Fn::GetAtt": [each_stage.only_id("AWS::IVS::PlaybackRestrictionPolicy"), "Arn"]
    }
    if each_stage.config.recording:
        assert properties[RECORDING_PROPERTY] == {
            "Fn::GetAtt": [each_stage.only_id("AWS::IVS::RecordingConfiguration"), "Arn"]
        }
    # AND its function may list channels and rooms and update channels, and only where the stack takes them
    # delete (or stop) this account's and region's
    statements = {
        tuple(sorted(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])): s["Resource"]
        for s in _statements(each_stage, STAGE_TEARDOWN_FUNCTION.handler)
    }
    if each_stage.config.retain_data:
        assert properties[DELETE_PROPERTY] == "false"
        assert statements == {
            ("ivs:ListChannels", "ivschat:ListRooms"): "*",
            ("ivs:UpdateChannel",): every_arn("ivs", "channel"),
        }
        return
    assert properties[DELETE_PROPERTY] == "true"
    assert statements == {
        ("ivs:ListChannels", "ivschat:ListRooms"): "*",
        ("ivs:DeleteChannel", "ivs:StopStream", "ivs:UpdateChannel"): every_arn("ivs", "channel"),
        ("ivschat:DeleteRoom",): every_arn("ivschat", "room"),
    }
