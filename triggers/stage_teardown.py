"""Deploy time: the IVS channels and chat rooms the application created for a stage at run time
(core.teardown), as a CloudFormation custom resource through CDK's Provider framework, in every stage.

Create and Update give every channel of the stage the stage's recording configuration and playback
restriction policy (the resource's properties name them, so changing either runs it again); live channels
are left and logged, and so, when the function's time runs short, are those not yet reached: failing (or
timing out) would roll the deployment back, and the rollback would run the same switch again. Delete, in
stages that do not keep their data (`DeleteOnRemoval`), deletes the channels and rooms; because the
resource names the configuration and the policy, CloudFormation deletes it before them, and IVS would
refuse to delete them while channels use them. An exception fails the deployment or the deletion with its
message; running it again resumes where it stopped.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger

from core.aws import Clients
from core.chat import Chat
from core.ivs import IvsAdmin
from core.teardown import (
    DELETE_PROPERTY,
    POLICY_PROPERTY,
    PROJECT_PROPERTY,
    RECORDING_PROPERTY,
    STAGE_PROPERTY,
    align_stage_channels,
    delete_stage_resources,
)

logger = Logger()

# Stop switching channels this long before Lambda's timeout: time for the call in flight (with its retries)
# and for the answer to CloudFormation.
SWITCH_MARGIN_MS = 60_000


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    properties = event["ResourceProperties"]
    project, stage = str(properties[PROJECT_PROPERTY]), str(properties[STAGE_PROPERTY])
    physical_id = f"{project}-{stage}-runtime-resources"
    # AWS_REGION is set by the Lambda runtime; the deploy-time function gets no other settings.
    clients = Clients(os.environ["AWS_REGION"])
    if event["RequestType"] != "Delete":
        aligned = align_stage_channels(
            IvsAdmin(clients.ivs),
            project=project,
            stage=stage,
            recording_configuration_arn=str(properties.get(RECORDING_PROPERTY, "")),
            playback_restriction_policy_arn=str(properties.get(POLICY_PROPERTY, "")),
            out_of_time=lambda: context.get_remaining_time_in_millis() < SWITCH_MARGIN_MS,
        )
        log = logger.info if aligned.finished else logger.warning
        log(
            "stage channels aligned" if aligned.finished else "stage channels partly aligned: out of time",
            project=project,
            stage=stage,
            updated=aligned.updated,
            live=aligned.live,
            finished=aligned.finished,
        )
        return {"PhysicalResourceId": event.get("PhysicalResourceId", physical_id)}
    if str(properties.get(DELETE_PROPERTY, "true")).lower() != "true":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", physical_id)}
    done = delete_stage_resources(IvsAdmin(clients.ivs), Chat(clients.ivschat), project=project, stage=stage)
    logger.info("stage resources deleted", project=project, stage=stage, channels=done.channels, rooms=done.rooms)
    return {"PhysicalResourceId": event.get("PhysicalResourceId", physical_id)}
