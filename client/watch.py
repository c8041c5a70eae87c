"""`ugc watch`: a terminal stream-health dashboard for a channel's owner, fed by subscriptions.

The state is seeded once from the current live session (queries), then changed only by pushes:
`onStreamMetrics` appends chart points, `onStreamEvent` fills the event log (and tells health),
`onChannelState` says live or offline. `render` is a pure function of the state and the clock, so
the screen is tested without a terminal; `follow` consumes the subscriptions of any SDK object that
has `execute` and `subscribe_async` (`UGCClient`), so it is tested against a whole local stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console, ConsoleOptions, RenderResult
from rich.layout import Layout
from rich.live import Live
from rich.panel import Panel
from rich.text import Text

from client.errors import GraphQLErrors, UGCError

if TYPE_CHECKING:
    from collections.abc import Awaitable

# AppSync itself speaks only its own real-time protocol, so that default works against any stack.
DEFAULT_PROTOCOL = "appsync"
# How much history each chart keeps, counted back from its newest point (not the wall clock, so a
# paused stream keeps its last picture and the state stays a pure function of what was pushed).
WINDOW = timedelta(minutes=10)
MAX_EVENTS = 200
DEFAULT_PERIOD = 5  # seconds: CloudWatch's high resolution for IVS, what live pushes carry
HEALTH_TYPE = "IVS Stream Health Change"
# Redraw at least this often so "live for 5m 03s" keeps counting between pushes.
TICK_SECONDS = 1.0
# Eighth blocks: each chart row has eight levels.
BLOCKS = " ▁▂▃▄▅▆▇█"

START_QUERY = """query WatchStart { me { username channel { id isLive liveSince } } }"""
SESSIONS_QUERY = """query WatchSessions { streamSessions(limit: 1) { items { id isLive } } }"""
SESSION_QUERY = """query WatchSession($id: ID!) {
  streamSession(id: $id) {
    id startedAt isLive isHealthy
    events { id channelId sessionId name type eventTime isError }
    metrics { name period points { timestamp value } }
  }
}"""
ON_STREAM_METRICS = """subscription WatchMetrics($channelId: ID!) {
  onStreamMetrics(channelId: $channelId) { channelId sessionId series { name period points { timestamp value } } }
}"""
ON_STREAM_EVENT = """subscription WatchEvents($channelId: ID!) {
  onStreamEvent(channelId: $channelId) { id channelId sessionId name type eventTime isError }
}"""
ON_CHANNEL_STATE = """subscription WatchChannel($channelId: ID) {
  onChannelState(channelId: $channelId) { channelId username isLive liveSince sessionId }
}"""


class WatchError(UGCError):
    """The dashboard cannot be shown for this user (no channel, or not its owner)."""


@dataclass(frozen=True)
class ChartSpec:
    metric: str
    """The `MetricName` the points come under."""
    title: str
    unit: str
    decimals: int
    color: str
    scale: float = 1.0
    """From the metric's CloudWatch unit to the one shown."""

    def format(self, value: float) -> str:
        return f"{value:,.{self.decimals}f}"


CHARTS: tuple[ChartSpec, ...] = (
    # CloudWatch has IVS's IngestVideoBitrate in bits per second; people read encoder settings in kbps.
    ChartSpec("INGEST_VIDEO_BITRATE", "Ingest bitrate", "kbps", 0, "cyan", scale=0.001),
    ChartSpec("INGEST_FRAMERATE", "Frame rate", "fps", 1, "green"),
    ChartSpec("CONCURRENT_VIEWS", "Concurrent viewers", "viewers", 0, "magenta"),
    ChartSpec("KEYFRAME_INTERVAL", "Keyframe interval", "s", 1, "yellow"),
)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class EventEntry:
    id: str
    name: str
    type: str
    event_time: datetime
    is_error: bool


