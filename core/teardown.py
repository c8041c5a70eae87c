"""What a stage leaves behind in IVS when its stack is deleted: the channels and chat rooms the
application created at run time (one each per streamer), which are no CloudFormation resources.

`delete_stage_resources` deletes those tagged with the stage's project and stage (the tags
`Accounts` gives them), and nothing else: an account may hold other projects' or other stages'
channels. It is idempotent, so a teardown that failed half-way is finished by running it again; a live
channel has its stream stopped first, as IVS refuses to delete a channel while it is live.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from core.store import error_code

# The deploy-time custom resource's properties (triggers/stage_teardown.py, infra StageTeardown).
PROJECT_PROPERTY = "Project"
STAGE_PROPERTY = "Stage"
# Attempts to delete a live channel: StopStream ends the stream within seconds.
_LIVE_ATTEMPTS = 6


@dataclass(frozen=True)
class Teardown:
    channels: int
    rooms: int


def _owned(summary: dict[str, Any], project: str, stage: str) -> bool:
    tags = summary.get("tags") or {}
    return bool(tags.get("project") == project and tags.get("stage") == stage)


def _pages(call: Callable[..., dict[str, Any]], key: str) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        page = call(**({"nextToken": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return


def delete_stage_resources(
    ivs: Any, ivschat: Any, *, project: str, stage: str, sleep: Callable[[float], None] = time.sleep
) -> Teardown:
    """Delete every IVS channel and IVS Chat room tagged `project`/`stage`."""
    channels = [c["arn"] for c in _pages(ivs.list_channels, "channels") if _owned(c, project, stage)]
    for arn in channels:
        _delete_channel(ivs, arn, sleep)
    rooms = [r["arn"] for r in _pages(ivschat.list_rooms, "rooms") if _owned(r, project, stage)]
    for arn in rooms:
        try:
            ivschat.delete_room(identifier=arn)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
    return Teardown(channels=len(channels), rooms=len(rooms))


def _delete_channel(ivs: Any, arn: str, sleep: Callable[[float], None]) -> None:
    for attempt in range(_LIVE_ATTEMPTS):
        try:
            ivs.delete_channel(arn=arn)
            return
        except ClientError as exc:
            code = error_code(exc)
            if code == "ResourceNotFoundException":
                return  # gone already (an earlier, interrupted teardown)
            if code != "ConflictException" or attempt == _LIVE_ATTEMPTS - 1:
                raise
        # Live: end the stream (no-op if it just ended), then try again.
        try:
            ivs.stop_stream(channelArn=arn)
        except ClientError as exc:
            if error_code(exc) not in {"ChannelNotBroadcasting", "ResourceNotFoundException"}:
                raise
        sleep(0.5 * 2**attempt)
