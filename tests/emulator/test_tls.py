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
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.session
import httpx
import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from client.cli import main as ugc
from client.errors import TransportError
from client.outputs import load_outputs
from client.sdk import ApiKeyAuth, UGCClient
from core.publisher import Publisher
from emulator.appsync.tls import ensure_certificates
from tests import dev_server

# The client's message: the verification's own reason, and where the local CA is named.
UNTRUSTED = r"certificate is not trusted \(unable to get local issuer certificate\).*custom\.ugc\.ca_certificate"
ON_CHANNEL_STATE = """subscription OnChannelState($channelId: ID) {
  onChannelState(channelId: $channelId) { channelId username isLive }
}"""


def _certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _serial(path: Path) -> int:
    return _certificate(path).serial_number


def _covered(path: Path) -> set[str]:
    names = _certificate(path).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {*names.get_values_for_type(x509.DNSName), *(str(a) for a in names.get_values_for_type(x509.IPAddress))}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _days(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


# --- The certificates, as each start of `ugc dev` makes or keeps them ---


def test_a_first_start_makes_a_ca_only_its_owner_can_read_the_key_of(tmp_path: Path) -> None:
    # GIVEN no data folder yet
    folder = tmp_path / "tls"
    # WHEN the certificates are made
    made = ensure_certificates(folder)
    # THEN both private keys are readable by their owner only, the certificates by anyone
    assert _mode(folder / "ca-key.pem") == 0o600
    assert _mode(made.key) == 0o600
    assert _mode(made.ca_certificate) == 0o644
    # AND the server certificate is the CA's, for the loopback names, for a web server only
    leaf, ca = _certificate(made.certificate), _certificate(made.ca_certificate)
    leaf.verify_directly_issued_by(ca)
    assert _covered(made.certificate) == {"localhost", "127.0.0.1", "::1"}
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    # AND nothing else is left in the folder but the lock (no temporary files)
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "ca-key.pem", "ca.pem", "server-key.pem", "server.pem"]


def test_later_starts_keep_the_ca_and_the_current_server_certificate(tmp_path: Path) -> None:
    # GIVEN certificates made by a first start
    first = ensure_certificates(tmp_path)
    serials = (_serial(first.ca_certificate), _serial(first.certificate))
    ca_key = (tmp_path / "ca-key.pem").read_bytes()
    # WHEN the stack starts again, on the same day and half a year later
    for now in (None, _days(180)):
        again = ensure_certificates(tmp_path, now=now)
        # THEN the CA (and so the user's one-time trust) and the server certificate are the same ones
        assert (_serial(again.ca_certificate), _serial(again.certificate)) == serials
    assert (tmp_path / "ca-key.pem").read_bytes() == ca_key


@pytest.mark.parametrize("days", [395, 400], ids=["within-a-week-of-expiry", "expired"])
def test_an_expiring_or_expired_server_certificate_is_issued_again_by_the_same_ca(tmp_path: Path, days: int) -> None:
    # GIVEN certificates made today (the server certificate is valid 397 days)
    first = ensure_certificates(tmp_path)
    ca_serial, leaf_serial = _serial(first.ca_certificate), _serial(first.certificate)
    # WHEN the stack starts `days` later
    later = _days(days)
    renewed = ensure_certificates(tmp_path, now=later)
    # THEN a new server certificate, valid then, is issued by the same CA
    assert _serial(renewed.ca_certificate) == ca_serial
    assert _serial(renewed.certificate) != leaf_serial
    leaf = _certificate(renewed.certificate)
    leaf.verify_directly_issued_by(_certificate(renewed.ca_certificate))
    assert leaf.not_valid_before_utc <= later < leaf.not_valid_after_utc
    assert _mode(renewed.key) == 0o600


@pytest.mark.parametrize(
    ("host", "name"),
    [("192.0.2.20", "192.0.2.20"), ("DevBox.local", "devbox.local"), ("[fd00::1]", "fd00::1")],
)
def test_serving_on_a_host_the_certificate_does_not_cover_issues_it_again(tmp_path: Path, host: str, name: str) -> None:
    # GIVEN certificates made for the loopback names
    first = ensure_certificates(tmp_path, "127.0.0.1")
    ca_serial = _serial(first.ca_certificate)
    # WHEN the stack is served on another host
    served = ensure_certificates(tmp_path, host)
    # THEN the new server certificate covers that host as well as the loopback names, from the same CA
    assert _covered(served.certificate) == {"localhost", "127.0.0.1", "::1", name}
    assert _serial(served.ca_certificate) == ca_serial
    # AND serving on loopback again keeps it (it still covers those names)
    kept = _serial(served.certificate)
    for loopback in ("127.0.0.1", "localhost", "0.0.0.0", None):  # noqa: S104 (a host name, nothing is bound)
        assert _serial(ensure_certificates(tmp_path, loopback).certificate) == kept


