"""The server half of Cognito's Secure Remote Password sign-in (USER_SRP_AUTH → PASSWORD_VERIFIER).

Amplify Auth's default `signIn`, the AWS SDKs' helpers and pycognito prove the password with SRP-6a
over the 3072-bit group of RFC 3526 (g = 2, SHA-256), as Cognito defines it:

- k = H(pad(N) | pad(g)); x = H(pad(salt) | H(poolName | userIdForSrp | ":" | password)), where
  poolName is the pool id after its "_" and userIdForSrp is the user's internal Cognito username;
- the server sends B = k·v + g^b (v = g^x) with the salt and an opaque SECRET_BLOCK;
- both sides derive u = H(pad(A) | pad(B)) and the session key S, then a 16-byte HKDF key
  (salt pad(u), info "Caldera Derived Key");
- the client answers PASSWORD_CLAIM_SIGNATURE = HMAC-SHA256(key, poolName | userId | secretBlock |
  TIMESTAMP), which the server recomputes.

`pad` is the clients' hex padding: even length, and a leading "00" when the high bit is set, so the
byte string stays a positive number. The local Cognito keeps each user's password (moto does), so the
verifier is computed from it at challenge time rather than stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

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


def private_exponent(salt_hex: str, pool_name: str, user_id: str, password: str) -> int:
    """x, from the salt and the password."""
    identity = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    return int(hex_hash(pad_hex(int(salt_hex, 16)) + identity), 16)


def derived_key(shared: int, scrambler: int) -> bytes:
    """HKDF-SHA256 of S, salted with u, first 16 bytes."""
    prk = hmac.new(bytes.fromhex(pad_hex(scrambler)), bytes.fromhex(pad_hex(shared)), hashlib.sha256).digest()
    return hmac.new(prk, INFO + b"\x01", hashlib.sha256).digest()[:16]


def signature(key: bytes, pool_name: str, user_id: str, secret_block: str, timestamp: str) -> str:
    message = pool_name.encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Challenge:
    """One PASSWORD_VERIFIER challenge, answerable once, for CHALLENGE_SECONDS."""

    pool_id: str
    client_id: str
    user_id: str
    session: str  # moto's session, which issues the tokens once the claim is verified
    salt: str
    a: int
    b: int
    big_b: int
    issued: float

    @property
    def pool_name(self) -> str:
        return self.pool_id.split("_", 1)[1]

    def expected_signature(self, password: str, secret_block: str, timestamp: str) -> str:
        x = private_exponent(self.salt, self.pool_name, self.user_id, password)
        verifier = pow(G, x, N)
        u = int(hex_hash(pad_hex(self.a) + pad_hex(self.big_b)), 16)
        shared = pow(self.a * pow(verifier, u, N), self.b, N)
        return signature(derived_key(shared, u), self.pool_name, self.user_id, secret_block, timestamp)


def start(pool_id: str, client_id: str, user_id: str, password: str, srp_a: str, session: str) -> tuple[Challenge, str]:
    """The challenge for a client's A, and its SECRET_BLOCK; ValueError for an A the protocol refuses."""
    try:
        a = int(srp_a, 16)
    except ValueError:
        raise ValueError("SRP_A is not a hex number") from None
    if a % N == 0:
        raise ValueError("SRP_A is invalid")
    salt = secrets.token_hex(16)
    x = private_exponent(salt, pool_id.split("_", 1)[1], user_id, password)
    while True:
        b = secrets.randbelow(N - 1) + 1
        big_b = (K * pow(G, x, N) + pow(G, b, N)) % N
        if big_b and int(hex_hash(pad_hex(a) + pad_hex(big_b)), 16):
            break
    challenge = Challenge(pool_id, client_id, user_id, session, salt, a, b, big_b, time.time())
    return challenge, base64.b64encode(secrets.token_bytes(64)).decode()


@dataclass
class SrpStore:
    """Open challenges by SECRET_BLOCK; each is taken (removed) by its first answer, right or wrong."""

    challenges: dict[str, Challenge] = field(default_factory=dict)

    def add(self, secret_block: str, challenge: Challenge) -> None:
        now = time.time()
        for block in [b for b, c in self.challenges.items() if now - c.issued > CHALLENGE_SECONDS]:
            del self.challenges[block]
        self.challenges[secret_block] = challenge

    def take(self, secret_block: str) -> Challenge | None:
        challenge = self.challenges.pop(secret_block, None)
        if challenge is None or time.time() - challenge.issued > CHALLENGE_SECONDS:
            return None
        return challenge
