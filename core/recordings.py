"""Recordings IVS writes to the stage's recordings bucket (`recording: true`), under
`ivs/v1/<account>/<channel id>/...`: one prefix per channel holds every recording of it.

They are read through the recordings distribution (CloudFront with Origin Access Control; locally the
local AWS's edge), which serves only signed URLs: a custom policy whose resource is a recording's prefix
with a wildcard, signed with the stage's RSA recordings key (made like the playback key, see
core.playback.KeyKind). One signature covers every playlist, segment and thumbnail of the recording, so
the API signs once per recording and a player appends the same query to each request under the prefix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

# DeleteObjects takes at most this many keys a call.
DELETE_BATCH = 1000


# A signed URL stays valid between 5 and 6 hours: long enough to watch a long broadcast from start to end,
# and the same for a whole clock hour, so browsers and CloudFront cache one URL per recording an hour.
SIGNED_URL_HOURS = 6
_HOUR = 3600
# Within a recording's prefix (IVS's layout): the HLS master playlist, the sequence of thumbnails, and the
# latest thumbnail IVS keeps rewriting while live.
MASTER_PLAYLIST = "media/hls/master.m3u8"
THUMBNAILS = "media/thumbnails/"
LATEST_THUMBNAIL = "media/latest_thumbnail/thumb.jpg"


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


def signed_query(url_prefix: str, *, key_id: str, private_key_pem: str, expires: int) -> str:
    """The CloudFront signed-URL query (`Policy`, `Signature`, `Key-Pair-Id`) of a custom policy granting
    every URL starting with `url_prefix` until epoch second `expires`: RSA with SHA-1, as CloudFront checks."""
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from core.playback import KeyKind, load_private_key

    key = load_private_key(private_key_pem, KeyKind.RSA_2048)

    def rsa_sha1(message: bytes) -> bytes:
        return bytes(key.sign(message, padding.PKCS1v15(), hashes.SHA1()))  # noqa: S303 - CloudFront's algorithm

    signer = CloudFrontSigner(key_id, rsa_sha1)
    resource = f"{url_prefix}*"
    policy = signer.build_policy(resource, datetime.fromtimestamp(expires, UTC))
    return urlsplit(signer.generate_presigned_url(resource, policy=policy)).query


class RecordingUrls:
    """Signed URLs of recordings under the distribution's base URL."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        private_key: Callable[[], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._key_id = key_id
        self._private_key = private_key
        self._clock = clock

    def expires(self) -> int:
        """The end of the current URLs' validity: the same through a clock hour (see SIGNED_URL_HOURS)."""
        return (int(self._clock()) // _HOUR + SIGNED_URL_HOURS) * _HOUR

    def signer(self, key_prefix: str) -> Callable[[str], str]:
        """Signs URLs of objects under one recording's prefix (`.../<recording id>/`), with one signature."""
        prefix_url = f"{self._base}/{quote(key_prefix)}"
        query = signed_query(
            prefix_url, key_id=self._key_id, private_key_pem=self._private_key(), expires=self.expires()
        )
        return lambda relative: f"{prefix_url}{quote(relative)}?{query}"
