"""Stream sessions from IVS EventBridge events, idempotent and independent of arrival order.

Each event is its own item keyed by its time and EventBridge id, so a redelivery writes nothing new.
The session's summary (start, end, live, health, errors, its recording) is a pure function of the set of its events
(`summarize`), recomputed after every event and written only if it covers at least as many events as
the stored one: whatever the order and duplication of deliveries, the final stored session is the
same. The channel's live state follows the newest live session and is ended only by its own session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from core import table as t
from core.channels import RANK_VERSION_BUMP, Channels
from core.errors import NotFound, ValidationError
from core.models import AccountItem, from_attributes, to_attributes
from core.pagination import PageTokens
from core.paging import page_size
from core.store import Table, error_code

STATE, HEALTH, LIMIT = "IVS Stream State Change", "IVS Stream Health Change", "IVS Limit Breach"
RECORDING = "IVS Recording State Change"
DETAIL_TYPES = (STATE, HEALTH, LIMIT, RECORDING)
# A recording's life, in order; a session's recording is what the newest of its recording events says.
RECORDING_STEPS = ("Recording Start", "Recording Start Failure", "Recording End", "Recording End Failure")
# Not from IVS: what deleteRecording adds to the session's events. Whenever it arrives relative to IVS's own
# events, the session has no recording any more (a late Recording End cannot bring it back).
RECORDING_DELETED = "Recording Deleted"
# Queries one page of a channel's recordings may take (sessions without an available recording are skipped).
RECORDED_PAGE_READS = 4
RECORDING_STATES = {
    "Recording Start": "RECORDING",
    "Recording End": "AVAILABLE",
    "Recording Start Failure": "FAILED",
    "Recording End Failure": "FAILED",
}
# The names the upstream UI treats as errors; every limit breach is one too.
ERROR_NAMES = frozenset({"Stream Failure", "Starvation Start", "Recording Start Failure", "Recording End Failure"})


@dataclass(frozen=True)
class RecordingDetail:
    """Where IVS writes a recording, and how long it was (on its Recording End)."""

    bucket: str
    key_prefix: str
    duration_ms: int = 0
    # The recording's thumbnails, oldest first: names under `<key_prefix>/media/thumbnails/`, listed once when
    # its Recording End is handled (core.recordings.Recordings.thumbnails).
    thumbnails: tuple[str, ...] = ()


@dataclass(frozen=True)
class StreamEventRecord:
    id: str
    channel_id: str
    session_id: str
    name: str
    type: str
    event_time: str
    # Recording State Change events only.
    recording: RecordingDetail | None = None

    @property
    def is_error(self) -> bool:
        return self.type == LIMIT or self.name in ERROR_NAMES

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channelId": self.channel_id,
            "sessionId": self.session_id,
            "name": self.name,
            "type": self.type,
            "eventTime": self.event_time,
            "isError": self.is_error,
        }


@dataclass(frozen=True)
class Summary:
    started_at: str | None
    ended_at: str | None
    is_live: bool
    is_healthy: bool
    has_error_event: bool
    event_count: int
    # status (RECORDING, AVAILABLE, FAILED), bucket, keyPrefix, durationMs, thumbnails; None when nothing was
    # recorded, or the recording was deleted.
    recording: dict[str, Any] | None = None

    @property
    def live_recording_prefix(self) -> str | None:
        """Where the live broadcast is being recorded: its latest thumbnail is the channel's."""
        if self.is_live and self.recording and self.recording["status"] == "RECORDING" and self.recording["keyPrefix"]:
            return str(self.recording["keyPrefix"])
        return None


