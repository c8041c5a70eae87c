"""The simulator runs against the suite's local AWS with in-process functions standing in for the
project's Lambdas; the CLI's channel look-up goes to a tiny stand-in for AppSync."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from emulator.local_aws.testing import local_aws, local_aws_client, local_functions, local_resources
from emulator.simulator import SimulationTarget, target_for_channel

__all__ = ["local_aws", "local_aws_client", "local_functions", "local_resources"]


@pytest.fixture
def channel(local_aws_client) -> dict[str, Any]:
    """A fresh BASIC channel (unique name: moto's state is shared by the whole session)."""
    ivs = local_aws_client("ivs")
    return ivs.create_channel(name=f"sim-{uuid.uuid4().hex[:10]}", type="BASIC")["channel"]


@pytest.fixture
def target(local_aws, channel) -> SimulationTarget:
    return target_for_channel(local_aws.endpoint, channel["arn"].rsplit("/", 1)[-1])


@pytest.fixture
def recorder(local_functions):
    """The stream-events function, recording what the bus delivers."""
    return local_functions({"streams": lambda event: None})


@pytest.fixture
def delivered(local_aws, recorder):
    """`delivered(channel_arn)`: the events the stream-events function got for that channel so far,
    once the bus has handed over everything queued."""

    def events_of(channel_arn: str) -> list[dict[str, Any]]:
        assert local_aws.wait_for_events()
        return [event for event in recorder.events("streams") if event["resources"] == [channel_arn]]

    return events_of


@dataclass
class FakeAppSync:
    """Answers `channel(username)` from `channels` and records each request's headers and body."""

    channels: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        username = (body.get("variables") or {}).get("username")
        channel_id = self.channels.get(str(username))
        return {"data": {"channel": {"id": channel_id, "username": username} if channel_id else None}}


@pytest.fixture
def appsync() -> Iterator[FakeAppSync]:
    fake = FakeAppSync()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            fake.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            payload = json.dumps(fake.answer(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/graphql"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
