"""The stream simulator behind `ugc simulate`: live streams with IVS's events and metrics, on the
local stack, so every screen has live data without an encoder.

From Python (tests, `ugc dev`):

    target = target_for_channel(endpoint, channel_id)          # or SimulationTarget(endpoint, arn, ...)
    simulator = StreamSimulator(target, StreamProfile(duration=60, starve=True))
    simulator.start()  ...  simulator.stop()                   # or .run(), or await .run_async()

    replay(endpoint, load_recording(Path("events.json")), fast=True)

See `stream` for what a broadcast does, `model` for its timeline and signals, `replay` for recordings.
"""

from __future__ import annotations

from emulator.simulator.local import SimulationError
from emulator.simulator.model import StreamProfile
from emulator.simulator.replay import load_recording, replay
from emulator.simulator.stream import SimulationResult, SimulationTarget, StreamSimulator
from emulator.simulator.target import find_target, target_for_channel

__all__ = [
    "SimulationError",
    "SimulationResult",
    "SimulationTarget",
    "StreamProfile",
    "StreamSimulator",
    "find_target",
    "load_recording",
    "replay",
    "target_for_channel",
]
