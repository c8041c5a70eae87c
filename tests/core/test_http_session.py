"""The HTTP session for requests the code signs itself (AppSync publishes, PA-API): one kept-alive
connection, with Nagle off as botocore's own clients have it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.awsrequest import AWSRequest

from core.aws import http_session


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: list[Any] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        _Recorder.peers.append(self.client_address)
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.peers = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/graphql"
    httpd.shutdown()
    httpd.server_close()


def test_requests_share_one_connection_with_nagle_off(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    options: list[tuple[int, int, int]] = []
    original = socket.socket.setsockopt

    def recording(self: socket.socket, level: int, name: int, value: Any, *rest: Any) -> None:
        options.append((level, name, value))
        original(self, level, name, value, *rest)

    monkeypatch.setattr(socket.socket, "setsockopt", recording)
    session = http_session(timeout=5)
    answers = []
    for n in range(3):
        request = AWSRequest(
            method="POST", url=server, data=f'{{"n": {n}}}', headers={"content-type": "application/json"}
        )
        answers.append(session.send(request.prepare()).content)

    assert answers == [b'{"n": 0}', b'{"n": 1}', b'{"n": 2}']
    assert len(set(_Recorder.peers)) == 1, "each request opened a connection of its own"
    assert (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1) in options
