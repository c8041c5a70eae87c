"""SQS jobs of the `following` queue (`infra.definitions.QUEUES`): each re-ranks one page of a channel's
follows after it went live or offline (core/ranking.py). A job that fails is reported alone, so SQS
retries only it (ReportBatchItemFailures); a body that is not a job is dropped with a warning, since
retrying it cannot help."""

from __future__ import annotations

from typing import Any

from core.ranking import RankJob
from triggers.runtime import core, guarded, logger


def _handle(event: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        try:
            job = RankJob.from_json(record["body"])
        except (ValueError, KeyError, TypeError):
            logger.warning("not a ranking job: dropped", message_id=record.get("messageId"))
            continue
        try:
            result = core().ranking.run(job)
        except Exception:
            logger.exception("ranking job failed", channel=job.channel_id, version=job.version)
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        # Most jobs of a small channel find an empty shard: those are not worth a line each.
        log = logger.info if result.updated or result.continued or result.stale else logger.debug
        log(
            "ranked",
            channel=job.channel_id,
            version=job.version,
            updated=result.updated,
            skipped=result.skipped,
            continued=result.continued,
            stale=result.stale,
        )
    return {"batchItemFailures": failures}


handler = guarded(_handle)
