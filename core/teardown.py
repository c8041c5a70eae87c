"""What a stage leaves behind in IVS when its stack is deleted: the channels and chat rooms the
application created at run time (one each per streamer), which are no CloudFormation resources.

`delete_stage_resources` deletes those tagged with the stage's project and stage (the tags
`Accounts` gives them), and nothing else: an account may hold other projects' or other stages'
channels. It is idempotent, so a teardown that failed half-way is finished by running it again; a live
channel has its stream stopped first (`IvsAdmin.delete_channel`), as IVS refuses to delete it while live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.chat import Chat
from core.ivs import IvsAdmin

# The deploy-time custom resource's properties (triggers/stage_teardown.py, infra StageTeardown).
PROJECT_PROPERTY = "Project"
STAGE_PROPERTY = "Stage"


@dataclass(frozen=True)
class Teardown:
    channels: int
    rooms: int


def _owned(summary: dict[str, Any], project: str, stage: str) -> bool:
    tags = summary.get("tags") or {}
    return bool(tags.get("project") == project and tags.get("stage") == stage)


def delete_stage_resources(ivs: IvsAdmin, chat: Chat, *, project: str, stage: str) -> Teardown:
    """Delete every IVS channel and IVS Chat room tagged `project`/`stage`."""
    channels = [c["arn"] for c in ivs.channel_summaries() if _owned(c, project, stage)]
    for arn in channels:
        ivs.delete_channel(arn)
    rooms = [r["arn"] for r in chat.rooms() if _owned(r, project, stage)]
    for arn in rooms:
        chat.delete_room(arn)
    return Teardown(channels=len(channels), rooms=len(rooms))
