"""Cold start of the resolver Lambda: a fresh process imports the handler and serves its first event
(`me`, one DynamoDB GetItem against the local AWS), timed side by side with the floor
`python -c "import boto3; boto3.client('dynamodb')"`. Runs alternate so machine noise hits both."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.server import LocalAwsServer
from emulator.stack import CODE_ROOT, function_specs

EVENT = Path(__file__).resolve().parents[1] / "tests" / "resolvers" / "events" / "Query.me.json"
FLOOR = "import boto3; boto3.client('dynamodb')"
# The Lambda runtime's bootstrap is already running when it imports the handler: only the handler's
# own imports and its first event are measured, with a minimal stand-in for the context object.
COLD = (
    "import json, sys, types, resolvers.app as app\n"
    "app.handler(json.loads(sys.argv[1]), types.SimpleNamespace(function_name='api', aws_request_id='bench'))\n"
)

# Diagnostic: the same first event served by core alone, without the powertools event handler.
CORE_ONLY = (
    "import json, os, sys, core.app, core.views\n"
    "from core.settings import Settings\n"
    "event = json.loads(sys.argv[1])\n"
    "core.app.Core(Settings.from_env(os.environ)).accounts.get(event['identity']['sub'])\n"
)


def _time(code: str, arg: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, arg], env=env, cwd=CODE_ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def run(rounds: int = 15) -> dict[str, float]:
    with LocalAwsServer(port=0) as aws:
        env = dict(function_specs(bootstrap(aws.endpoint, name_prefix="bench"))["api"].environment)
        env["PATH"] = os.environ.get("PATH", "")
        who = {"<viewer sub>": str(uuid.uuid4()), "<viewer>": "bench"}
        text = EVENT.read_text()
        for key, value in who.items():
            text = text.replace(key, value)
        event = json.dumps(json.loads(text))
        floor, cold, core_only = [], [], []
        _time(COLD, event, env)  # warm the OS file cache once for all
        for _ in range(rounds):
            floor.append(_time(FLOOR, "", env))
            cold.append(_time(COLD, event, env))
            core_only.append(_time(CORE_ONLY, event, env))
    result = {
        "floor_ms": statistics.median(floor) * 1000,
        "cold_ms": statistics.median(cold) * 1000,
        "core_ms": statistics.median(core_only) * 1000,
    }
    result["ratio"] = result["cold_ms"] / result["floor_ms"]
    result["core_ratio"] = result["core_ms"] / result["floor_ms"]
    return result


def main() -> None:
    r = run()
    print(f"| cold start: import + first `me` event | {r['cold_ms']:.0f} ms |")
    print(f"| floor: import boto3 + dynamodb client | {r['floor_ms']:.0f} ms |")
    print(f"| ratio | {r['ratio']:.2f}x |")
    print(f"| diagnostic: same event via core, no powertools | {r['core_ms']:.0f} ms ({r['core_ratio']:.2f}x) |")


if __name__ == "__main__":
    main()
