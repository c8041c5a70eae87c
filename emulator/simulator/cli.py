"""`ugc simulate`: play a live stream (or a recording of IVS events) on the local stack.

    ugc simulate stream USERNAME [--duration SECONDS] [--bitrate KBPS] [--fps N] [--viewers N]
                                 [--starve] [--limit-breach]
    ugc simulate replay FILE.json [--fast] [--keep-times]

`stream` finds USERNAME's channel through the API (with the API key of amplify_outputs.json) and
broadcasts on it until the duration is over or Ctrl+C, which ends the stream cleanly. `replay` puts
a recorded list of EventBridge events on the local bus, spaced as recorded unless `--fast`.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from client.errors import TransportError

if TYPE_CHECKING:
    from types import FrameType

    from client.outputs import AmplifyOutputs
    from emulator.simulator.stream import StreamSimulator

EXIT_OK = 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ugc simulate", description="Play IVS on the local stack: live streams with events and metrics."
    )
    commands = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
    stream = commands.add_parser(
        "stream",
        help="broadcast on a user's channel: IVS events and CloudWatch metrics until the end (or Ctrl+C)",
        description="Start a simulated broadcast on USERNAME's channel, send the events IVS sends "
        "(Session Created, Stream Start, optional starvation and limit breach, Stream End, Session Ended) "
        "and put its metrics every 5 seconds. Ctrl+C ends the stream cleanly.",
    )
    stream.add_argument("username")
    stream.add_argument("--duration", type=_positive_float, default=120.0, metavar="SECONDS", help="default 120")
    stream.add_argument("--bitrate", type=_positive_int, default=3500, metavar="KBPS", help="video bitrate (3500)")
    stream.add_argument("--fps", type=_positive_int, default=30, help="frame rate (30)")
    stream.add_argument("--viewers", type=int, default=25, metavar="N", help="peak concurrent viewers (25)")
    stream.add_argument("--starve", action="store_true", help="starve the stream mid-way (Starvation Start/End)")
    stream.add_argument(
        "--limit-breach", action="store_true", help="exceed the channel's ingest bitrate limit (IVS Limit Breach)"
    )
    stream.add_argument("--seed", type=int, help="seed the jitter, for repeatable runs")

    replay = commands.add_parser(
        "replay",
        help="put recorded EventBridge events (a JSON list) on the local bus",
        description="Put a JSON list of EventBridge events (as targets receive them) on the local bus, "
        "in file order, spaced as their times say; their times move to now unless --keep-times.",
    )
    replay.add_argument("file", type=Path)
    replay.add_argument("--fast", action="store_true", help="as fast as possible, ignoring the spacing")
    replay.add_argument("--keep-times", action="store_true", help="keep the recorded event times")
    return parser


def main(argv: Sequence[str], outputs_location: str | None = None) -> int:
    """Run `ugc simulate ARGV`; `outputs_location` is ugc's --outputs. Errors are the client's
    (UGCError subclasses) so `ugc` reports them as it reports every command's."""
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:  # --help and usage errors: return the code instead of exiting
        return exc.code if isinstance(exc.code, int) else 2

    from client.outputs import default_location, load_outputs

    outputs = load_outputs(outputs_location or default_location())
    try:
        if args.what == "stream":
            return _stream(args, outputs)
        return _replay(args, outputs)
    except (BotoCoreError, ClientError) as exc:
        raise TransportError(f"the local AWS failed: {exc}") from exc


def _stream(args: argparse.Namespace, outputs: AmplifyOutputs) -> int:
    from emulator.simulator.model import StreamProfile
    from emulator.simulator.stream import StreamSimulator
    from emulator.simulator.target import find_target

    target = find_target(outputs, args.username)
    profile = StreamProfile(
        duration=args.duration,
        bitrate_kbps=args.bitrate,
        fps=args.fps,
        viewers=max(args.viewers, 0),
        starve=args.starve,
        limit_breach=args.limit_breach,
        seed=args.seed,
    )
    _say(f"streaming on {args.username}'s channel for {args.duration:g} s (Ctrl+C ends it)")
    simulator = StreamSimulator(target, profile, report=_say)
    with _ending_on_termination(simulator):
        simulator.run()
    return EXIT_OK


# Besides Ctrl+C: `kill`, a closed terminal, a process manager or CI stopping the command.
_TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _ending_on_termination(simulator: StreamSimulator) -> Iterator[None]:
    """SIGTERM and SIGHUP end the stream as Ctrl+C does (its end events sent), so a killed simulator
    leaves no channel live for the next run to find "already live"."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; whoever runs us there handles signals
        return

    def end(signum: int, _frame: FrameType | None) -> None:
        _say(f"{signal.Signals(signum).name}: ending the stream")
        simulator.request_stop()

    previous = {sig: signal.signal(sig, end) for sig in _TERMINATING}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _replay(args: argparse.Namespace, outputs: AmplifyOutputs) -> int:
    from emulator.simulator.replay import load_recording, replay
    from emulator.simulator.target import local_endpoint

    events = load_recording(args.file)
    endpoint = local_endpoint(outputs)
    count = replay(endpoint, events, fast=args.fast, keep_times=args.keep_times, report=_say)
    _say(f"replayed {count} event(s) from {args.file}")
    return EXIT_OK


def _say(line: str) -> None:
    # Progress goes to stderr with the local time, so stdout stays free for whatever a script pipes.
    print(f"{datetime.now().astimezone().strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value