def _replace_with_another_key(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    (folder / "server-key.pem").write_bytes(key)


def _replace_with_another_cas_certificate(folder: Path) -> None:
    # Another folder's CA has the same name (the machine's), so only its signature tells them apart.
    other = ensure_certificates(folder.parent / "other")
    (folder / "server.pem").write_bytes(other.certificate.read_bytes())
    (folder / "server-key.pem").write_bytes(other.key.read_bytes())


def _truncate_certificate(folder: Path) -> None:
    (folder / "server.pem").write_bytes((folder / "server.pem").read_bytes()[:100])


@pytest.mark.parametrize(
    "damage",
    [_replace_with_another_key, _replace_with_another_cas_certificate, _truncate_certificate],
    ids=["key-of-another-certificate", "certificate-of-another-ca", "half-written-certificate"],
)
def test_a_server_certificate_that_cannot_be_served_is_issued_again(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    # GIVEN certificates, then a server certificate that no longer goes with its key or with the CA
    folder = tmp_path / "tls"
    first = ensure_certificates(folder)
    ca_serial = _serial(first.ca_certificate)
    damage(folder)
    # WHEN the stack starts
    again = ensure_certificates(folder)
    # THEN the CA is kept and a server certificate it signed, with the matching key, can be served
    assert _serial(again.ca_certificate) == ca_serial
    _certificate(again.certificate).verify_directly_issued_by(_certificate(again.ca_certificate))
    again.server_context()  # raises if the key is not the certificate's


def test_a_ca_that_would_expire_before_its_next_server_certificate_is_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a CA made today (valid ten years)
    first = _serial(ensure_certificates(tmp_path).ca_certificate)
    # WHEN the stack starts with less than a server certificate's lifetime left on the CA
    later = ensure_certificates(tmp_path, now=_days(3650 - 300))
    # THEN a new CA issues the server certificate (and has to be trusted again)
    assert _serial(later.ca_certificate) != first
    assert "trust it again (ugc trust)" in caplog.text
    _certificate(later.certificate).verify_directly_issued_by(_certificate(later.ca_certificate))


# --- The running stack: `ugc dev` as a user starts it ---


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dev_server.DevServer]:
    with dev_server.running(tmp_path_factory.mktemp("tls")) as server:
        yield server


def _ca(server: dev_server.DevServer) -> str:
    ca: str = server.outputs["custom"]["ugc"]["ca_certificate"]
    return ca


def _handshake(port: int, host: str, context: ssl.SSLContext) -> dict[str, Any]:
    """A TLS handshake with the local AppSync; the certificate it presented, as verified."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        peer = tls.getpeercert()
        assert peer is not None
        return dict(peer)


def test_a_tls_handshake_verifies_against_the_local_ca_and_fails_without_it(stack: dev_server.DevServer) -> None:
    # GIVEN the local CA the outputs name, in the data folder `ugc dev` was given
    ca = _ca(stack)
    assert Path(ca).is_relative_to(stack.outputs_path.parent / "data")
    trusting = ssl.create_default_context(cafile=ca)
    # WHEN a client that trusts only that CA opens TLS to the GraphQL port, by address and by name
    for host in ("127.0.0.1", "localhost"):
        peer = _handshake(stack.port, host, trusting)
        # THEN the certificate verifies (chain and name) and is the one issued for the local names
        assert ("DNS", "localhost") in peer["subjectAltName"]
        assert ("IP Address", "127.0.0.1") in peer["subjectAltName"]
    # AND a client with the system's CAs only refuses it
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer certificate"):
        _handshake(stack.port, "127.0.0.1", ssl.create_default_context())


def _query(url: str, server: dev_server.DevServer, **options: Any) -> dict[str, Any]:
    data = server.outputs["data"]
    body = {"query": "{ liveChannels { items { username } } }"}
    answer: dict[str, Any] = httpx.post(
        url, json=body, headers={"x-api-key": data["api_key"]}, timeout=10, **options
    ).json()
    return answer


def test_https_and_http_are_served_on_the_same_port(stack: dev_server.DevServer) -> None:
    outputs = stack.outputs
    http_url = outputs["data"]["url"]
    https_url = http_url.replace("http://", "https://", 1)
    # GIVEN the outputs as written: a plain http:// URL
    assert http_url.startswith("http://")
    # WHEN a client that trusts the local CA calls https:// on the same port, by address and by name
    # THEN it is answered as plain http:// is
    expected = _query(http_url, stack)
    assert "liveChannels" in expected["data"]
    verify = ssl.create_default_context(cafile=_ca(stack))
    assert _query(https_url, stack, verify=verify) == expected
    assert _query(https_url.replace("127.0.0.1", "localhost", 1), stack, verify=verify) == expected
    # AND a client that does not trust the CA refuses the certificate
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _query(https_url, stack)


def test_a_client_that_sends_nothing_does_not_block_others(stack: dev_server.DevServer) -> None:
    # GIVEN a connection that stays silent (neither a ClientHello nor a request)
    idle = socket.create_connection(("127.0.0.1", stack.port))
    try:
        # THEN other clients are served meanwhile, over both
        assert "liveChannels" in _query(stack.outputs["data"]["url"], stack)["data"]
        https_url = stack.outputs["data"]["url"].replace("http://", "https://", 1)
        assert "liveChannels" in _query(https_url, stack, verify=ssl.create_default_context(cafile=_ca(stack)))["data"]
    finally:
        idle.close()


def _publisher(server: dev_server.DevServer) -> Publisher:
    """The back end's IAM publisher, with the local credentials the outputs file keeps."""
    outputs = server.outputs
    credentials = outputs["custom"]["ugc"]["aws_credentials"]
    session = botocore.session.Session()
    session.set_credentials(credentials["access_key_id"], credentials["secret_access_key"])
    return Publisher(outputs["data"]["url"], outputs["data"]["aws_region"], session)


def _b64(value: dict[str, str], *, url_safe: bool = False) -> str:
    raw = json.dumps(value).encode()
    if url_safe:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return base64.b64encode(raw).decode()


async def _next(ws: ClientConnection) -> dict[str, Any]:
    """The next message that is not a keep-alive."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] != "ka":
            return message


@pytest.mark.parametrize(
    ("scheme", "auth_in"),
    [("wss", "subprotocol"), ("wss", "query"), ("ws", "query")],
    ids=["wss-as-amplify-6.22", "wss-header-payload-query", "plain-ws"],
)
async def test_appsync_real_time_delivers_published_events(
    stack: dev_server.DevServer, scheme: str, auth_in: str
) -> None:
    # GIVEN the real-time URL Amplify builds from `data.url` (not an AppSync domain, so `/realtime` is
    # appended, the host kept and the scheme made wss://) and an anonymous viewer's auth header, sent as
    # aws-amplify 6.22 sends it (a `header-<base64url>` subprotocol beside graphql-ws) or in the
    # `header` / `payload` query parameters (earlier Amplify releases, gql)
    outputs = stack.outputs
    host = outputs["data"]["url"].split("/")[2]
    header = {"host": host, "x-amz-date": "20261205T000000Z", "x-api-key": outputs["data"]["api_key"]}
    url = f"{scheme}://{host}/graphql/realtime"
    subprotocols = [Subprotocol("graphql-ws")]
    if auth_in == "subprotocol":
        subprotocols.append(Subprotocol(f"header-{_b64(header, url_safe=True)}"))
    else:
        url += f"?header={_b64(header)}&payload={_b64({})}"
    context = ssl.create_default_context(cafile=_ca(stack)) if scheme == "wss" else None
    channel_id = f"tls-{uuid.uuid4().hex[:8]}"
    # WHEN it connects, starts a subscription to one channel's state, and the back end publishes it
    async with websockets.connect(url, subprotocols=subprotocols, ssl=context) as ws:
        assert ws.subprotocol == "graphql-ws"
        await ws.send(json.dumps({"type": "connection_init"}))
        assert (await _next(ws))["type"] == "connection_ack"
        start = {"query": ON_CHANNEL_STATE, "variables": {"channelId": channel_id}}
        payload = {"data": json.dumps(start), "extensions": {"authorization": header}}
        await ws.send(json.dumps({"id": "1", "type": "start", "payload": payload}))
        assert await _next(ws) == {"id": "1", "type": "start_ack"}
        state = {"channelId": channel_id, "username": "tls", "isLive": True}
        await asyncio.to_thread(_publisher(stack).channel_state, state)
        # THEN the event arrives on the subscription
        assert await _next(ws) == {"id": "1", "type": "data", "payload": {"data": {"onChannelState": state}}}


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("protocol", ["appsync", "graphql-transport-ws"])
def test_the_python_client_works_against_whichever_scheme_the_outputs_name(
    stack: dev_server.DevServer, tmp_path: Path, scheme: str, protocol: str
) -> None:
    # GIVEN the outputs as `ugc dev` wrote them, or with `data.url` switched to https://
    raw = stack.outputs
    raw["data"]["url"] = raw["data"]["url"].replace("http://", f"{scheme}://", 1)
    (tmp_path / "amplify_outputs.json").write_text(json.dumps(raw))
    outputs = load_outputs(tmp_path / "amplify_outputs.json")
    channel_id = f"tls-{uuid.uuid4().hex[:8]}"
    state = {"channelId": channel_id, "username": "tls", "isLive": False}
    # WHEN an anonymous client from those outputs queries, and subscribes while the back end publishes
    with UGCClient.anonymous(outputs) as client:
        assert "liveChannels" in client.execute("{ liveChannels { items { username } } }")
        with client.subscribe(ON_CHANNEL_STATE, {"channelId": channel_id}, protocol=protocol) as events:
            _publisher(stack).channel_state(state)
            # THEN both work, the https:// ones trusting the local CA the outputs name
            assert next(iter(events)) == {"onChannelState": state}


def test_the_python_client_without_the_local_ca_says_the_certificate_is_not_trusted(
    stack: dev_server.DevServer,
) -> None:
    # GIVEN a client for the https:// URL that is not told about the local CA
    outputs = load_outputs(stack.outputs_path)
    https_url = outputs.data.url.replace("http://", "https://", 1)
    client = UGCClient(https_url, ApiKeyAuth(outputs.data.api_key or ""))
    # WHEN it queries, or subscribes
    # THEN it is told the certificate is not trusted and where the local CA is named
    with pytest.raises(TransportError, match=UNTRUSTED):
        client.execute("{ liveChannels { items { username } } }")
    with (
        pytest.raises(TransportError, match=UNTRUSTED),
        client.subscribe(ON_CHANNEL_STATE, {"channelId": "tls"}),
    ):
        pass
    client.close()


def test_a_second_start_on_the_same_data_folder_serves_with_the_same_ca(stack: dev_server.DevServer) -> None:
    # GIVEN the CA the first `ugc dev` made, as a user trusts it
    data = stack.outputs_path.parent / "data"
    ca_before = Path(_ca(stack)).read_bytes()
    # WHEN `ugc dev` starts again with the same data folder (beside the first one, on other ports)
    folder = stack.outputs_path.parent / "second"
    folder.mkdir()
    with dev_server.running(folder, "--data-dir", str(data), "--no-seed", "--no-demo-streams") as second:
        # THEN it names the same CA file, which is unchanged, and its key is still the owner's only
        assert _ca(second) == _ca(stack)
        assert Path(_ca(second)).read_bytes() == ca_before
        assert _mode(data / "tls" / "ca-key.pem") == 0o600
        # AND a client that trusted the CA once reaches the new server over TLS
        trusting = ssl.create_default_context(cadata=ca_before.decode())
        assert ("DNS", "localhost") in _handshake(second.port, "localhost", trusting)["subjectAltName"]


def test_ugc_trust_prints_the_steps_for_the_local_ca(
    stack: dev_server.DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    ca = _ca(stack)
    # WHEN a Node user asks for the one line
    assert ugc(["--outputs", str(stack.outputs_path), "trust", "--node"]) == 0
    # THEN it is the export Node reads extra CAs from
    assert capsys.readouterr().out.strip() == f"export NODE_EXTRA_CA_CERTS={ca}"

    # GIVEN a user with a Firefox profile
    profile = tmp_path / ".mozilla" / "firefox" / "abcd1234.default-release"
    profile.mkdir(parents=True)
    (profile / "cert9.db").touch()
    monkeypatch.setenv("HOME", str(tmp_path))
    # WHEN they ask for every platform's steps
    assert ugc(["--outputs", str(stack.outputs_path), "trust"]) == 0
    steps = capsys.readouterr().out
    # THEN each platform's tool is given the CA file, Firefox's profile included
    assert f"export NODE_EXTRA_CA_CERTS={ca}" in steps
    assert f"sudo cp {ca} /usr/local/share/ca-certificates/ugc-live-local.crt" in steps
    assert "sudo update-ca-certificates" in steps
    assert f"certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n ugc-live-local -i {ca}" in steps
    assert f"certutil -d sql:{profile} -A -t C,, -n ugc-live-local -i {ca}" in steps
    assert "security add-trusted-cert -d -r trustRoot" in steps
    assert f'certutil -addstore -f Root "{ca}"' in steps


def test_ugc_trust_without_the_ca_file_says_ugc_dev_makes_it(
    stack: dev_server.DevServer, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # GIVEN outputs that name a CA file no longer there (the data folder was deleted)
    raw = stack.outputs
    raw["custom"]["ugc"]["ca_certificate"] = str(tmp_path / "gone" / "ca.pem")
    (tmp_path / "amplify_outputs.json").write_text(json.dumps(raw))
    # WHEN the user asks how to trust it
    code = ugc(["--outputs", str(tmp_path / "amplify_outputs.json"), "trust", "--node"])
    # THEN the command fails and says what makes it
    assert code != 0
    assert "does not exist: `ugc dev` makes it" in capsys.readouterr().err
