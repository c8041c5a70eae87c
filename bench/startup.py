"""Start-up and footprint of `ugc dev` with the demo data, with and without its kept state.

Each run starts `ugc dev` as `make run` does (demo users seeded, demo streams broadcasting) on free loopback
ports, times it from launch to its banner, reads the resident memory of its main process and of its whole
process group (the function workers included) once the banner is out, and stops it with Ctrl+C. Three
kinds of run alternate, so that they share the machine's state:

- `--in-memory`: no state kept (what every start was before the state was kept);
- first start on an empty data folder (the state is created and saved);
- restart on that folder (the state is loaded: same users, channels and keys).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests import dev_server

ROUNDS = 3
KINDS = ("in memory", "first start, kept state", "restart, state loaded")


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _group_rss_kib(group: int) -> int:
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group:
                    total += _rss_kib(int(entry.name))
            except OSError:
                continue
    return total


def _run(folder: Path, *flags: str) -> tuple[float, int, int]:
    started = time.monotonic()
    server = dev_server.start(folder, *flags)
    seconds = time.monotonic() - started
    time.sleep(1)  # the demo streams' first events settle
    main, group = _rss_kib(server.process.pid), _group_rss_kib(server.process.pid)
    server.interrupt()
    try:
        server.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        dev_server.kill(server)
    return seconds, main, group


def measure() -> dict[str, list[tuple[float, int, int]]]:
    results: dict[str, list[tuple[float, int, int]]] = {kind: [] for kind in KINDS}
    for _ in range(ROUNDS):
        scratch = Path(tempfile.mkdtemp(prefix="bench-startup-"))
        try:
            (scratch / "a").mkdir()
            (scratch / "b").mkdir()
            results[KINDS[0]].append(_run(scratch / "a", "--in-memory"))
            results[KINDS[1]].append(_run(scratch / "b"))
            results[KINDS[2]].append(_run(scratch / "b"))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return results


def main() -> None:
    results = measure()
    floor = statistics.median(r[0] for r in results[KINDS[0]])
    print(f"| run | to the banner (median of {ROUNDS}) | vs in memory | main process RSS | process group RSS |")
    print("|---|---|---|---|---|")
    for kind, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        main_mib = statistics.median(r[1] for r in runs) / 1024
        group_mib = statistics.median(r[2] for r in runs) / 1024
        print(f"| {kind} | {seconds:.2f} s | {seconds - floor:+.2f} s | {main_mib:.0f} MiB | {group_mib:.0f} MiB |")


if __name__ == "__main__":
    main()
