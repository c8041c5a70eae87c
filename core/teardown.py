"""The IVS channels and chat rooms the application creates at run time (one each per streamer), which are
no CloudFormation resources: what deploying and deleting a stage does to them, found by their tags.

`align_stage_channels` gives every channel of the stage the stage's recording configuration and playback
restriction policy, so turning `recording` on or off, or changing the policy, reaches existing channels
too (IVS updates no live channel: those are switched when their broadcast ends). It stops when its caller
runs out of time: a deployment must not fail, nor its rollback hang, because a stage has many channels; a
channel not reached is switched when its next broadcast ends, as a live one is.

`delete_stage_resources` deletes those tagged with the stage's project and stage (the tags
`Accounts` gives them), and nothing else: an account may hold other projects' or other stages'
channels. It is idempotent, so a teardown that failed half-way is finished by running it again; a live
channel has its stream stopped first (`IvsAdmin.delete_channel`), as IVS refuses to delete it while live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.chat import Chat
from core.ivs import IvsAdmin, has_video_settings

# The deploy-time custom resource's properties (triggers/stage_teardown.py, infra StageTeardown).
PROJECT_PROPERTY = "Project"
STAGE_PROPERTY = "Stage"
RECORDING_PROPERTY = "RecordingConfigurationArn"
POLICY_PROPERTY = "PlaybackRestrictionPolicyArn"
# "true" where the stack's deletion takes the channels and rooms too (stages with retainData: false).
DELETE_PROPERTY = "DeleteOnRemoval"


@dataclass(frozen=True)
class Aligned:
    updated: int
    # Live when asked: IVS updates no live channel.
    live: int
    # False when time ran out before every channel was looked at.
    finished: bool = True


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


def _never() -> bool:
    return False


def align_stage_channels(
    ivs: IvsAdmin,
    *,
    project: str,
    stage: str,
    recording_configuration_arn: str,
    playback_restriction_policy_arn: str,
    out_of_time: Callable[[], bool] = _never,
) -> Aligned:
    """Give every channel tagged `project`/`stage` the stage's recording configuration and playback restriction
    policy where it has others. Idempotent; a live channel is counted and left; stops (unfinished) before an
    update once `out_of_time()`."""
    updated = live = 0
    for channel in ivs.channel_summaries():
        if not _owned(channel, project, stage):
            continue
        if has_video_settings(channel, recording_configuration_arn, playback_restriction_policy_arn):
            continue
        if out_of_time():
            return Aligned(updated=updated, live=live, finished=False)
        if ivs.set_video_settings(
            channel["arn"],
            recording_configuration_arn=recording_configuration_arn,
            playback_restriction_policy_arn=playback_restriction_policy_arn,
        ):
            updated += 1
        else:
            live += 1
    return Aligned(updated=updated, live=live)
