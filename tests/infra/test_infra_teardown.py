"""Stages whose data goes with the stack also take their run-time IVS channels and chat rooms: a custom
resource runs the teardown function on stack deletion, with grants limited to listing and deleting them."""

from __future__ import annotations

from typing import Any

from core.teardown import PROJECT_PROPERTY, STAGE_PROPERTY
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


def test_only_stages_that_drop_their_data_tear_down_their_ivs_resources(each_stage: Synth) -> None:
    resources = each_stage.properties(RESOURCE_TYPE)
    handlers = {f.get("Handler") for f in each_stage.properties("AWS::Lambda::Function").values()}

    if each_stage.config.retain_data:
        # THEN a stage that keeps its accounts keeps their channels and rooms too: no teardown at all
        assert resources == {}
        assert STAGE_TEARDOWN_FUNCTION.handler not in handlers
        return
    # THEN one teardown resource, naming the tags the application puts on the stage's channels and rooms
    (properties,) = resources.values()
    (api,) = [
        f
        for f in each_stage.properties("AWS::Lambda::Function").values()
        if f.get("Handler") == FUNCTIONS["api"].handler
    ]
    assert properties[PROJECT_PROPERTY] == api["Environment"]["Variables"]["PROJECT_TAG"]
    assert properties[STAGE_PROPERTY] == api["Environment"]["Variables"]["STAGE"] == each_stage.config.stage
    # AND its function may list channels and rooms, and delete (or stop) only this account's and region's
    statements = {
        tuple(sorted(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])): s["Resource"]
        for s in _statements(each_stage, STAGE_TEARDOWN_FUNCTION.handler)
    }
    assert statements == {
        ("ivs:ListChannels", "ivschat:ListRooms"): "*",
        ("ivs:DeleteChannel", "ivs:StopStream"): every_arn("ivs", "channel"),
        ("ivschat:DeleteRoom",): every_arn("ivschat", "room"),
    }
