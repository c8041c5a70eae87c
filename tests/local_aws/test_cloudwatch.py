"""The local CloudWatch answers GetMetricData as IVS's metric screens query it: AWS/IVS metrics per
channel, high-resolution points at 5 s, coarser periods, and the FILL / TIME_SERIES(AVG) math."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from emulator.local_aws.services.cloudwatch import align_start

NAMESPACE = "AWS/IVS"


@pytest.fixture
def cloudwatch(local_aws_client):
    return local_aws_client("cloudwatch")


@pytest.fixture
def channel_id():
    # moto's metrics are process-wide: a fresh dimension value keeps each test's points its own.
    return uuid.uuid4().hex[:12]


@pytest.fixture
def base():
    """A minute boundary a little in the past: every point lies on the 5 s grid from it."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=10)


def _put(cloudwatch, channel_id, metric, points):
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "Channel", "Value": channel_id}],
                "Timestamp": when,
                "Value": value,
                "StorageResolution": 1,
            }
            for when, value in points
        ],
    )


def _stat(query_id, channel_id, metric, period, **extra):
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": metric,
                "Dimensions": [{"Name": "Channel", "Value": channel_id}],
            },
            "Period": period,
            "Stat": "Average",
        },
        **extra,
    }


def _series(result):
    return list(zip(result["Timestamps"], result["Values"], strict=True))


def test_high_resolution_points_come_back_per_5_second_period(cloudwatch, channel_id, base):
    # GIVEN a bitrate point every 5 s for a minute, two points in the first period, another channel's too
    points = [(base + timedelta(seconds=5 * i), 3_000_000.0 + i * 1000) for i in range(12)]
    _put(cloudwatch, channel_id, "IngestVideoBitrate", [*points, (base + timedelta(seconds=2), 3_010_000.0)])
    _put(cloudwatch, uuid.uuid4().hex[:12], "IngestVideoBitrate", [(base, 1.0)])

    # WHEN the channel's Average is read at a 5 s period, oldest first, from a start inside a period
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[_stat("bitrate", channel_id, "IngestVideoBitrate", 5)],
        StartTime=base + timedelta(seconds=3),
        EndTime=base + timedelta(minutes=1),
        ScanBy="TimestampAscending",
    )

    # THEN the start is rounded down to the 5 s grid, each period has the average of its points,
    # and the other channel's point is not among them
    (result,) = answer["MetricDataResults"]
    assert result["Id"] == "bitrate"
    assert result["StatusCode"] == "Complete"
    series = _series(result)
    assert series[0] == (base, (3_000_000.0 + 3_010_000.0) / 2)
    assert series[1:] == [(when, value) for when, value in points[1:]]


@pytest.mark.parametrize("period", [60, 300, 3600])
def test_coarser_periods_average_the_points_they_hold(cloudwatch, channel_id, base, period):
    # GIVEN frame-rate points over two minutes
    points = [(base + timedelta(seconds=5 * i), 29.0 + (i % 3)) for i in range(24)]
    _put(cloudwatch, channel_id, "IngestFramerate", points)

    # WHEN they are read at a minute or more per period (newest first, CloudWatch's default order)
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[_stat("fps", channel_id, "IngestFramerate", period)],
        StartTime=base,
        EndTime=base + timedelta(minutes=2),
    )

    # THEN each period averages its points
    values = answer["MetricDataResults"][0]["Values"]
    if period == 60:
        assert values == [30.0, 30.0]  # newest first: 12 points of 29, 30, 31 in each minute
    else:
        assert values == [30.0]


def test_metric_math_fills_gaps_and_averages(cloudwatch, channel_id, base):
    # GIVEN points with gaps: 10 at +5 s, 20 at +20 s, none in the first or last periods
    _put(
        cloudwatch,
        channel_id,
        "ConcurrentViews",
        [(base + timedelta(seconds=5), 10.0), (base + timedelta(seconds=20), 20.0)],
    )

    # WHEN the series is read with FILL(REPEAT), FILL(LINEAR), FILL(0) and TIME_SERIES(AVG()), the raw one hidden
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            _stat("views", channel_id, "ConcurrentViews", 5, ReturnData=False),
            {"Id": "repeat", "Expression": "FILL(views, REPEAT)", "Label": "ConcurrentViewsFilled"},
            {"Id": "linear", "Expression": "FILL(views, LINEAR)"},
            {"Id": "zero", "Expression": "FILL(views, 0)"},
            {"Id": "avg", "Expression": "TIME_SERIES(AVG(views))", "Label": "ConcurrentViewsAvg"},
        ],
        StartTime=base,
        EndTime=base + timedelta(seconds=30),
        ScanBy="TimestampAscending",
    )

    # THEN every 5 s period from the start has a value, filled as asked, and the hidden query is absent
    results = {r["Id"]: r for r in answer["MetricDataResults"]}
    assert set(results) == {"repeat", "linear", "zero", "avg"}
    grid = [base + timedelta(seconds=5 * i) for i in range(6)]
    assert _series(results["repeat"]) == list(zip(grid, [10.0, 10.0, 10.0, 10.0, 20.0, 20.0], strict=True))
    assert results["repeat"]["Label"] == "ConcurrentViewsFilled"
    assert results["linear"]["Values"] == pytest.approx([10.0, 10.0, 40 / 3, 50 / 3, 20.0, 20.0])
    assert results["zero"]["Values"] == [0.0, 10.0, 0.0, 0.0, 20.0, 0.0]
    assert results["avg"]["Values"] == [15.0] * 6
    assert results["avg"]["Label"] == "ConcurrentViewsAvg"


def test_math_over_a_series_without_points_is_empty(cloudwatch, channel_id, base):
    # GIVEN a channel with no points
    # WHEN its average and repeat-filled series are read
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            _stat("m", channel_id, "KeyframeInterval", 5),
            {"Id": "avg", "Expression": "TIME_SERIES(AVG(m))"},
            {"Id": "filled", "Expression": "FILL(m, REPEAT)"},
        ],
        StartTime=base,
        EndTime=base + timedelta(seconds=30),
    )

    # THEN every series is empty rather than made up
    assert [r["Values"] for r in answer["MetricDataResults"]] == [[], [], []]


def test_math_the_local_cloudwatch_cannot_evaluate_is_refused(cloudwatch, channel_id, base):
    # GIVEN an expression outside the implemented subset
    # WHEN it is queried
    # THEN the call fails, naming what is implemented, instead of answering an empty series
    with pytest.raises(cloudwatch.exceptions.ClientError) as raised:
        cloudwatch.get_metric_data(
            MetricDataQueries=[
                _stat("m", channel_id, "IngestFramerate", 5),
                {"Id": "rate", "Expression": "RATE(m) * 2"},
            ],
            StartTime=base,
            EndTime=base + timedelta(seconds=30),
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "FILL" in raised.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("age", "period", "rounded_to"),
    [
        (timedelta(minutes=5), 5, 5),
        (timedelta(minutes=5), 10, 10),
        (timedelta(hours=5), 60, 60),
        (timedelta(days=20), 300, 300),
        (timedelta(days=20), 60, 300),
        (timedelta(days=70), 3600, 3600),
    ],
)
def test_the_start_is_rounded_down_as_cloudwatch_rounds_it(age, period, rounded_to):
    now = 1_700_000_000.0
    start = now - age.total_seconds() + 17.3
    aligned = align_start(start, period, now=now)
    assert aligned % rounded_to == 0
    assert 0 <= start - aligned < rounded_to
