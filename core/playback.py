"""Playback tokens of private channels: ES384 JWTs IVS checks against an imported playback key pair.

A private channel (IVS `authorized` = true, set by `Accounts.update_configuration`) plays only with
`?token=<jwt>` on its playback URL. The token is signed with the private key of the key pair whose
public half was imported into IVS (ImportPlaybackKeyPair); the private key lives in a Secrets Manager
secret (`PLAYBACK_KEY_SECRET_ARN`), read on first use and kept for the container's life.

Claims follow the IVS user guide ("Private Channels: Generate and Sign Playback Tokens"):
`aws:channel-arn`, `aws:access-control-allow-origin`, `exp`, optionally `aws:viewer-id` (what
RevokeViewerSession names). `cryptography` is imported inside the signing call only: other operations
of the same Lambda never pay its import cost at cold start (tests/test_bundle_imports.py).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
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


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(value: dict[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":")).encode())


def sign_playback_token(
    private_key_pem: str, channel_arn: str, expires: int, *, viewer_id: str | None = None, origin: str = "*"
) -> str:
    """A compact ES384 JWS with the IVS playback claims, expiring at epoch second `expires`."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp384r1":
        # IVS accepts only P-384 playback keys: a token signed otherwise would never play.
        raise ValueError("the playback private key is not an EC P-384 key")
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
            relation = self._moderation.relations(viewer_sub, [(channel_id, owner.sub)], following=True, banned=True)[
                channel_id
            ]
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
