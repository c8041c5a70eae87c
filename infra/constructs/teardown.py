"""The IVS channels and chat rooms the application created for a stage at run time, which are no
CloudFormation resources, kept in step with the stack by a custom resource in every stage
(`infra.definitions.STAGE_TEARDOWN_FUNCTION`, core.teardown), which finds them by their tags:

- on every deployment that changes the stage's recording configuration or playback restriction policy
  (the resource's properties name both), existing channels are switched to them;
- in stages that do not keep their data (`retainData: false`), deleting the stack deletes them. Without it,
  `cdk destroy` would leave one channel and one room per streamer behind, counting against the account's
  IVS quotas. The resource names the configuration and the policy, so CloudFormation deletes it (and the
  channels) before them: IVS refuses to delete either while a channel uses it.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_iam as iam
from constructs import Construct

from core.teardown import DELETE_PROPERTY, POLICY_PROPERTY, PROJECT_PROPERTY, RECORDING_PROPERTY, STAGE_PROPERTY
from infra.constructs.deploy_time import DeployTimeResource
from infra.constructs.stage import every_arn
from infra.definitions import STAGE_TEARDOWN_FUNCTION, StageConfig

# Listing takes no resource ARN; updating, and deleting (and stopping a live stream first) where the stack
# takes them, are granted on this account's and region's channels and rooms, and the function acts only on
# those tagged with the stage.
LIST_ACTIONS = ("ivs:ListChannels", "ivschat:ListRooms")
UPDATE_ACTIONS = ("ivs:UpdateChannel",)
CHANNEL_ACTIONS = ("ivs:DeleteChannel", "ivs:StopStream")
ROOM_ACTIONS = ("ivschat:DeleteRoom",)


class StageTeardown(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        asset: Path,
        project: str,
        recording_configuration_arn: str,
        playback_restriction_policy_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        cleanup = DeployTimeResource(
            self,
            "RuntimeResources",
            config=config,
            definition=STAGE_TEARDOWN_FUNCTION,
            asset=asset,
            resource_type="Custom::StageRuntimeResources",
            properties={
                PROJECT_PROPERTY: project,
                STAGE_PROPERTY: config.stage,
                RECORDING_PROPERTY: recording_configuration_arn,
                POLICY_PROPERTY: playback_restriction_policy_arn,
                DELETE_PROPERTY: "false" if config.retain_data else "true",
            },
        )
        cleanup.function.add_to_role_policy(iam.PolicyStatement(actions=list(LIST_ACTIONS), resources=["*"]))
        channel_actions = UPDATE_ACTIONS if config.retain_data else (*UPDATE_ACTIONS, *CHANNEL_ACTIONS)
        cleanup.function.add_to_role_policy(
            iam.PolicyStatement(actions=list(channel_actions), resources=[every_arn(self, "ivs", "channel")])
        )
        if not config.retain_data:
            cleanup.function.add_to_role_policy(
                iam.PolicyStatement(actions=list(ROOM_ACTIONS), resources=[every_arn(self, "ivschat", "room")])
            )
        self.function = cleanup.function
