"""IVS health metrics from CloudWatch (namespace AWS/IVS, dimension Channel = the channel id).

Resolution follows the session's age as CloudWatch keeps it: 5 s for 3 hours, 60 s for 15 days,
300 s for 63 days, then 3600 s. Live sessions read the last 3 hours at 5 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.timefmt import iso

METRICS = {
    "INGEST_VIDEO_BITRATE": "IngestVideoBitrate",
    "INGEST_FRAMERATE": "IngestFramerate",
    "CONCURRENT_VIEWS": "ConcurrentViews",
    "KEYFRAME_INTERVAL": "KeyframeInterval",
}
# (age after which, period) from finest to coarsest.
STEPS = ((timedelta(0), 5), (timedelta(hours=3), 60), (timedelta(days=15), 300), (timedelta(days=63), 3600))
LIVE_WINDOW = timedelta(hours=3)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def period_for(started: datetime, now: datetime) -> int:
    age = now - started
    return next(period for after, period in reversed(STEPS) if age > after or after == timedelta(0))


def next_step(started: datetime, now: datetime) -> datetime | None:
    """When the resolution next becomes coarser (the snapshot must be recomputed), if ever."""
    return next((started + after for after, _ in STEPS if started + after > now), None)


def align_down(moment: datetime, period: int) -> datetime:
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % period, UTC)


def _align_up(moment: datetime, period: int) -> datetime:
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp(seconds + (-seconds % period), UTC)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    period: int

    @property
    def key(self) -> str:
        return f"P{self.period}-S{int(self.start.timestamp() * 1000)}-E{int(self.end.timestamp() * 1000)}"


def window(started_at: str, ended_at: str | None, now: datetime) -> Window:
    started = parse(started_at)
    if ended_at is None:
        start = max(started, now - LIVE_WINDOW)
        return Window(align_down(start, 5), _align_up(now, 5), 5)
    period = period_for(started, now)
    return Window(align_down(started, period), _align_up(parse(ended_at), period), period)


# GetMetricData takes at most 500 queries a call: 125 channels of 4 metrics.
QUERIES_PER_CALL = 500
CHANNELS_PER_CALL = QUERIES_PER_CALL // len(METRICS)


def _query(query_id: str, metric: str, channel_id: str, period: int) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/IVS",
                "MetricName": metric,
                "Dimensions": [{"Name": "Channel", "Value": channel_id}],
            },
            "Period": period,
            "Stat": "Average",
        },
        "ReturnData": True,
    }


class Metrics:
    def __init__(self, client: Any) -> None:
        self._client = client

    def series(self, channel_id: str, span: Window) -> list[dict[str, Any]]:
        return self.series_many([channel_id], span)[channel_id]

    def series_many(self, channel_ids: list[str], span: Window) -> dict[str, list[dict[str, Any]]]:
        """Every metric of each channel over one window: one GetMetricData per 125 channels (and its
        next pages), whatever the number of channels."""
        unique = list(dict.fromkeys(channel_ids))
        found: dict[str, list[dict[str, Any]]] = {}
        for first in range(0, len(unique), CHANNELS_PER_CALL):
            found.update(self._call(unique[first : first + CHANNELS_PER_CALL], span))
        return found

    def _call(self, channel_ids: list[str], span: Window) -> dict[str, list[dict[str, Any]]]:
        # Query ids: c<channel index>m<metric index> (ids must start with a lower-case letter).
        queries = [
            _query(f"c{c}m{m}", metric, channel_id, span.period)
            for c, channel_id in enumerate(channel_ids)
            for m, metric in enumerate(METRICS.values())
        ]
        points: dict[str, dict[str, float]] = {q["Id"]: {} for q in queries}
        token: str | None = None
        while True:
            out = self._client.get_metric_data(
                MetricDataQueries=queries,
                StartTime=span.start,
                EndTime=span.end,
                ScanBy="TimestampAscending",
                **({"NextToken": token} if token else {}),
            )
            for result in out.get("MetricDataResults", []):
                for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    points[result["Id"]][iso(stamp)] = float(value)
            token = out.get("NextToken")
            if not token:
                break
        return {
            channel_id: [
                {
                    "name": name,
                    "period": span.period,
                    "points": [{"timestamp": k, "value": v} for k, v in sorted(points[f"c{c}m{m}"].items())],
                }
                for m, name in enumerate(METRICS)
            ]
            for c, channel_id in enumerate(channel_ids)
        }


def clipped(series: list[dict[str, Any]], start: datetime, end: datetime | None = None) -> list[dict[str, Any]]:
    """The points of `series` from `start` (and before `end`), as a narrower window would have read them."""
    return [
        {
            **s,
            "points": [
                p
                for p in s["points"]
                if parse(p["timestamp"]) >= start and (end is None or parse(p["timestamp"]) < end)
            ],
        }
        for s in series
    ]