@dataclass
class HealthState:
    """Everything the dashboard shows. Pushes are applied idempotently (events by id, points by
    timestamp), because the metrics push repeats the last minute every time and a seed query and a
    push may overlap."""

    username: str
    channel_id: str = ""
    is_live: bool = False
    live_since: datetime | None = None
    session_id: str | None = None
    is_healthy: bool | None = None
    series: dict[str, dict[datetime, float]] = field(default_factory=lambda: {c.metric: {} for c in CHARTS})
    events: dict[str, EventEntry] = field(default_factory=dict)
    status: str = "connecting"
    pushes: int = 0
    session_start: datetime | None = None
    _past_sessions: set[str] = field(default_factory=set)
    _health_time: datetime | None = None
    _periods: dict[str, int] = field(default_factory=dict)

    # -- reading -------------------------------------------------------------------------------

    def points(self, metric: str) -> list[tuple[datetime, float]]:
        return sorted(self.series.get(metric, {}).items())

    def event_log(self) -> list[EventEntry]:
        """Oldest first, in event time (IVS delivers late and out of order)."""
        return sorted(self.events.values(), key=lambda e: (e.event_time, e.name, e.id))

    # -- changing ------------------------------------------------------------------------------

    def seed(self, channel: Mapping[str, Any], session: Mapping[str, Any] | None = None) -> None:
        """The starting picture: the channel from `me`, and the live session if there is one."""
        self.channel_id = str(channel["id"])
        self.is_live = bool(channel.get("isLive"))
        self.live_since = parse_time(channel["liveSince"]) if channel.get("liveSince") else None
        if session is not None:
            self.seed_session(session)

    def seed_session(self, session: Mapping[str, Any]) -> None:
        """What the live session already has; pushes applied before or after it merge with it."""
        if not self._follow(str(session["id"])):
            return
        if session.get("startedAt"):
            self._started(parse_time(session["startedAt"]))
        if session.get("isLive"):
            self.is_live = True
            if self.live_since is None:
                self.live_since = self.session_start
        for event in session.get("events") or []:
            self._add_event(event)
        for series in session.get("metrics") or []:
            self._add_series(series)
        self._trim()
        # The service's verdict covers events this client never saw.
        self.is_healthy = bool(session.get("isHealthy", True))

    def apply_channel_state(self, state: Mapping[str, Any]) -> None:
        session_id = str(state["sessionId"]) if state.get("sessionId") else None
        if state.get("channelId") != self.channel_id or session_id in self._past_sessions:
            return  # another channel, or a late push about an older session
        self.pushes += 1
        self.is_live = bool(state.get("isLive"))
        self.live_since = parse_time(state["liveSince"]) if state.get("liveSince") else None
        # Offline keeps the ended session's charts and log on screen; a new session replaces them.
        if self.is_live and session_id is not None:
            self._follow(session_id)
            if self.live_since is not None:
                self._started(self.live_since)

    def apply_event(self, event: Mapping[str, Any]) -> None:
        if event.get("channelId") != self.channel_id or not self._follow(str(event["sessionId"])):
            return
        self.pushes += 1
        self._add_event(event)

    def apply_metrics(self, metrics: Mapping[str, Any]) -> None:
        if metrics.get("channelId") != self.channel_id or not self._follow(str(metrics["sessionId"])):
            return
        self.pushes += 1
        for series in metrics.get("series") or []:
            self._add_series(series)
        self._trim()

    def _follow(self, session_id: str) -> bool:
        """Whether a push of `session_id` belongs on screen; a session not seen before replaces the
        shown one, whichever of its pushes comes first. A late push of an older session is dropped."""
        if session_id == self.session_id:
            return True
        if session_id in self._past_sessions:
            return False
        if self.session_id is not None:
            self._past_sessions.add(self.session_id)
        self.session_id = session_id
        self.series = {c.metric: {} for c in CHARTS}
        self.events = {}
        self.is_healthy = True  # a session is healthy until IVS reports starvation
        self._health_time = None
        self.session_start = None
        return True

    def _started(self, moment: datetime) -> None:
        if self.session_start is None or moment < self.session_start:
            self.session_start = moment
            self._trim()

    def _add_event(self, event: Mapping[str, Any]) -> None:
        entry = EventEntry(
            id=str(event["id"]),
            name=str(event["name"]),
            type=str(event.get("type") or ""),
            event_time=parse_time(str(event["eventTime"])),
            is_error=bool(event.get("isError")),
        )
        self.events[entry.id] = entry
        if entry.name == "Session Created":
            self._started(entry.event_time)
        if len(self.events) > MAX_EVENTS:
            for old in self.event_log()[: len(self.events) - MAX_EVENTS]:
                del self.events[old.id]
        # Health is the latest starvation event by event time, as the service computes it.
        starvation = entry.type == HEALTH_TYPE and entry.name in ("Starvation Start", "Starvation End")
        if starvation and (self._health_time is None or entry.event_time >= self._health_time):
            self._health_time = entry.event_time
            self.is_healthy = entry.name == "Starvation End"

    def _add_series(self, series: Mapping[str, Any]) -> None:
        name = str(series["name"])
        self._periods[name] = int(series.get("period") or DEFAULT_PERIOD)
        points = self.series.setdefault(name, {})
        for point in series.get("points") or []:
            points[parse_time(str(point["timestamp"]))] = float(point["value"])

    def _trim(self) -> None:
        """Keep the window, and only this session's points: CloudWatch keys IVS metrics by channel,
        so a push soon after a restart also carries the previous session's last minute."""
        newest = max((max(p) for p in self.series.values() if p), default=None)
        if newest is None:
            return
        for metric, points in self.series.items():
            # A point stamps the start of its period, so the one the session started in stays.
            period = timedelta(seconds=self._periods.get(metric, DEFAULT_PERIOD))
            oldest = newest - WINDOW
            if self.session_start is not None:
                oldest = max(oldest, self.session_start - period + timedelta(microseconds=1))
            self.series[metric] = {t: v for t, v in points.items() if t >= oldest}


