"""IVS EventBridge events (wired by `infra.definitions.EVENT_RULES`): record the session, keep the
channel's live state, and push what changed to subscribers. Idempotent and order-independent."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.sessions import DETAIL_TYPES, StreamEventRecord, parse_ivs_event
from triggers.runtime import core, guarded, logger

# The ingest configuration is kept only once IVS reports both tracks (it is empty at first).
_TRACKS = ("video", "audio")


def _complete(configuration: dict[str, Any]) -> bool:
    return all(any(v not in ("", 0, None) for v in (configuration.get(track) or {}).values()) for track in _TRACKS)


def _handle(event: dict[str, Any]) -> dict[str, Any]:
    if event.get("detail-type") not in DETAIL_TYPES or not event.get("resources"):
        return {"ignored": "not an IVS stream event"}
    channel_arn = str(event["resources"][0])
    channel_id = channel_arn.rsplit("/", 1)[-1]
    owner = core().channels.by_channel_id(channel_id)
    if owner is None:
        # Channels this deployment does not own (another app in the account): nothing to do, no retry.
        logger.info("event for a channel of another deployment", channel_arn=channel_arn)
        return {"ignored": "unknown channel"}
    record = _with_thumbnails(parse_ivs_event(event, channel_id))
    recorded = core().sessions.record(record, owner)
    summary = recorded.summary
    if summary.is_live:
        _store_ingest_configuration(channel_arn, record.session_id)
    if record.name == "Session Ended" and recorded.inserted:
        _align_video_settings(channel_arn)
    _publish(recorded, owner.username)
    return {"session": record.session_id, "inserted": recorded.inserted, "live": summary.is_live}


def _align_video_settings(channel_arn: str) -> None:
    """A channel live during a deployment that changed the stage's video settings could not be switched then."""
    settings = core().settings
    if (
        core()
        .ivs()
        .align_video_settings(
            channel_arn,
            recording_configuration_arn=settings.recording_configuration_arn,
            playback_restriction_policy_arn=settings.playback_restriction_policy_arn,
        )
    ):
        logger.info("channel switched to the stage's video settings after its broadcast", channel_arn=channel_arn)


def _with_thumbnails(record: StreamEventRecord) -> StreamEventRecord:
    """A Recording End keeps the recording's thumbnails, listed once now that IVS wrote them all, so reading
    a recording costs no S3 call."""
    recordings = core().recordings()
    if record.name != "Recording End" or record.recording is None or recordings is None:
        return record
    thumbnails = recordings.thumbnails(record.recording.key_prefix)
    return replace(record, recording=replace(record.recording, thumbnails=thumbnails))


def _store_ingest_configuration(channel_arn: str, session_id: str) -> None:
    try:
        session = core().clients.ivs.get_stream_session(channelArn=channel_arn, streamId=session_id)["streamSession"]
    except Exception:  # best effort: the API fetches it again later
        logger.info("ingest configuration not available yet", session=session_id)
        return
    configuration = session.get("ingestConfiguration") or {}
    if _complete(configuration):
        core().sessions.store_ingest_configuration(session_id, {k: configuration[k] for k in _TRACKS})


def _publish(recorded: Any, username: str) -> None:
    """Fan-out is best effort: the stored session is the truth, a lost push is not retried."""
    try:
        publisher = core().publisher
        if recorded.inserted:
            publisher.stream_event(recorded.event.json())
        if recorded.live_changed:
            summary = recorded.summary
            publisher.channel_state(
                {
                    "channelId": recorded.event.channel_id,
                    "username": username,
                    "isLive": summary.is_live,
                    "liveSince": summary.started_at if summary.is_live else None,
                    "sessionId": recorded.event.session_id,
                }
            )
    except Exception:
        logger.exception("publish failed", session=recorded.event.session_id)


handler = guarded(_handle)
