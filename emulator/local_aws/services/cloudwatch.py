"""CloudWatch GetMetricData: moto's statistics, plus the time alignment and metric math moto lacks.

moto keeps every PutMetricData point at full resolution (so StorageResolution=1 points answer 5 s
periods) and computes MetricStat statistics per period, which is what IVS's dashboards query. Where
it falls short of CloudWatch, this wrapper fills in:

- Alignment: CloudWatch rounds StartTime down before cutting periods (for periods under a minute to
  that division of the minute, else to the minute, 5 minutes or hour by the start's age); moto cuts
  periods from StartTime as given, so its points would sit off the period grid.
- Metric math: moto answers every expression except a bare id with an empty series. Implemented here:
  an id, `FILL(x, REPEAT | LINEAR | <number>)`, `AVG`, `MIN`, `MAX`, `SUM` of a series (a scalar),
  and `TIME_SERIES(<scalar>)` — what IVS metric screens use (`FILL(m, REPEAT)` for charts,
  `TIME_SERIES(AVG(m))` for averages). Any other expression is refused with InvalidParameterValue
  naming what is implemented, rather than answered with a silently empty series.

FILL and TIME_SERIES produce a value for every period from the aligned start up to EndTime; FILL with
REPEAT or LINEAR fills the periods before the first point with the first value, so a filled series
lines up with `alignedStart + i * period`. Metrics Insights queries (`SELECT ...`) go to moto as is.
moto's own quirks that remain: a metric queried with dimensions matches on name and dimensions only
(not namespace), and high-resolution points are not dropped after 3 hours.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from emulator.local_aws.messages import AwsRequest, AwsResponse, ServiceError
from emulator.local_aws.registry import HandlerContext, Registry

SERVICE = "cloudwatch"
DAY = 86400
# Periods under a minute (high resolution) align to their own division of the minute.
_SUB_MINUTE_PERIODS = (1, 5, 10, 20, 30)
_TOKEN = re.compile(r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),]))")
_FILL_MODES = ("REPEAT", "LINEAR")
IMPLEMENTED = "an id, FILL(x, REPEAT|LINEAR|<number>), AVG(x), MIN(x), MAX(x), SUM(x), TIME_SERIES(<scalar>)"


def install(registry: Registry) -> None:
    registry.add(SERVICE, "GetMetricData", get_metric_data)


@dataclass(frozen=True)
class Series:
    period: int
    points: tuple[tuple[int, float], ...]  # (epoch seconds, value), ascending


@dataclass(frozen=True)
class Scalar:
    period: int
    value: float | None  # None: the series it came from had no points


Value = Series | Scalar


def get_metric_data(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = dict(request.params)
    queries: list[dict[str, Any]] = list(params.get("MetricDataQueries") or [])
    if any(str(q.get("Expression", "")).lstrip().upper().startswith("SELECT") for q in queries):
        return ctx.forward()
    stats = [q for q in queries if "MetricStat" in q]
    periods = [int(q["MetricStat"]["Period"]) for q in stats] + [int(q["Period"]) for q in queries if q.get("Period")]
    default_period = min(periods, default=60)
    start = align_start(_epoch(params["StartTime"]), default_period, now=datetime.now(UTC).timestamp())
    end = math.ceil(_epoch(params["EndTime"]))

    # moto computes every MetricStat (oldest first, all of them, as expressions may read hidden ones).
    forwarded = {
        **params,
        "StartTime": start,
        "ScanBy": "TimestampAscending",
        "MetricDataQueries": [{**q, "ReturnData": True} for q in stats],
    }
    response = ctx.forward(json.dumps(forwarded).encode())
    if not response.ok:
        return response
    computed = {
        str(raw["Id"]): raw for raw in response.json_body().get("MetricDataResults") or [] if isinstance(raw, dict)
    }
    evaluator = _Evaluator(queries, computed, start=start, end=end, default_period=default_period)

    descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    results = []
    for query in queries:
        if query.get("ReturnData") is False:
            continue
        result = evaluator.result(query)
        if descending:
            result["Timestamps"].reverse()
            result["Values"].reverse()
        results.append(result)
    body = {"MetricDataResults": results, "Messages": []}
    # moto labels its JSON answers "text"; botocore's JSON 1.0 protocol names its own type.
    return AwsResponse(200, [("Content-Type", "application/x-amz-json-1.0")], json.dumps(body).encode())


def align_start(start: float, period: int, *, now: float) -> int:
    """StartTime as CloudWatch rounds it down before cutting it into periods."""
    if period in _SUB_MINUTE_PERIODS:
        step = period
    else:
        age = now - start
        step = 60 if age < 15 * DAY else 300 if age < 63 * DAY else 3600
    return int(start // step * step)


class _Evaluator:
    def __init__(
        self,
        queries: list[dict[str, Any]],
        computed: Mapping[str, Mapping[str, Any]],
        *,
        start: int,
        end: int,
        default_period: int,
    ) -> None:
        self._queries = {str(q["Id"]): q for q in queries}
        self._computed = computed
        self._start = start
        self._end = end
        self._default_period = default_period
        self._values: dict[str, Value] = {}
        self._evaluating: set[str] = set()

    def result(self, query: Mapping[str, Any]) -> dict[str, Any]:
        query_id = str(query["Id"])
        if "MetricStat" in query:
            raw = self._computed.get(query_id, {})
            return {
                "Id": query_id,
                "Label": raw.get("Label") or query.get("Label") or query_id,
                "Timestamps": list(raw.get("Timestamps") or []),
                "Values": list(raw.get("Values") or []),
                "StatusCode": raw.get("StatusCode") or "Complete",
            }
        value = self.value(query_id)
        if not isinstance(value, Series):
            raise _invalid(f"expression {query['Expression']!r} (id {query_id}) must give a time series, not a number")
        return {
            "Id": query_id,
            "Label": query.get("Label") or query_id,
            "Timestamps": [ts for ts, _ in value.points],
            "Values": [v for _, v in value.points],
            "StatusCode": "Complete",
        }

    def value(self, query_id: str) -> Value:
        if query_id in self._values:
            return self._values[query_id]
        query = self._queries.get(query_id)
        if query is None:
            raise _invalid(f"no query has the id {query_id!r}")
        if query_id in self._evaluating:
            raise _invalid(f"the expression of {query_id!r} refers to itself")
        self._evaluating.add(query_id)
        try:
            if "MetricStat" in query:
                value: Value = self._stat_series(query)
            else:
                period = int(query.get("Period") or self._default_period)
                value = _Parser(str(query["Expression"]), self, period).parse()
        finally:
            self._evaluating.discard(query_id)
        self._values[query_id] = value
        return value

    def grid(self, period: int) -> range:
        return range(self._start, self._end, period)

    def _stat_series(self, query: Mapping[str, Any]) -> Series:
        raw = self._computed.get(str(query["Id"]), {})
        stamps = [round(_epoch(ts)) for ts in raw.get("Timestamps") or []]
        values = [float(v) for v in raw.get("Values") or []]
        return Series(int(query["MetricStat"]["Period"]), tuple(sorted(zip(stamps, values, strict=False))))


class _Parser:
    """A recursive-descent reader of the implemented subset of CloudWatch's metric math."""

    def __init__(self, text: str, evaluator: _Evaluator, period: int) -> None:
        self._text = text
        self._tokens = self._tokenize(text)
        self._at = 0
        self._evaluator = evaluator
        self._period = period

    def parse(self) -> Value:
        value = self._expression()
        if self._at != len(self._tokens):
            raise self._unsupported()
        return value

    def _expression(self) -> Value:
        kind, text = self._next()
        if kind == "number":
            return Scalar(self._period, float(text))
        if kind != "name":
            raise self._unsupported()
        if self._peek() != ("punct", "("):
            return self._evaluator.value(text)
        self._next()
        function = text.upper()
        if function == "FILL":
            series = self._series(self._expression())
            self._expect(",")
            mode_kind, mode = self._peek()
            if mode_kind == "name" and mode.upper() in _FILL_MODES:
                self._next()
                filled = _fill(series, mode.upper(), None, self._evaluator.grid(series.period))
            else:
                constant = self._expression()
                if not isinstance(constant, Scalar):
                    raise self._unsupported()
                filled = _fill(series, "CONSTANT", constant.value, self._evaluator.grid(series.period))
            self._expect(")")
            return filled
        if function in _REDUCERS:
            series = self._series(self._expression())
            self._expect(")")
            values = [v for _, v in series.points]
            return Scalar(series.period, _REDUCERS[function](values) if values else None)
        if function == "TIME_SERIES":
            scalar = self._expression()
            self._expect(")")
            if not isinstance(scalar, Scalar):
                raise self._unsupported()
            if scalar.value is None:
                return Series(scalar.period, ())
            value = scalar.value
            return Series(scalar.period, tuple((ts, value) for ts in self._evaluator.grid(scalar.period)))
        raise self._unsupported()

    def _series(self, value: Value) -> Series:
        if not isinstance(value, Series):
            raise self._unsupported()
        return value

    def _expect(self, punct: str) -> None:
        if self._next() != ("punct", punct):
            raise self._unsupported()

    def _peek(self) -> tuple[str, str]:
        return self._tokens[self._at] if self._at < len(self._tokens) else ("end", "")

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        self._at += 1
        return token

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        at = 0
        while at < len(text.rstrip()):
            match = _TOKEN.match(text, at)
            if match is None or not match.group().strip():
                raise self._unsupported()
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            at = match.end()
        return tokens

    def _unsupported(self) -> ServiceError:
        return _invalid(f"the local CloudWatch cannot evaluate {self._text!r}; it implements {IMPLEMENTED}")