# -- rendering ---------------------------------------------------------------------------------


def fit(values: Sequence[float], width: int) -> list[float | None]:
    """`values` as exactly `width` columns, newest on the right: padded on the left when short,
    averaged in buckets when long (so the whole window stays visible)."""
    if width <= 0:
        return []
    if len(values) <= width:
        return [None] * (width - len(values)) + list(values)
    columns: list[float | None] = []
    for column in range(width):
        bucket = values[column * len(values) // width : (column + 1) * len(values) // width]
        columns.append(sum(bucket) / len(bucket))
    return columns


def scale(values: Sequence[float]) -> tuple[float, float]:
    """The chart's (bottom, top): the data's range with room below its minimum, down to zero at
    most. Stream health is about variation (a bitrate dip, a frame-rate drop), which a zero-based
    axis would flatten."""
    if not values:
        return 0.0, 0.0
    low, high = min(values), max(values)
    return max(0.0, low - (high - low) / 3), high


def bar_rows(values: Sequence[float], width: int, height: int) -> list[str]:
    """A bar chart of `values` on `scale`, `height` rows of `width` characters."""
    if width <= 0 or height <= 0:
        return []
    columns = fit(values, width)
    bottom, top = scale([v for v in columns if v is not None])
    levels = []
    for value in columns:
        if value is None:
            levels.append(0)
        elif top <= bottom:
            levels.append(height * 4)  # a flat series sits mid-height, so "steady" is not "at the top"
        else:
            # Every present value shows at least a sliver, so "no data" and "lowest" differ.
            levels.append(max(1, round((value - bottom) / (top - bottom) * height * 8)))
    rows = []
    for row in range(height):
        floor = (height - 1 - row) * 8
        rows.append("".join(BLOCKS[min(8, max(0, level - floor))] for level in levels))
    return rows


def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M:%S")


def _duration(span: timedelta) -> str:
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {seconds:02d}s" if hours else f"{minutes}m {seconds:02d}s"


class Chart:
    """One metric: a summary line, bars filling the height it is given, and a time axis."""

    def __init__(self, spec: ChartSpec, points: Sequence[tuple[datetime, float]], rows: int = 4) -> None:
        self.spec = spec
        self.points = points
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        values = [v * self.spec.scale for _, v in self.points]
        if values:
            latest = self.spec.format(values[-1])
            low, high = self.spec.format(min(values)), self.spec.format(max(values))
            yield Text.assemble(
                (f"{latest} {self.spec.unit}", f"bold {self.spec.color}"),
                (f"   min {low} · max {high}", "dim"),
                no_wrap=True,
                overflow="ellipsis",
            )
        else:
            yield Text("no points yet", style="dim", no_wrap=True)
        rows = (options.height - 2) if options.height else self.rows
        for line in bar_rows(values, width, max(1, rows)):
            yield Text(line, style=self.spec.color, no_wrap=True, overflow="crop")
        if self.points:
            left, right = _clock(self.points[0][0]), _clock(self.points[-1][0])
            gap = max(1, width - len(left) - len(right))
            yield Text(f"{left}{' ' * gap}{right}", style="dim", no_wrap=True, overflow="crop")


class EventLog:
    """The newest events that fit, oldest of them first, errors in red."""

    def __init__(self, events: Sequence[EventEntry]) -> None:
        self.events = events

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown = self.events[-options.height :] if options.height else self.events
        if not shown:
            yield Text("waiting for stream events…", style="dim")
        for event in shown:
            style = "bold red" if event.is_error else ""
            yield Text.assemble(
                (f"{_clock(event.event_time)}  ", "dim"),
                (event.name, style or "bold"),
                (f"  {event.type}", "red" if event.is_error else "dim"),
                no_wrap=True,
                overflow="ellipsis",
            )


def header(state: HealthState, now: datetime) -> Text:
    live = (
        Text.assemble(("● LIVE", "bold white on red"))
        if state.is_live
        else Text.assemble(("○ offline", "bold bright_black"))
    )
    since = ""
    if state.is_live and state.live_since is not None:
        since = f"since {_clock(state.live_since)} UTC ({_duration(now - state.live_since)})"
    if state.is_healthy is None:
        health: tuple[str, str] = ("health —", "dim")
    elif state.is_healthy:
        health = ("✓ healthy", "bold green")
    else:
        health = ("✗ unhealthy", "bold red")
    return Text.assemble(
        (state.username, "bold"),
        (f"  channel {state.channel_id or '—'}  ", "dim"),
        live,
        f"  {since}\n" if since else "\n",
        ("session ", "dim"),
        state.session_id or "—",
        "   ",
        health,
        (f"   {state.status} · {state.pushes} pushes", "dim"),
        no_wrap=True,
        overflow="ellipsis",
    )


def render(state: HealthState, now: datetime) -> Layout:
    """The whole screen for `state` at `now`; `now` only ages the "live for" duration."""
    charts = [
        Panel(
            Chart(spec, state.points(spec.metric)),
            title=f"{spec.title} ({spec.unit})",
            title_align="left",
            border_style=spec.color,
        )
        for spec in CHARTS
    ]
    log = state.event_log()
    layout = Layout(name="root")
    layout.split_column(
        Layout(Panel(header(state, now), title="stream health", title_align="left"), name="header", size=4),
        Layout(name="charts", ratio=2),
        Layout(Panel(EventLog(log), title=f"events ({len(log)})", title_align="left"), name="events", ratio=1),
    )
    layout["charts"].split_column(Layout(name="top"), Layout(name="bottom"))
    layout["top"].split_row(Layout(charts[0]), Layout(charts[1]))
    layout["bottom"].split_row(Layout(charts[2]), Layout(charts[3]))
    return layout


def render_text(state: HealthState, now: datetime, *, width: int = 120, height: int = 40) -> str:
    """The screen as plain text (for logs, tests and terminals that cannot redraw)."""
    console = Console(record=True, width=width, height=height, color_system=None, file=io.StringIO())
    console.print(render(state, now))
    return console.export_text()


# -- data --------------------------------------------------------------------------------------


class Stream(Protocol):
    """One subscription (`client.realtime.AsyncSubscription`)."""

    async def start(self) -> None: ...

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...

    async def aclose(self) -> None: ...


class Sdk(Protocol):
    """What the dashboard needs of `client.sdk.UGCClient`."""

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]: ...

    def subscribe_async(
        self, query: str, variables: dict[str, Any] | None = None, *, protocol: str = ...
    ) -> Stream: ...


