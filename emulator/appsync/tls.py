"""TLS for the local AppSync, on the same port as plain HTTP.

Amplify JS builds its real-time URL from `data.url` and always connects with `wss://`, even to an
`http://` endpoint. So the local AppSync answers both on one port: each new connection is peeked at
(a TLS ClientHello starts with byte 0x16, no HTTP request does) and served with or without TLS by the
same uvicorn protocol. `amplify_outputs.json` keeps its `http://` URL, which curl, Apollo, gql and
GraphiQL go on using, and Amplify's `wss://<same host>/graphql/realtime` reaches the same server.

The certificate comes from a local CA made on first run in the data folder (its key readable by the
owner only, never served); the CA is kept across runs, so trusting it (`ugc trust`) is a one-time step,
and the server certificate is issued again whenever it is missing, expiring or for other names.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# What a local stack is reached by: the names the server certificate covers.
LOCAL_NAMES = ("localhost",)
LOCAL_ADDRESSES = ("127.0.0.1", "::1")
CA_DAYS = 3650
# Browsers refuse server certificates valid for more than 398 days.
LEAF_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=7)
TLS_RECORD_HANDSHAKE = 0x16
# A client that connects and sends nothing is closed after this long.
FIRST_BYTE_SECONDS = 30.0


@dataclass(frozen=True)
class LocalCertificates:
    ca_certificate: Path
    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.certificate, self.key)
        return context


def _write_private(path: Path, data: bytes) -> None:
    """Create (or replace) a file only its owner can read, never briefly readable by others."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    tmp.replace(path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ugc-live local stack"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _make_ca(folder: Path, now: dt.datetime) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"ugc-live local CA ({socket.gethostname()})")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(folder / "ca-key.pem", _key_pem(key))
    (folder / "ca.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _covers(certificate: x509.Certificate, now: dt.datetime) -> bool:
    if certificate.not_valid_after_utc - RENEW_BEFORE < now:
        return False
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    dns = set(names.get_values_for_type(x509.DNSName))
    addresses = {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    return set(LOCAL_NAMES) <= dns and set(LOCAL_ADDRESSES) <= addresses


def _make_leaf(folder: Path, now: dt.datetime) -> None:
    ca_key = serialization.load_pem_private_key((folder / "ca-key.pem").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    alternative: list[x509.GeneralName] = [x509.DNSName(n) for n in LOCAL_NAMES]
    alternative += [x509.IPAddress(ipaddress.ip_address(a)) for a in LOCAL_ADDRESSES]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=LEAF_DAYS), ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(folder / "server-key.pem", _key_pem(key))
    (folder / "server.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def ensure_certificates(folder: Path, now: dt.datetime | None = None) -> LocalCertificates:
    """The local CA (made once) and a current server certificate for the local names, in `folder`."""
    now = now or dt.datetime.now(dt.UTC)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca_path = folder / "ca.pem"
    ca_ok = ca_path.exists() and (folder / "ca-key.pem").exists()
    if ca_ok:
        ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
        ca_ok = ca.not_valid_after_utc - dt.timedelta(days=LEAF_DAYS) > now
    if not ca_ok:
        _make_ca(folder, now)
    leaf_path = folder / "server.pem"
    fresh = False
    if ca_ok and leaf_path.exists() and (folder / "server-key.pem").exists():
        leaf = x509.load_pem_x509_certificate(leaf_path.read_bytes())
        issued_by_ca = leaf.issuer == x509.load_pem_x509_certificate(ca_path.read_bytes()).subject
        fresh = issued_by_ca and _covers(leaf, now)
    if not fresh:
        _make_leaf(folder, now)
    return LocalCertificates(ca_path, leaf_path, folder / "server-key.pem")


class DualListener:
    """Accepts on one socket and hands each connection to `protocol`, over TLS when it starts with a
    ClientHello, else as it is."""

    def __init__(self, sock: socket.socket, protocol: Callable[[], asyncio.Protocol], context: ssl.SSLContext) -> None:
        self._sock = sock
        self._protocol = protocol
        self._context = context
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._sock.setblocking(False)
        self._task = asyncio.ensure_future(self._accept())

    async def close(self) -> None:
        """Stop accepting; connections already handed over are the server's to close."""
        for task in [self._task, *self._pending]:
            if task is not None:
                task.cancel()
        for task in [self._task, *self._pending]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._sock.close()

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            connection, _ = await loop.sock_accept(self._sock)
            task = asyncio.ensure_future(self._hand_over(connection))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _hand_over(self, connection: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        try:
            readable: asyncio.Future[None] = loop.create_future()

            def ready() -> None:
                if not readable.done():
                    readable.set_result(None)

            loop.add_reader(connection.fileno(), ready)
            try:
                await asyncio.wait_for(readable, FIRST_BYTE_SECONDS)
            finally:
                loop.remove_reader(connection.fileno())
            first = connection.recv(1, socket.MSG_PEEK)
            if not first:
                connection.close()
                return
            if first[0] == TLS_RECORD_HANDSHAKE:
                await loop.connect_accepted_socket(
                    self._protocol, connection, ssl=self._context, ssl_handshake_timeout=10.0
                )
            else:
                await loop.connect_accepted_socket(self._protocol, connection)
        except (OSError, ssl.SSLError, TimeoutError):
            connection.close()  # a client that left, said nothing, or failed the handshake
        except asyncio.CancelledError:
            connection.close()
            raise
