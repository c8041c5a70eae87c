"""The server half of Cognito's Secure Remote Password sign-in (USER_SRP_AUTH → PASSWORD_VERIFIER).

Amplify Auth's default `signIn`, the AWS SDKs' helpers and pycognito prove the password with SRP-6a
over the 3072-bit group of RFC 3526 (g = 2, SHA-256), as Cognito defines it:

- k = H(pad(N) | pad(g)); x = H(pad(salt) | H(poolName | userIdForSrp | ":" | password)), where
  poolName is the pool id after its "_" and userIdForSrp is the user's internal Cognito username;
  the verifier is v = g^x;
- the server sends B = k·v + g^b with the salt and an opaque SECRET_BLOCK;
- both sides derive u = H(pad(A) | pad(B)) and the session key S, then a 16-byte HKDF-SHA256 key
  (salt pad(u), info "Caldera Derived Key");
- the client answers PASSWORD_CLAIM_SIGNATURE = HMAC-SHA256(key, poolName | userId | secretBlock |
  TIMESTAMP), which the server recomputes.

`pad` is the clients' hex padding: even length, and a leading "00" when the high bit is set, so the
byte string stays a positive number. Hashes are over the bytes those hex strings spell.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

# RFC 3526, 3072-bit MODP group (the N every Cognito SRP client has built in).
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
INFO = b"Caldera Derived Key"
# How long a challenge may be answered (Cognito's sign-in sessions last three minutes).
CHALLENGE_SECONDS = 180
# How long an answered-too-late challenge is remembered, so the answer is told its session expired
# rather than that it names no challenge at all.
RETAIN_SECONDS = 3600
_HEX = re.compile(r"[0-9a-fA-F]+")
# The clients write TIMESTAMP in English whatever their locale: "Sat Dec 5 07:31:51 UTC 2026".
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pad_hex(value: int) -> str:
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdef":
        text = "00" + text
    return text


def hex_hash(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


K = int(hex_hash(pad_hex(N) + pad_hex(G)), 16)


def public_a(text: str) -> int | None:
    """The client's A, or None for a value the protocol refuses (not hex, or A mod N = 0)."""
    if not _HEX.fullmatch(text):
        return None
    value = int(text, 16)
    return value if value % N else None


def verifier(salt_hex: str, pool_name: str, user_id: str, password: str) -> int:
    """v = g^x, x from the salt and H(poolName | userId | ":" | password)."""
    identity = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    x = int(hex_hash(pad_hex(int(salt_hex, 16)) + identity), 16)
    return pow(G, x, N)


def public_b(verifier_value: int, b: int) -> int:
    return (K * verifier_value + pow(G, b, N)) % N


def scrambler(a_pub: int, b_pub: int) -> int:
    """u = H(pad(A) | pad(B))."""
    return int(hex_hash(pad_hex(a_pub) + pad_hex(b_pub)), 16)


def derived_key(a_pub: int, b_pub: int, b: int, verifier_value: int) -> bytes:
    """The server's S = (A·v^u)^b, through HKDF-SHA256 salted with u: the first 16 bytes."""
    u = scrambler(a_pub, b_pub)
    shared = pow(a_pub * pow(verifier_value, u, N), b, N)
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(shared)), hashlib.sha256).digest()
    return hmac.new(prk, INFO + b"\x01", hashlib.sha256).digest()[:16]


def claim_signature(key: bytes, pool_name: str, user_id: str, secret_block: bytes, timestamp: str) -> str:
    message = pool_name.encode() + user_id.encode() + secret_block + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def canonical_timestamp(text: str) -> bool:
    """Whether TIMESTAMP is written as the clients write it: English day and month names, the day of
    the month unpadded, the time zero-padded, "UTC", and the weekday that date really has."""
    parts = text.split(" ")
    if len(parts) != 6 or parts[4] != "UTC" or parts[1] not in _MONTHS:
        return False
    _, month, day, clock, _, year = parts
    try:
        hour, minute, second = (int(part) for part in clock.split(":"))
        when = datetime(int(year), _MONTHS.index(month) + 1, int(day), hour, minute, second)
    except ValueError:  # also a clock without exactly three parts
        return False
    written = f"{_WEEKDAYS[when.weekday()]} {month} {when.day} {when:%H:%M:%S} UTC {when.year}"
    return text == written


@dataclass(frozen=True)
class Challenge:
    """One PASSWORD_VERIFIER challenge: what the server needs to check the answer, and no password."""

    pool_id: str
    client_id: str
    user_id: str
    session: str  # moto's session, which issues the tokens once the claim is verified
    salt: str
    verifier: int
    a_pub: int
    b: int
    b_pub: int
    issued: float

    @property
    def pool_name(self) -> str:
        return self.pool_id.split("_", 1)[1]

    def accepts(self, secret_block: str, timestamp: str, signature: str) -> bool:
        """Whether `signature` proves the password this challenge was built from."""
        try:
            block = base64.b64decode(secret_block, validate=True)
        except (binascii.Error, ValueError):
            return False
        key = derived_key(self.a_pub, self.b_pub, self.b, self.verifier)
        expected = claim_signature(key, self.pool_name, self.user_id, block, timestamp)
        return hmac.compare_digest(expected.encode(), signature.encode())


def start(
    pool_id: str, client_id: str, user_id: str, password: str | None, a_pub: int, session: str, issued: float
) -> tuple[Challenge, str]:
    """A challenge for the client's A, and its SECRET_BLOCK.

    A user without a password gets a challenge built from a random one: it looks like any other and
    no answer can pass it, as no password flow can sign that user in either.
    """
    # The salt goes out already padded: Amplify pads the number it reads, pycognito pads the text as
    # sent, and only a padded text gives both the same x (a salt sent as "0012…" would not).
    salt = pad_hex(secrets.randbits(128) | 1 << 120)
    v = verifier(salt, pool_id.split("_", 1)[1], user_id, password if password else secrets.token_hex(32))
    while True:
        b = secrets.randbelow(N - 2) + 2
        b_pub = public_b(v, b)
        # The clients refuse B ≡ 0 and u = 0 (SRP-6a's checks); draw again rather than send one.
        if b_pub and scrambler(a_pub, b_pub):
            break
    challenge = Challenge(pool_id, client_id, user_id, session, salt, v, a_pub, b, b_pub, issued)
    return challenge, base64.b64encode(secrets.token_bytes(64)).decode()


@dataclass
class SrpStore:
    """Open challenges by SECRET_BLOCK; each is taken (removed) by its first answer, right or wrong."""

    challenges: dict[str, Challenge] = field(default_factory=dict)
    # The local AWS's clock for challenge lifetimes; tests move it forward instead of waiting.
    clock: Callable[[], float] = time.time

    def now(self) -> float:
        return self.clock()

    def add(self, secret_block: str, challenge: Challenge) -> None:
        now = self.now()
        for block in [b for b, c in self.challenges.items() if now - c.issued > RETAIN_SECONDS]:
            del self.challenges[block]
        self.challenges[secret_block] = challenge

    def take(self, secret_block: str) -> Challenge | None:
        return self.challenges.pop(secret_block, None)

    def expired(self, challenge: Challenge) -> bool:
        return self.now() - challenge.issued > CHALLENGE_SECONDS
