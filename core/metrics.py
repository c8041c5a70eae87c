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


def _align_down(moment: datetime, period: int) -> datetime:
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
        return Window(_align_down(start, 5), _align_up(now, 5), 5)
    period = period_for(started, now)
    return Window(_align_down(started, period), _align_up(parse(ended_at), period), period)


class Metrics:
    def __init__(self, client: Any) -> None:
        self._client = client

    def series(self, channel_id: str, span: Window) -> list[dict[str, Any]]:
        queries = [
            {
                "Id": f"m{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/IVS",
                        "MetricName": metric,
                        "Dimensions": [{"Name": "Channel", "Value": channel_id}],
                    },
                    "Period": span.period,
                    "Stat": "Average",
                },
                "ReturnData": True,
            }
            for i, metric in enumerate(METRICS.values())
        ]
        points: dict[str, dict[str, float]] = {f"m{i}": {} for i in range(len(METRICS))}
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
        return [
            {
                "name": name,
                "period": span.period,
                "points": [{"timestamp": k, "value": v} for k, v in sorted(points[f"m{i}"].items())],
            }
            for i, name in enumerate(METRICS)
        ]
