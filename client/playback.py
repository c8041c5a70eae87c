"""Check a private channel's playback token as IVS does when a player starts playback.

Nothing plays video locally, so this is the local stand-in for IVS's check: the token must be an
ES384 JWT whose signature verifies with one of the imported playback public keys, that has not
expired, and that names a channel (`aws:channel-arn`). The local AWS serves the imported keys at
`GET <custom.ugc.aws_endpoint_url>/_local/ivs/playback-keys` (IVS's API never returns them).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from client.errors import ConfigError, TransportError

if TYPE_CHECKING:
    from client.outputs import AmplifyOutputs

PLAYBACK_KEYS_PATH = "/_local/ivs/playback-keys"
TIMEOUT_SECONDS = 10
CHANNEL_ARN_CLAIM = "aws:channel-arn"
_COORDINATE_BYTES = 48  # P-384: the JWS signature is r ‖ s, 48 bytes each


class InvalidPlaybackToken(ValueError):
    """The token would not play: the message says why."""


@dataclass(frozen=True)
class VerifiedToken:
    claims: dict[str, Any]
    key_pair_arn: str  # the imported key pair whose public key verified the signature

    @property
    def channel_arn(self) -> str:
        return str(self.claims[CHANNEL_ARN_CLAIM])


def _decode(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InvalidPlaybackToken("the token is not base64url JWT segments") from None


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims without any check, to show what a refused token carried."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidPlaybackToken("the token is not a JWT (header.payload.signature)")
    try:
        claims = json.loads(_decode(parts[1]))
    except ValueError:
        raise InvalidPlaybackToken("the token's payload is not JSON") from None
    if not isinstance(claims, dict):
        raise InvalidPlaybackToken("the token's payload is not a JSON object")
    return claims


def verify_playback_token(token: str, public_keys: Mapping[str, str], *, now: float | None = None) -> VerifiedToken:
    """Verify `token` against `public_keys` (key pair ARN → PEM public key), as IVS would."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    claims = unverified_claims(token)
    header_segment, payload_segment, signature_segment = token.split(".")
    try:
        header = json.loads(_decode(header_segment))
    except ValueError:
        raise InvalidPlaybackToken("the token's header is not JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "ES384":
        raise InvalidPlaybackToken(f"the token is signed with {header.get('alg')!r}, IVS needs ES384")
    signature = _decode(signature_segment)
    if len(signature) != 2 * _COORDINATE_BYTES:
        raise InvalidPlaybackToken("the signature is not an ES384 signature (96 bytes)")
    der = encode_dss_signature(
        int.from_bytes(signature[:_COORDINATE_BYTES], "big"), int.from_bytes(signature[_COORDINATE_BYTES:], "big")
    )
    signed = f"{header_segment}.{payload_segment}".encode("ascii")
    verified_by = None
    for arn, pem in public_keys.items():
        key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            continue
        try:
            key.verify(der, signed, ec.ECDSA(hashes.SHA384()))
        except InvalidSignature:
            continue
        verified_by = arn
        break
    if verified_by is None:
        raise InvalidPlaybackToken(
            f"the signature does not verify with any of the {len(public_keys)} imported playback key(s)"
        )
    expires = claims.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise InvalidPlaybackToken("the token has no numeric exp claim")
    if expires <= (time.time() if now is None else now):
        raise InvalidPlaybackToken(f"the token expired at epoch {int(expires)}")
    if not isinstance(claims.get(CHANNEL_ARN_CLAIM), str) or not claims[CHANNEL_ARN_CLAIM]:
        raise InvalidPlaybackToken(f"the token has no {CHANNEL_ARN_CLAIM} claim")
    return VerifiedToken(claims=claims, key_pair_arn=verified_by)


def local_playback_keys(outputs: AmplifyOutputs) -> dict[str, str]:
    """The playback public keys imported into the local stack's IVS: key pair ARN → PEM."""
    if not outputs.aws_endpoint_url:
        raise ConfigError("this is not a local stack (no custom.ugc.aws_endpoint_url): IVS checks deployed tokens")
    import requests  # only this command needs it; keeps `ugc --help` light

    url = outputs.aws_endpoint_url.rstrip("/") + PLAYBACK_KEYS_PATH
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise TransportError(f"cannot reach the local AWS at {url} (is `ugc dev` running?): {exc}") from exc
    if response.status_code != 200:
        raise TransportError(f"{url}: HTTP {response.status_code}: {response.text.strip()[:200]}")
    try:
        pairs = response.json()["keyPairs"]
        return {str(pair["arn"]): str(pair["publicKeyMaterial"]) for pair in pairs}
    except (ValueError, KeyError, TypeError) as exc:
        raise TransportError(f"{url}: unexpected answer: {exc}") from exc