_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "AVG": lambda values: sum(values) / len(values),
    "MIN": min,
    "MAX": max,
    "SUM": sum,
}


def _fill(series: Series, mode: str, constant: float | None, grid: range) -> Series:
    """`series` with a value in every period of `grid`."""
    known = dict(series.points)
    if mode == "CONSTANT" and constant is not None:
        return Series(series.period, tuple((ts, known.get(ts, constant)) for ts in grid))
    stamps = sorted(known)
    if not stamps:
        return Series(series.period, ())
    filled: list[tuple[int, float]] = []
    after = 0  # index of the first point at or after the slot: one pass over both, both ascending
    for ts in grid:
        while after < len(stamps) and stamps[after] < ts:
            after += 1
        if after < len(stamps) and stamps[after] == ts:
            value = known[ts]
        elif after == 0:
            value = known[stamps[0]]  # before the first point: the first value
        elif after == len(stamps) or mode == "REPEAT":
            value = known[stamps[after - 1]]
        else:
            before, next_ts = stamps[after - 1], stamps[after]
            share = (ts - before) / (next_ts - before)
            value = known[before] + share * (known[next_ts] - known[before])
        filled.append((ts, value))
    return Series(series.period, tuple(filled))


def _epoch(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    raise _invalid(f"{value!r} is not a timestamp")


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message, 400)
