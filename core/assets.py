"""Avatar and banner images in S3: presigned uploads and deletion of a user's objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONTENT_TYPES = frozenset({"image/jpeg", "image/jpg", "image/png"})
# Decimal megabytes, as the upstream demo and its front end count them.
MAX_BYTES = {"avatar": 1_000_000, "banner": 5_000_000}
UPLOAD_SECONDS = 60


@dataclass(frozen=True)
class Upload:
    url: str
    fields: dict[str, str]
    max_bytes: int


def object_key(sub: str, kind: str) -> str:
    return f"{sub}/{kind}"


class Assets:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def upload(self, sub: str, kind: str, content_type: str) -> Upload:
        """A presigned POST that S3 accepts only for this key, this content type and size."""
        limit = MAX_BYTES[kind]
        post = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=object_key(sub, kind),
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, limit]],
            ExpiresIn=UPLOAD_SECONDS,
        )
        return Upload(url=post["url"], fields=dict(post["fields"]), max_bytes=limit)

    def delete_user_objects(self, sub: str) -> None:
        """Every version of every object under the user's prefix."""
        paginator = self._client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"{sub}/"):
            objects = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(objects), 1000):
                self._client.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": objects[start : start + 1000], "Quiet": True}
                )