def _recording(events: list[StreamEventRecord]) -> dict[str, Any] | None:
    """The recording as the newest recording event says (any order of arrival gives the same answer):
    where it is from whichever event said, its duration from its Recording End."""
    recorded = [e for e in events if e.type == RECORDING and e.name in RECORDING_STATES and e.recording]
    if not recorded or any(e.name == RECORDING_DELETED for e in events):
        return None
    # Event times are to the second: within one, the later step of a recording's life is the newer event.
    newest = max(recorded, key=lambda e: (e.event_time, RECORDING_STEPS.index(e.name)))
    detail = newest.recording
    assert detail is not None
    ended = [e.recording for e in recorded if e.name == "Recording End" and e.recording]
    return {
        "status": RECORDING_STATES[newest.name],
        "bucket": detail.bucket,
        "keyPrefix": detail.key_prefix,
        "durationMs": max((r.duration_ms for r in ended), default=0),
        "thumbnails": list(_most(r.thumbnails for r in ended)),
    }


def _most(lists: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """The longest of the lists (a Recording End delivered twice may have been listed twice)."""
    most: tuple[str, ...] = ()
    for names in lists:
        if len(names) > len(most):
            most = names
    return most


def _order(event: StreamEventRecord) -> tuple[str, str, str]:
    return (event.event_time, event.name, event.id)


def summarize(events: Iterable[StreamEventRecord]) -> Summary:
    """The session as its events describe it; the same for any order or duplication of them."""
    distinct = sorted({e.id: e for e in events}.values(), key=_order)
    created = [e.event_time for e in distinct if e.name == "Session Created"]
    ended = [e.event_time for e in distinct if e.name == "Session Ended"]
    started = created[0] if created else (distinct[0].event_time if distinct else None)
    last_start = max((e.event_time for e in distinct if e.name == "Stream Start"), default=None)
    last_stop = max((e.event_time for e in distinct if e.name in ("Stream End", "Stream Failure")), default=None)
    live = bool(last_start) and not ended and (last_stop is None or (last_start or "") > last_stop)
    health = [e for e in distinct if e.type == HEALTH and e.name in ("Starvation Start", "Starvation End")]
    return Summary(
        started_at=started,
        ended_at=ended[0] if ended else None,
        is_live=live,
        is_healthy=not health or health[-1].name != "Starvation Start",
        has_error_event=any(e.is_error for e in distinct),
        event_count=len(distinct),
        recording=_recording(distinct),
    )


def parse_ivs_event(event: Mapping[str, Any], channel_id: str) -> StreamEventRecord:
    detail = event.get("detail") or {}
    name = detail.get("limit_name") or detail.get("event_name") or detail.get("recording_status")
    session = detail.get("stream_id")
    if not name or not session or not event.get("time") or not event.get("id"):
        raise ValidationError("event", "an IVS event needs id, time, detail.stream_id and an event or limit name")
    recording = None
    if event.get("detail-type") == RECORDING:  # a Start Failure has no prefix: nothing was written
        recording = RecordingDetail(
            bucket=str(detail.get("recording_s3_bucket_name") or ""),
            key_prefix=str(detail.get("recording_s3_key_prefix") or "").strip("/"),
            duration_ms=int(detail.get("recording_duration_ms") or 0),
        )
    return StreamEventRecord(
        id=str(event["id"]),
        channel_id=channel_id,
        session_id=str(session),
        name=str(name),
        type=str(event.get("detail-type", "")),
        event_time=_iso_z(str(event["time"])),
        recording=recording,
    )


def _iso_z(value: str) -> str:
    # EventBridge sends "2026-11-21T10:00:00Z"; keep millisecond precision so times sort as strings.
    if value.endswith("Z") and "." not in value:
        return value[:-1] + ".000Z"
    return value


@dataclass(frozen=True)
class Recorded:
    event: StreamEventRecord
    inserted: bool
    summary: Summary
    owner: AccountItem
    live_changed: bool


def _event_from_item(item: Mapping[str, Any]) -> StreamEventRecord:
    values = from_attributes(dict(item))
    recording = None
    if "recordingBucket" in values:
        recording = RecordingDetail(
            bucket=values["recordingBucket"],
            key_prefix=values.get("recordingKeyPrefix", ""),
            duration_ms=int(values.get("recordingDurationMs") or 0),
            thumbnails=tuple(values.get("recordingThumbnails") or ()),
        )
    return StreamEventRecord(
        id=values["eventId"],
        channel_id=values["channelId"],
        session_id=values["sessionId"],
        name=values["name"],
        type=values["type"],
        event_time=values["eventTime"],
        recording=recording,
    )


class Sessions:
    def __init__(
        self, table: Table, channels: Channels, tokens: PageTokens, clock: Callable[[], float] = time.time
    ) -> None:
        self._table = table
        self._channels = channels
        self._tokens = tokens
        self._clock = clock

    # --- writes (the stream events trigger) ------------------------------------------------------
    def record(self, event: StreamEventRecord, owner: AccountItem) -> Recorded:
        inserted = self._put_event(event, owner)
        events = self.events(event.session_id)
        summary = summarize(events)
        self._write_summary(event, owner, summary)
        live_changed = self._set_live_state(owner, event.session_id, summary)
        if event.type == RECORDING and not live_changed:
            self._set_live_recording(owner, event.session_id, summary)
        return Recorded(event, inserted, summary, owner, live_changed)

    def _put_event(self, event: StreamEventRecord, owner: AccountItem) -> bool:
        item: dict[str, Any] = {
            "PK": t.session_pk(event.session_id),
            "SK": t.event_sk(event.event_time, event.id),
            "eventId": event.id,
            "channelId": event.channel_id,
            "sessionId": event.session_id,
            "ownerSub": owner.sub,
            "name": event.name,
            "type": event.type,
            "eventTime": event.event_time,
        }
        if event.recording:
            item |= {
                "recordingBucket": event.recording.bucket,
                "recordingKeyPrefix": event.recording.key_prefix,
                "recordingDurationMs": event.recording.duration_ms,
            }
            if event.recording.thumbnails:
                item["recordingThumbnails"] = list(event.recording.thumbnails)
        try:
            self._table.client.put_item(
                TableName=self._table.name, Item=to_attributes(item), ConditionExpression="attribute_not_exists(PK)"
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False  # a redelivery: already recorded
            raise
        return True

    def events(self, session_id: str) -> list[StreamEventRecord]:
        items = self._table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :e)",
            ExpressionAttributeValues={":pk": {"S": t.session_pk(session_id)}, ":e": {"S": t.EVENT_PREFIX}},
            ConsistentRead=True,
        )
        return [_event_from_item(i) for i in items]

    def _write_summary(self, event: StreamEventRecord, owner: AccountItem, summary: Summary) -> None:
        values: dict[str, Any] = {
            "channelId": event.channel_id,
            "sessionId": event.session_id,
            "ownerSub": owner.sub,
            "isLive": summary.is_live,
            "isHealthy": summary.is_healthy,
            "hasErrorEvent": summary.has_error_event,
            "eventCount": summary.event_count,
            "sessionsKey": t.user_pk(owner.sub),
        }
        remove = []
        pairs: tuple[tuple[str, Any], ...] = (
            ("startedAt", summary.started_at),
            ("endedAt", summary.ended_at),
            ("recording", summary.recording),
        )
        for key, value in pairs:
            if value is None:
                remove.append(key)
            else:
                values[key] = value
        if summary.started_at:
            values["sessionStart"] = f"{summary.started_at}#{event.session_id}"
        if summary.ended_at and summary.started_at:
            # Metrics snapshots are due now, and again each time the session ages into a coarser period.
            values["snapshotDueKey"] = t.SNAPSHOT_DUE_PARTITION
            values["snapshotDueAt"] = summary.ended_at
        names = {f"#{k}": k for k in (*values, *remove)}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in values)
        if remove:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in remove)
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.session_pk(event.session_id)}, "SK": {"S": t.SESSION_SK}},
                UpdateExpression=expression,
                # A summary of fewer events never replaces one of more (concurrent deliveries).
                ConditionExpression="attribute_not_exists(#eventCount) OR #eventCount <= :eventCount",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={f":{k}": v for k, v in to_attributes(values).items()},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def _set_live_state(self, owner: AccountItem, session_id: str, summary: Summary) -> bool:
        """The channel is live with its newest live session; only that session ends it."""
        if owner.channel_id is None:
            return False
        key = {"PK": {"S": t.user_pk(owner.sub)}, "SK": {"S": t.ACCOUNT_SK}}
        try:
            if summary.is_live and summary.started_at:
                prefix = summary.live_recording_prefix
                out = self._table.client.update_item(
                    TableName=self._table.name,
                    Key=key,
                    UpdateExpression="SET liveKey = :live, liveSince = :since, liveSessionId = :sid "
                    + (", liveRecordingPrefix = :prefix " if prefix else "")
                    + RANK_VERSION_BUMP
                    + ("" if prefix else " REMOVE liveRecordingPrefix"),
                    # Only a READY account goes live: not one being deleted or disabled (a late event, or
                    # an encoder that reconnected before its key was replaced).
                    ConditionExpression="#status = :ready AND (attribute_not_exists(liveSince)"
                    " OR liveSince < :since OR (liveSince = :since AND liveSessionId <> :sid))",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=to_attributes(
                        {
                            ":live": t.LIVE_PARTITION,
                            ":since": summary.started_at,
                            ":sid": session_id,
                            ":ready": "READY",
                            ":one": 1,
                        }
                        | ({":prefix": prefix} if prefix else {})
                    ),
                    ReturnValues="UPDATED_NEW",
                )
                self._channels.rerank(owner.sub, owner.channel_id, out, summary.started_at)
            else:
                out = self._table.client.update_item(
                    TableName=self._table.name,
                    Key=key,
                    UpdateExpression="REMOVE liveKey, liveSince, liveSessionId, liveRecordingPrefix "
                    + RANK_VERSION_BUMP,
                    ConditionExpression="liveSessionId = :sid",
                    ExpressionAttributeValues=to_attributes({":sid": session_id, ":one": 1}),
                    ReturnValues="UPDATED_NEW",
                )
                self._channels.rerank(owner.sub, owner.channel_id, out, None)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False  # already in that state, or another session owns it
            raise
        return True

    def _set_live_recording(self, owner: AccountItem, session_id: str, summary: Summary) -> None:
        """A recording event of the live session: where it records (its latest thumbnail is the channel's),
        or no longer. Its session going live or offline sets or clears the same, whichever comes first."""
        prefix = summary.live_recording_prefix
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key={"PK": {"S": t.user_pk(owner.sub)}, "SK": {"S": t.ACCOUNT_SK}},
                UpdateExpression="SET liveRecordingPrefix = :prefix" if prefix else "REMOVE liveRecordingPrefix",
                ConditionExpression="liveSessionId = :sid",
                ExpressionAttributeValues=to_attributes({":sid": session_id} | ({":prefix": prefix} if prefix else {})),
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise  # else another session is live, or none

    def store_ingest_configuration(self, session_id: str, configuration: Mapping[str, Any]) -> None:
        self._table.client.update_item(
            TableName=self._table.name,
            Key={"PK": {"S": t.session_pk(session_id)}, "SK": {"S": t.SESSION_SK}},
            UpdateExpression="SET ingestConfiguration = :c",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":c": to_attributes({"c": dict(configuration)})["c"]},
        )

    def store_metrics(self, session_id: str, key: str, series: list[dict[str, Any]], next_due: str | None) -> None:
        expression = "SET metricsKey = :k, metricSeries = :s"
        # CloudWatch values are floats; DynamoDB numbers are exact decimals.
        stored = [{**s, "points": [{**p, "value": Decimal(str(p["value"]))} for p in s["points"]]} for s in series]
        values: dict[str, Any] = {":k": key, ":s": stored}
        if next_due:
            expression += ", snapshotDueAt = :due"
            values[":due"] = next_due
        else:
            expression += " REMOVE snapshotDueKey, snapshotDueAt"
        self._table.client.update_item(
            TableName=self._table.name,
            Key={"PK": {"S": t.session_pk(session_id)}, "SK": {"S": t.SESSION_SK}},
            UpdateExpression=expression,
            ExpressionAttributeValues=to_attributes(values),
        )

    # --- reads (the API) ---------------------------------------------------------------------------
    def page(
        self, owner_sub: str, limit: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        size = page_size(limit)
        scope = f"streamSessions:{owner_sub}"
        start = self._tokens.decode(scope, next_token)
        items, last = self._table.query(
            IndexName=t.SESSIONS.name,
            KeyConditionExpression="sessionsKey = :owner",
            ExpressionAttributeValues={":owner": {"S": t.user_pk(owner_sub)}},
            ScanIndexForward=False,
            Limit=size,
            **({"ExclusiveStartKey": start} if start else {}),
        )
        return [from_attributes(i) for i in items], self._tokens.encode(scope, last)

    def recorded_page(
        self, owner_sub: str, limit: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The owner's sessions with an AVAILABLE recording, newest first. The index holds every session, so a
        page reads on (at most RECORDED_PAGE_READS Queries) until it is full or the sessions run out."""
        size = page_size(limit)
        scope = f"recordings:{owner_sub}"
        start = self._tokens.decode(scope, next_token)
        found: list[dict[str, Any]] = []
        for _ in range(RECORDED_PAGE_READS):
            items, start = self._table.query(
                IndexName=t.SESSIONS.name,
                KeyConditionExpression="sessionsKey = :owner",
                FilterExpression="#recording.#status = :available",
                ExpressionAttributeNames={"#recording": "recording", "#status": "status"},
                ExpressionAttributeValues={":owner": {"S": t.user_pk(owner_sub)}, ":available": {"S": "AVAILABLE"}},
                ScanIndexForward=False,
                Limit=size - len(found),
                **({"ExclusiveStartKey": start} if start else {}),
            )
            found.extend(from_attributes(i) for i in items)
            if len(found) >= size or not start:
                break
        return found, self._tokens.encode(scope, start)

    def mark_recording_deleted(self, owner: AccountItem, session: Mapping[str, Any], at: str) -> None:
        """Record on the session that its recording was deleted (an event of its own, so that whatever IVS
        delivers later, the session has no recording any more); idempotent."""
        session_id = str(session["sessionId"])
        event = StreamEventRecord(
            id=f"{session_id}#recording-deleted",
            channel_id=str(session["channelId"]),
            session_id=session_id,
            name=RECORDING_DELETED,
            type=RECORDING,
            event_time=at,
        )
        self.record(event, owner)

    def get(self, owner_sub: str, session_id: str) -> tuple[dict[str, Any], list[StreamEventRecord]]:
        """A session with its events in one Query; another owner's session is not found."""
        if not session_id or len(session_id) > 256:
            raise NotFound("no such stream session")
        items = list(
            self._table.query_all(
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues={":pk": {"S": t.session_pk(session_id)}},
            )
        )
        session = next((i for i in items if i["SK"]["S"] == t.SESSION_SK), None)
        if session is None or session.get("ownerSub", {}).get("S") != owner_sub:
            raise NotFound("no such stream session")
        events = [_event_from_item(i) for i in items if i["SK"]["S"].startswith(t.EVENT_PREFIX)]
        return from_attributes(session), sorted(events, key=_order)

    def due_sessions(self, now_iso: str) -> list[dict[str, Any]]:
        """The ended sessions whose metrics snapshot is due: one Query and one consistent BatchGetItem per 100."""
        keys = [
            {"PK": {"S": t.session_pk(session_id)}, "SK": {"S": t.SESSION_SK}}
            for session_id in self.due_snapshots(now_iso)
        ]
        sessions = [from_attributes(item) for item in self._table.batch_get(keys, consistent=True)]
        return [s for s in sessions if s.get("startedAt") and s.get("endedAt")]

    def due_snapshots(self, now_iso: str) -> list[str]:
        items = self._table.query_all(
            IndexName=t.SNAPSHOT_DUE.name,
            KeyConditionExpression="snapshotDueKey = :due AND snapshotDueAt <= :now",
            ExpressionAttributeValues={":due": {"S": t.SNAPSHOT_DUE_PARTITION}, ":now": {"S": now_iso}},
        )
        return [t.session_id_of(i["PK"]["S"]) for i in items]
