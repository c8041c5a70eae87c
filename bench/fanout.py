"""Subscription fan-out: N subscribers of `onChannelState` on loopback; one IAM-signed
`publishChannelState` at a time; the time from sending the publish to the LAST subscriber receiving
it. The server is a real `ugc dev` process (without demo data), so client load does not share its
event loop; clients and server share this machine's two cores."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.stack import CODE_ROOT

SUBSCRIBE = "subscription { onChannelState { channelId username isLive liveSince sessionId } }"
PUBLISH = """mutation P($input: ChannelStateInput!) {
  publishChannelState(input: $input) { channelId username isLive liveSince sessionId }
}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self) -> None:
        self.port, self.aws_port = _free_port(), _free_port()
        self.outputs_path = Path(tempfile.mkdtemp()) / "amplify_outputs.json"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        options = ["--no-seed", "--no-demo-streams", "--port", str(self.port), "--aws-port", str(self.aws_port)]
        start = "import sys; from client.cli import main; sys.exit(main(['dev', *sys.argv[1:]]))"
        command = [sys.executable, "-c", start, *options, "--outputs", str(self.outputs_path)]
        self.process = subprocess.Popen(command, cwd=CODE_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not self.outputs_path.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("ugc dev did not start")
            time.sleep(0.2)
        self.outputs = json.loads(self.outputs_path.read_text())
        while True:  # the configuration is written just before the server starts listening
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ugc dev did not start")
            time.sleep(0.2)

    def __exit__(self, *_: object) -> None:
        if self.process:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)


def _signed(url: str, body: str, region: str) -> dict[str, str]:
    request = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
    SigV4Auth(Credentials(*LOCAL_CREDENTIALS), "appsync", region).add_auth(request)
    return dict(request.headers.items())


async def _subscriber(url: str, api_key: str, ready: asyncio.Queue[None], arrivals: list[list[float]]) -> None:
    async with websockets.connect(
        url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")], max_queue=None
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"x-api-key": api_key}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await ready.put(None)
        mine: list[float] = []
        arrivals.append(mine)
        async for message in ws:
            if json.loads(message).get("type") == "next":
                mine.append(time.perf_counter())


async def _measure(server: Server, subscribers: int, publishes: int) -> dict[str, float]:
    data = server.outputs["data"]
    ws_url = data["url"].replace("http://", "ws://")
    ready: asyncio.Queue[None] = asyncio.Queue()
    arrivals: list[list[float]] = []
    tasks = [asyncio.ensure_future(_subscriber(ws_url, data["api_key"], ready, arrivals)) for _ in range(subscribers)]
    for _ in range(subscribers):
        await asyncio.wait_for(ready.get(), 60)
    await asyncio.sleep(1.0)  # every subscription registered (subscribe has no ack in this protocol)
    # The measuring side must not add its own pauses: a full collection over 1000 connections' objects
    # would stall the receive loop. Collect between publishes, outside the timed window.
    gc.collect()
    gc.freeze()
    gc.disable()
    latencies: list[float] = []
    responded: list[float] = []
    async with httpx.AsyncClient(timeout=30) as http:
        for i in range(-1, publishes):  # publish -1 warms the publishing Lambda and is not measured
            body = json.dumps(
                {"query": PUBLISH, "variables": {"input": {"channelId": f"c{i}", "username": "u", "isLive": True}}}
            )
            before = [len(a) for a in arrivals]
            sent = time.perf_counter()
            response = await http.post(
                data["url"], content=body, headers=_signed(data["url"], body, data["aws_region"])
            )
            responded.append(time.perf_counter() - sent)
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            deadline = time.monotonic() + 10
            while any(len(a) <= b for a, b in zip(arrivals, before, strict=True)):
                if time.monotonic() > deadline:
                    raise RuntimeError("deliveries missing after 10 s")
                await asyncio.sleep(0.001)
            if i >= 0:
                latencies.append(max(a[b] for a, b in zip(arrivals, before, strict=True)) - sent)
            else:
                responded.pop()
            gc.collect()
            await asyncio.sleep(0.05)
    gc.enable()
    for task in tasks:
        task.cancel()
    ordered = sorted(latencies)
    return {
        "subscribers": subscribers,
        "publishes": publishes,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "max_ms": ordered[-1] * 1000,
        "mutation_p50_ms": statistics.median(responded) * 1000,
        "over_100ms": sum(1 for x in latencies if x > 0.1),
    }


def main() -> None:
    print("| subscribers | publishes | last delivery p50 | p99 | max | publishes over 100 ms | mutation p50 |")
    print("|---|---|---|---|---|---|---|")
    with Server() as server:
        for subscribers, publishes in ((100, 300), (1000, 300)):
            r = asyncio.run(_measure(server, subscribers, publishes))
            print(
                f"| {subscribers} | {publishes} | {r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms | {r['max_ms']:.0f} ms"
                f" | {r['over_100ms']} | {r['mutation_p50_ms']:.0f} ms |",
                flush=True,
            )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(CODE_ROOT))
    main()
