"""Playback tokens of private channels: ES384 JWTs IVS checks against an imported playback key pair.

A private channel (IVS `authorized` = true, set by `Accounts.update_configuration`) plays only with
`?token=<jwt>` on its playback URL. The token is signed with the private key of the key pair whose
public half was imported into IVS (ImportPlaybackKeyPair); the private key lives in a Secrets Manager
secret (`PLAYBACK_KEY_SECRET_ARN`), read on first use and kept for the container's life.

Claims follow the IVS user guide ("Private Channels: Generate and Sign Playback Tokens"):
`aws:channel-arn`, `aws:access-control-allow-origin`, `exp`, optionally `aws:viewer-id` (what
RevokeViewerSession names). `cryptography` is imported inside the calls that use it only: other
operations of the same Lambda never pay its import cost at cold start (tests/test_bundle_imports.py).

The key itself is made by `ensure_signing_key`, which the deployed stack runs at deploy time (a
custom resource, triggers/playback_key.py) and the local stack at bootstrap: generated inside the
secret it lives in, so the private key never passes through a template, a parameter or a laptop.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from core.channels import Channels
from core.errors import Forbidden, NotFound, ValidationError
from core.moderation import Moderation
from core.timefmt import iso

ALGORITHM = "ES384"
# Short-lived: the player only needs it to start (IVS checks it when playback starts), and a leaked
# token stops working soon. Players ask for a new one when they reconnect.
TOKEN_SECONDS = 600
# P-384 signatures in JWS are r ‖ s, each 48 bytes (RFC 7518 §3.4), not DER.
_COORDINATE_BYTES = 48
CHANNEL_ARN_CLAIM = "aws:channel-arn"
ORIGIN_CLAIM = "aws:access-control-allow-origin"
VIEWER_ID_CLAIM = "aws:viewer-id"
# IVS limits aws:viewer-id to 40 characters; a Cognito sub is 36.
_MAX_VIEWER_ID = 40


@dataclass(frozen=True)
class PlaybackToken:
    token: str
    expires_at: str  # ISO 8601 UTC (AWSDateTime)
    playback_url: str  # the channel's playback URL with ?token=


# The deploy-time custom resource's interface (triggers/playback_key.py, infra PrivateChannels): the
# secret it fills, and the attributes that return the public key and (once it holds the key) the secret.
KEY_SECRET_PROPERTY = "SecretId"  # noqa: S105 - a property name, not a secret
PUBLIC_KEY_ATTRIBUTE = "PublicKeyPem"
SECRET_ARN_ATTRIBUTE = "SecretArn"  # noqa: S105 - an attribute name, not a secret
PEM_PRIVATE_KEY_MARK = "PRIVATE KEY-----"


class PlaybackKeyError(ValueError):
    """The key secret holds a private key of another kind than the one it is meant to hold."""


class KeyKind(StrEnum):
    """The signing keys a stage keeps in Secrets Manager, made at deploy time (`KEY_KIND_PROPERTY`)."""

    # IVS playback tokens of private channels: IVS accepts only P-384 playback keys.
    EC_P384 = "EC_P384"
    # CloudFront signed URLs of recordings (core/recordings.py): CloudFront public keys are RSA 2048.
    RSA_2048 = "RSA_2048"


KEY_KIND_PROPERTY = "KeyKind"
_RSA_BITS = 2048


def generate_private_key_pem(kind: KeyKind = KeyKind.EC_P384) -> str:
    """A new private key of the kind, PKCS#8 PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key: Any
    if kind is KeyKind.RSA_2048:
        key = rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS)
    else:
        key = ec.generate_private_key(ec.SECP384R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def load_private_key(private_key_pem: str, kind: KeyKind = KeyKind.EC_P384) -> Any:
    """The private key of a PEM. ValueError when the text is no PEM private key at all; PlaybackKeyError
    when it is one, but not of the kind (a token or URL signed with it would never be accepted)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if kind is KeyKind.RSA_2048:
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != _RSA_BITS:
            raise PlaybackKeyError("the recordings private key is not an RSA 2048 key")
    elif not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp384r1":
        raise PlaybackKeyError("the playback private key is not an EC P-384 key")
    return key


def public_key_pem(private_key_pem: str, kind: KeyKind = KeyKind.EC_P384) -> str:
    """The SubjectPublicKeyInfo PEM of a private key: what ImportPlaybackKeyPair (and
    AWS::IVS::PlaybackKeyPair's PublicKeyMaterial) or CloudFront's CreatePublicKey takes."""
    from cryptography.hazmat.primitives import serialization

    public = load_private_key(private_key_pem, kind).public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


def ensure_signing_key(secretsmanager: Any, secret_id: str, kind: KeyKind = KeyKind.EC_P384) -> str:
    """The public PEM of the signing key the secret holds, after generating and storing one if the secret
    holds no PEM private key yet (a new secret's random placeholder).

    Idempotent, so a retried or repeated deploy keeps the key and the tokens players hold stay valid. A
    secret holding some other kind of key is refused rather than overwritten: it was put there on purpose.
    """
    current = str(secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"])
    try:
        return public_key_pem(current, kind)
    except PlaybackKeyError:
        raise
    except ValueError:
        pass  # no PEM key at all: the placeholder a new secret starts with
    private_pem = generate_private_key_pem(kind)
    secretsmanager.put_secret_value(SecretId=secret_id, SecretString=private_pem)
    return public_key_pem(private_pem, kind)


class SigningKey:
    """The private key, read from its secret on first use and kept for the container's life, so only
    createPlaybackToken reads Secrets Manager, once per container. A value that is no PEM private key yet
    (the placeholder, before the deploy that makes the key got there) is not kept: the next request reads
    the secret again instead of failing for the container's life."""

    def __init__(self, read: Callable[[], str]) -> None:
        self._read = read
        self._key: str | None = None

    def __call__(self) -> str:
        if self._key is not None:
            return self._key
        value = self._read()
        if PEM_PRIVATE_KEY_MARK in value:
            self._key = value
        return value


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(value: dict[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":")).encode())


def sign_playback_token(
    private_key_pem: str, channel_arn: str, expires: int, *, viewer_id: str | None = None, origin: str = "*"
) -> str:
    """A compact ES384 JWS with the IVS playback claims, expiring at epoch second `expires`."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = load_private_key(private_key_pem)
    claims: dict[str, Any] = {CHANNEL_ARN_CLAIM: channel_arn, ORIGIN_CLAIM: origin, "exp": expires}
    if viewer_id:
        claims[VIEWER_ID_CLAIM] = viewer_id[:_MAX_VIEWER_ID]
    header = {"alg": ALGORITHM, "typ": "JWT"}
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    der = key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA384()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(_COORDINATE_BYTES, "big") + s.to_bytes(_COORDINATE_BYTES, "big")
    return f"{signing_input}.{_b64url(signature)}"


def with_token(playback_url: str, token: str) -> str:
    separator = "&" if "?" in playback_url else "?"
    return f"{playback_url}{separator}token={token}"


class PlaybackTokens:
    """Who may watch a private channel: its owner and its signed-in followers who are not banned."""

    def __init__(
        self,
        channels: Channels,
        moderation: Moderation,
        private_key: Callable[[], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._channels = channels
        self._moderation = moderation
        self._private_key = private_key
        self._clock = clock

    def issue(self, viewer_sub: str, channel_id: str) -> PlaybackToken:
        owner = self._channels.by_channel_id(channel_id)
        if owner is None or not owner.ready or not owner.channel_arn or not owner.playback_url:
            raise NotFound(f"no channel with id '{channel_id}'")
        if not owner.is_private:
            # A public channel plays without a token; issuing one would suggest otherwise.
            raise ValidationError("channelId", "this channel is public: play its playbackUrl, no token is needed")
        if viewer_sub != owner.sub:
            relation = self._moderation.relations(
                viewer_sub, [(channel_id, owner.sub)], following=True, banned=True, active_viewer=True
            )[channel_id]
            if relation.banned:
                raise Forbidden("you are banned from this channel")
            if not relation.following:
                raise Forbidden("this channel is private: only its owner and its followers may watch; follow it first")
        expires = int(self._clock()) + TOKEN_SECONDS
        token = sign_playback_token(self._private_key(), owner.channel_arn, expires, viewer_id=viewer_sub)
        return PlaybackToken(
            token=token,
            expires_at=iso(datetime.fromtimestamp(expires, UTC)),
            playback_url=with_token(owner.playback_url, token),
        )
