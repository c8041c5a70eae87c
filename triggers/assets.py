"""S3 ObjectCreated events of the assets bucket: point the user's avatar/banner at the new version.
Events can arrive late or out of order; the S3 sequencer decides which upload is newest."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from core.assets import MAX_BYTES
from triggers.runtime import core, guarded, logger


def _handle(event: dict[str, Any]) -> dict[str, int]:
    applied = ignored = 0
    for record in event.get("Records", []):
        obj = record["s3"]["object"]
        key = unquote_plus(obj["key"])
        sub, _, kind = key.partition("/")
        if kind not in MAX_BYTES or not sub:
            logger.warning("not an avatar or banner", key=key)
            ignored += 1
            continue
        version = obj.get("versionId")
        url = f"{core().settings.assets_base_url.rstrip('/')}/{key}" + (f"?versionId={version}" if version else "")
        if core().accounts.record_upload(sub, kind, url, obj["sequencer"]):
            applied += 1
        else:
            logger.info("older or unknown upload ignored", key=key, sequencer=obj["sequencer"])
            ignored += 1
    return {"applied": applied, "ignored": ignored}


handler = guarded(_handle)
