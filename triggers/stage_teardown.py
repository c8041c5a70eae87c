"""Deploy time: when a stage's stack is deleted, delete the IVS channels and chat rooms the application
created for it at run time (core.teardown). A CloudFormation custom resource through CDK's Provider
framework, present only in stages that do not keep their data (`retainData: false`).

Create and Update do nothing. An exception fails the stack deletion with its message; deleting the
stack again resumes where it stopped.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger

from core.aws import Clients
from core.chat import Chat
from core.ivs import IvsAdmin
from core.teardown import PROJECT_PROPERTY, STAGE_PROPERTY, delete_stage_resources

logger = Logger()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    properties = event["ResourceProperties"]
    project, stage = str(properties[PROJECT_PROPERTY]), str(properties[STAGE_PROPERTY])
    physical_id = f"{project}-{stage}-runtime-resources"
    if event["RequestType"] != "Delete":
        return {"PhysicalResourceId": physical_id}
    # AWS_REGION is set by the Lambda runtime; the deploy-time function gets no other settings.
    clients = Clients(os.environ["AWS_REGION"])
    done = delete_stage_resources(IvsAdmin(clients.ivs), Chat(clients.ivschat), project=project, stage=stage)
    logger.info("stage resources deleted", project=project, stage=stage, channels=done.channels, rooms=done.rooms)
    return {"PhysicalResourceId": event.get("PhysicalResourceId", physical_id)}
