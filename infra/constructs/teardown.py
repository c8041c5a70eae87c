"""Stages that do not keep their data (`retainData: false`) also take the IVS channels and chat rooms the
application created for them when the stack is deleted: a custom resource whose Delete runs
`infra.definitions.STAGE_TEARDOWN_FUNCTION` (core.teardown). Without it, `cdk destroy` would leave one
channel and one room per streamer behind, counting against the account's IVS quotas.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_iam as iam
from constructs import Construct

from core.teardown import PROJECT_PROPERTY, STAGE_PROPERTY
from infra.constructs.deploy_time import DeployTimeResource
from infra.constructs.stage import every_arn
from infra.definitions import STAGE_TEARDOWN_FUNCTION, StageConfig

# Listing takes no resource ARN; deleting (and stopping a live stream first) is granted on this account's
# and region's channels and rooms, and the function deletes only those tagged with the stage.
LIST_ACTIONS = ("ivs:ListChannels", "ivschat:ListRooms")
CHANNEL_ACTIONS = ("ivs:DeleteChannel", "ivs:StopStream")
ROOM_ACTIONS = ("ivschat:DeleteRoom",)


class StageTeardown(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, asset: Path, project: str) -> None:
        super().__init__(scope, construct_id)
        cleanup = DeployTimeResource(
            self,
            "RuntimeResources",
            config=config,
            definition=STAGE_TEARDOWN_FUNCTION,
            asset=asset,
            resource_type="Custom::StageRuntimeResources",
            properties={PROJECT_PROPERTY: project, STAGE_PROPERTY: config.stage},
        )
        cleanup.function.add_to_role_policy(iam.PolicyStatement(actions=list(LIST_ACTIONS), resources=["*"]))
        cleanup.function.add_to_role_policy(
            iam.PolicyStatement(actions=list(CHANNEL_ACTIONS), resources=[every_arn(self, "ivs", "channel")])
        )
        cleanup.function.add_to_role_policy(
            iam.PolicyStatement(actions=list(ROOM_ACTIONS), resources=[every_arn(self, "ivschat", "room")])
        )
        self.function = cleanup.function