def load_state(sdk: Sdk, username: str) -> HealthState:
    """The channel, checked to be the caller's (only its owner may subscribe to its health)."""
    me = sdk.execute(START_QUERY).get("me")
    if me is None:
        raise WatchError(f"{username} has no channel yet: sign in once to provision it")
    if me["username"] != username:
        raise WatchError(f"signed in as {me['username']}: only the owner of {username}'s channel can watch its health")
    state = HealthState(username=username)
    state.seed(me["channel"], None)
    return state


def load_session(sdk: Sdk, state: HealthState) -> None:
    """Seed `state` with what the newest session already has, if it is live."""
    sessions = sdk.execute(SESSIONS_QUERY).get("streamSessions") or {}
    newest = next(iter(sessions.get("items") or []), None)
    if newest is None or not newest.get("isLive"):
        return
    session = sdk.execute(SESSION_QUERY, {"id": newest["id"]}).get("streamSession")
    if session is not None:
        state.seed_session(session)


Subscribed = Callable[[], "Awaitable[None]"]


async def follow(
    sdk: Sdk,
    state: HealthState,
    *,
    protocol: str = DEFAULT_PROTOCOL,
    changed: Callable[[], None] | None = None,
    subscribed: Subscribed | None = None,
) -> None:
    """Apply every push of the channel's three subscriptions to `state` until cancelled.

    `subscribed` is awaited once the server registered all three and before any push is applied:
    the place to seed the state, since whatever is published from then on is queued, not lost.
    `changed` is called after each push. A refused subscription or a lost connection ends all three
    with its error; a push that carries errors is reported in the status line and skipped.
    """
    variables = {"channelId": state.channel_id}
    handlers: tuple[tuple[str, str, Callable[[Mapping[str, Any]], None]], ...] = (
        (ON_STREAM_METRICS, "onStreamMetrics", state.apply_metrics),
        (ON_STREAM_EVENT, "onStreamEvent", state.apply_event),
        (ON_CHANNEL_STATE, "onChannelState", state.apply_channel_state),
    )
    streams = [
        (sdk.subscribe_async(document, variables, protocol=protocol), field_name, apply)
        for document, field_name, apply in handlers
    ]

    async def pump(stream: Stream, field_name: str, apply: Callable[[Mapping[str, Any]], None]) -> None:
        pushes = aiter(stream)
        while True:
            try:
                data = await anext(pushes)
            except StopAsyncIteration:
                return
            except GraphQLErrors as exc:
                state.status = f"{field_name}: {exc}"
            else:
                payload = data.get(field_name)
                if payload is None:
                    continue
                apply(payload)
            if changed is not None:
                changed()

    try:
        await asyncio.gather(*(stream.start() for stream, _, _ in streams))
        state.status = f"subscribed ({protocol})"
        if subscribed is not None:
            await subscribed()
        if changed is not None:
            changed()
        async with asyncio.TaskGroup() as tasks:
            for stream, field_name, apply in streams:
                tasks.create_task(pump(stream, field_name, apply))
    except ExceptionGroup as group:
        # Callers (the CLI) handle one error, not a group of them.
        state.status = f"disconnected: {group.exceptions[0]}"
        raise group.exceptions[0] from None
    finally:
        for stream, _, _ in streams:
            await stream.aclose()


