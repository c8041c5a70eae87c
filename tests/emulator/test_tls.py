"""The local AppSync's TLS side: a local CA made once, a server certificate kept current, and https /
wss on the same port as http / ws (Amplify's real-time connects only with wss://)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import socket
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from cryptography import x509

from client.cli import main as ugc
from emulator.appsync.tls import ensure_certificates
from tests import dev_server


def _serial(path: Path) -> int:
    return x509.load_pem_x509_certificate(path.read_bytes()).serial_number


def test_the_ca_is_made_once_with_a_private_key_and_the_server_certificate_is_kept_current(tmp_path: Path) -> None:
    # GIVEN no data folder yet
    folder = tmp_path / "tls"
    # WHEN the certificates are made
    first = ensure_certificates(folder)
    # THEN both private keys are readable by their owner only
    for key in ("ca-key.pem", "server-key.pem"):
        assert stat.S_IMODE((folder / key).stat().st_mode) == 0o600
    # AND the server certificate covers the local names and chains to the CA
    context = ssl.create_default_context(cafile=first.ca_certificate)
    assert context.get_ca_certs()[0]["subject"]
    leaf = x509.load_pem_x509_certificate(first.certificate.read_bytes())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(a) for a in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}

    ca_serial, leaf_serial = _serial(first.ca_certificate), _serial(first.certificate)

    # WHEN the stack starts again
    again = ensure_certificates(folder)
    # THEN the CA and the server certificate are the same ones (trust is a one-time step)
    assert (_serial(again.ca_certificate), _serial(again.certificate)) == (ca_serial, leaf_serial)

    # WHEN it starts once the server certificate is about to expire
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=395)
    renewed = ensure_certificates(folder, now=later)
    # THEN a new server certificate is issued by the same CA
    assert _serial(renewed.ca_certificate) == ca_serial
    assert _serial(renewed.certificate) != leaf_serial


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dev_server.DevServer]:
    with dev_server.running(tmp_path_factory.mktemp("tls")) as server:
        yield server


def _query(url: str, server: dev_server.DevServer, **options: object) -> dict:
    data = server.outputs["data"]
    body = {"query": "{ liveChannels { items { username } } }"}
    return httpx.post(url, json=body, headers={"x-api-key": data["api_key"]}, timeout=10, **options).json()


def test_https_and_http_are_served_on_the_same_port(stack: dev_server.DevServer) -> None:
    outputs = stack.outputs
    ca = outputs["custom"]["ugc"]["ca_certificate"]
    http_url = outputs["data"]["url"]
    https_url = http_url.replace("http://", "https://", 1)
    # WHEN a client that trusts the local CA calls https://, by address and by name
    # THEN it is answered, as plain http:// is on the same port
    expected = _query(http_url, stack)
    assert "liveChannels" in expected["data"]
    assert _query(https_url, stack, verify=ssl.create_default_context(cafile=ca)) == expected
    by_name = https_url.replace("127.0.0.1", "localhost", 1)
    assert _query(by_name, stack, verify=ssl.create_default_context(cafile=ca)) == expected
    # AND a client that does not trust it refuses the certificate
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _query(https_url, stack)


def test_a_client_that_sends_nothing_does_not_block_others(stack: dev_server.DevServer) -> None:
    # GIVEN a connection that stays silent
    idle = socket.create_connection(("127.0.0.1", stack.port))
    try:
        # THEN other clients are served meanwhile
        assert "liveChannels" in _query(stack.outputs["data"]["url"], stack)["data"]
    finally:
        idle.close()


async def test_appsync_real_time_over_wss_as_amplify_connects(stack: dev_server.DevServer) -> None:
    # GIVEN the URL Amplify builds for a custom domain: wss://<data.url host>/graphql/realtime, with the
    # auth header and an empty payload base64-encoded in the query string
    outputs = stack.outputs
    host = outputs["data"]["url"].split("/")[2]
    header = {"host": host, "x-api-key": outputs["data"]["api_key"]}
    encode = lambda value: base64.b64encode(json.dumps(value).encode()).decode()  # noqa: E731
    url = f"wss://{host}/graphql/realtime?header={encode(header)}&payload={encode({})}"
    context = ssl.create_default_context(cafile=outputs["custom"]["ugc"]["ca_certificate"])
    # WHEN it connects over TLS with AppSync's subprotocol and starts a subscription
    async with websockets.connect(url, subprotocols=["graphql-ws"], ssl=context) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        query = "subscription { onChannelState { channelId isLive } }"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "start",
                    "payload": {
                        "data": json.dumps({"query": query, "variables": {}}),
                        "extensions": {"authorization": header},
                    },
                }
            )
        )
        # THEN the subscription is started
        messages = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(1)]
        while messages[-1]["type"] == "ka":
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        assert messages[-1] == {"id": "1", "type": "start_ack"}


def test_ugc_trust_prints_the_steps_for_the_local_ca(
    stack: dev_server.DevServer, capsys: pytest.CaptureFixture
) -> None:
    ca = stack.outputs["custom"]["ugc"]["ca_certificate"]
    assert ugc(["--outputs", str(stack.outputs_path), "trust", "--node"]) == 0
    assert capsys.readouterr().out.strip() == f"export NODE_EXTRA_CA_CERTS={ca}"
    assert ugc(["--outputs", str(stack.outputs_path), "trust"]) == 0
    steps = capsys.readouterr().out
    assert "update-ca-certificates" in steps and "security add-trusted-cert" in steps and ca in steps
