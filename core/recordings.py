"""Recordings IVS writes to the stage's recordings bucket (`recording: true`), under
`ivs/v1/<account>/<channel id>/...`: one prefix per channel holds every recording of it."""

from __future__ import annotations

from typing import Any

# DeleteObjects takes at most this many keys a call.
DELETE_BATCH = 1000


def channel_prefix(channel_arn: str) -> str:
    """Where IVS writes a channel's recordings: the account and channel id come from its ARN."""
    parts = channel_arn.split(":")
    return f"ivs/v1/{parts[4]}/{parts[5].removeprefix('channel/')}/"


class Recordings:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def delete_channel_recordings(self, channel_arn: str) -> int:
        """Every object of every recording of the channel; how many were deleted. Retried to completion, it
        deletes what is left."""
        deleted = 0
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=channel_prefix(channel_arn)):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            for start in range(0, len(keys), DELETE_BATCH):
                self._client.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": keys[start : start + DELETE_BATCH], "Quiet": True}
                )
            deleted += len(keys)
        return deleted