async def watch(
    sdk: Sdk,
    username: str,
    *,
    protocol: str = DEFAULT_PROTOCOL,
    console: Console | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Run the dashboard on `console` until cancelled (Ctrl+C) or a subscription fails."""
    state = await asyncio.to_thread(load_state, sdk, username)
    changed = asyncio.Event()

    async def seed() -> None:
        await asyncio.to_thread(load_session, sdk, state)

    following = asyncio.ensure_future(follow(sdk, state, protocol=protocol, changed=changed.set, subscribed=seed))
    # Redraws happen on this loop only, never from Live's own thread, so rendering never reads a
    # state that a push is halfway through changing.
    with Live(render(state, now()), console=console, auto_refresh=False, screen=True) as live:
        try:
            while not following.done():
                await _first(following, changed.wait(), timeout=TICK_SECONDS)
                changed.clear()
                live.update(render(state, now()), refresh=True)
            following.result()
        finally:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following


async def _first(task: asyncio.Future[None], other: Awaitable[Any], *, timeout: float) -> None:
    waiter = asyncio.ensure_future(other)
    try:
        await asyncio.wait({task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()


def run(sdk: Sdk, username: str, *, protocol: str = DEFAULT_PROTOCOL) -> None:
    """`ugc watch`: blocks until Ctrl+C, which ends it cleanly (the terminal is restored)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(watch(sdk, username, protocol=protocol))
