"""LocalAwsServer: lifecycle of the background server."""

from __future__ import annotations

import socket

import pytest
import requests

from emulator.local_aws.server import LocalAwsServer


def test_port_zero_serves_on_a_free_port_until_stopped():
    # GIVEN a server asked for any free port
    server = LocalAwsServer(port=0)

    # WHEN it starts
    server.start()
    try:
        # THEN it accepts connections at once on the loopback endpoint it reports
        assert server.endpoint == f"http://127.0.0.1:{server.port}"
        assert server.port != 0
        assert requests.get(f"{server.endpoint}/moto-api/data.json", timeout=5).status_code == 200
    finally:
        server.stop()

    # THEN once stopped nothing listens there any more
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=1):
        pass


def test_context_manager_starts_and_stops():
    # GIVEN / WHEN the server is used as a context manager
    with LocalAwsServer(port=0) as server:
        # THEN it runs inside the block
        assert server.running
    # AND it is stopped after it
    assert not server.running


def test_a_busy_port_fails_in_start(local_aws):
    # GIVEN a port another server already listens on
    # WHEN a second server is started on it
    # THEN start() itself raises, instead of a thread failing silently
    with pytest.raises(OSError):
        LocalAwsServer(port=local_aws.port).start()


def test_endpoint_of_an_unstarted_port_zero_server_is_unknown():
    # GIVEN a server asked for any free port, not started
    server = LocalAwsServer(port=0)

    # WHEN its endpoint is asked for
    # THEN it says the port is not chosen yet
    with pytest.raises(RuntimeError):
        _ = server.endpoint


def test_starting_twice_is_an_error():
    # GIVEN a running server
    # WHEN it is started again
    # THEN it refuses rather than leak a second listener
    with LocalAwsServer(port=0) as server, pytest.raises(RuntimeError):
        server.start()
