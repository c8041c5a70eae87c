"""TLS for the local AppSync, on the same port as plain HTTP.

Amplify JS builds its real-time URL from `data.url` and always connects with `wss://`, even to an
`http://` endpoint. So the local AppSync answers both on one port: each new connection is peeked at
(a TLS ClientHello starts with byte 0x16, no HTTP request does) and served with or without TLS by the
same uvicorn protocol. `amplify_outputs.json` keeps its `http://` URL, which curl, Apollo, gql and
GraphiQL go on using, and Amplify's `wss://<same host>/graphql/realtime` reaches the same server.

The certificate comes from a local CA made on first run in the data folder (its key readable by the
owner only, never served); the CA is kept across runs, so trusting it (`ugc trust`) is a one-time step,
and the server certificate is issued again whenever it is missing, expiring, for other names or not the
CA's (a key that does not match its certificate, as a run stopped half-way could leave, counts as missing).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import logging
import os
import socket
import ssl
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
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
# After a failed accept (out of file descriptors, say), how long before accepting again.
ACCEPT_RETRY_SECONDS = 0.5
# Bind addresses that name no one host: a certificate cannot be issued for them.
WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 (compared with, never bound)

log = logging.getLogger(__name__)


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


def _write(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` whole (a reader never sees part of it) with a file of `mode`; a private file is
    never readable by others, not even briefly (mkstemp makes it 0600)."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One `ugc dev` at a time makes certificates in `folder` (two first runs would mix two CAs' files)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; two simultaneous first runs are the user's to avoid
        yield
        return
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


Pair = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def _make_ca(folder: Path, now: dt.datetime) -> Pair:
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
    _write(folder / "ca-key.pem", _key_pem(key), 0o600)
    _write(folder / "ca.pem", certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return certificate, key


def _load_pair(certificate_path: Path, key_path: Path) -> Pair | None:
    """A certificate and its private key, or None when either is missing, unreadable or not the other's."""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        return None
    if os.name == "posix" and key_path.stat().st_mode & 0o077:
        key_path.chmod(0o600)  # a key copied back with looser rights: private again
    return certificate, key


def _alternative_names(host: str | None) -> list[x509.GeneralName]:
    """What the server certificate must cover: the loopback names, and the host served on when it names
    one host (`ugc dev --host 192.168.1.20` is reached at that address)."""
    hosts = [*LOCAL_NAMES, *LOCAL_ADDRESSES]
    if host is not None and host.strip("[]") not in WILDCARD_HOSTS:
        hosts.append(host.strip("[]").lower())
    names: list[x509.GeneralName] = []
    for name in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            names.append(x509.DNSName(name))
    return list(dict.fromkeys(names))


def _current(certificate: x509.Certificate, now: dt.datetime, margin: dt.timedelta) -> bool:
    return certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc - margin


def _serves(leaf: x509.Certificate, ca: x509.Certificate, names: list[x509.GeneralName], now: dt.datetime) -> bool:
    """The server certificate can go on being served: the CA's, current, and covering `names`."""
    try:
        leaf.verify_directly_issued_by(ca)
        covered = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return _current(leaf, now, RENEW_BEFORE) and set(names) <= set(covered)


def _make_leaf(folder: Path, ca: Pair, names: list[x509.GeneralName], now: dt.datetime) -> None:
    ca_certificate, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=LEAF_DAYS), ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    # The key first: until the certificate follows, the pair does not match and the next run issues again.
    _write(folder / "server-key.pem", _key_pem(key), 0o600)
    _write(folder / "server.pem", certificate.public_bytes(serialization.Encoding.PEM), 0o644)


def ensure_certificates(folder: Path, host: str | None = None, now: dt.datetime | None = None) -> LocalCertificates:
    """The local CA (made once) and a current server certificate for the local names and `host`, in
    `folder`."""
    now = now or dt.datetime.now(dt.UTC)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    names = _alternative_names(host)
    with _locked(folder):
        ca = _load_pair(folder / "ca.pem", folder / "ca-key.pem")
        # A CA that would expire before a server certificate it issues today is replaced (trusted again).
        if ca is None or not _current(ca[0], now, dt.timedelta(days=LEAF_DAYS)):
            if (folder / "ca.pem").exists():
                log.warning("the local CA in %s cannot be kept: a new one is made; trust it again (ugc trust)", folder)
            ca = _make_ca(folder, now)
        leaf = _load_pair(folder / "server.pem", folder / "server-key.pem")
        if leaf is None or not _serves(leaf[0], ca[0], names, now):
            _make_leaf(folder, ca, names, now)
    return LocalCertificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")


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
            try:
                connection, _ = await loop.sock_accept(self._sock)
            except OSError as exc:
                # Out of descriptors, or a client gone before its accept: keep listening (as asyncio's own
                # servers do) rather than end the loop, which would leave the port open but unanswered.
                log.warning("local AppSync: accept failed (%s); retrying", exc)
                await asyncio.sleep(ACCEPT_RETRY_SECONDS)
                continue
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
