"""Playback tokens: IVS's claims, an ES384 signature any JWT library verifies, short expiry, and who gets one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from client.playback import InvalidPlaybackToken, verify_playback_token
from core.errors import Forbidden, NotFound, ValidationError
from core.models import AccountItem
from core.playback import TOKEN_SECONDS, PlaybackTokens, SigningKey, sign_playback_token

ARN = "arn:aws:ivs:us-east-1:123456789012:channel/abcd"
NOW = 1_700_000_000


def _pems(curve: ec.EllipticCurve | None = None) -> tuple[str, str]:
    key = ec.generate_private_key(curve or ec.SECP384R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


PRIVATE, PUBLIC = _pems()


def test_token_carries_the_ivs_claims_and_verifies_with_pyjwt() -> None:
    token = sign_playback_token(PRIVATE, ARN, NOW + 600, viewer_id="viewer-sub")
    assert jwt.get_unverified_header(token) == {"alg": "ES384", "typ": "JWT"}
    claims = jwt.decode(token, PUBLIC, algorithms=["ES384"], options={"verify_exp": False})
    assert claims == {
        "aws:channel-arn": ARN,
        "aws:access-control-allow-origin": "*",
        "exp": NOW + 600,
        "aws:viewer-id": "viewer-sub",
    }


def test_local_verifier_accepts_a_good_token_and_names_the_key() -> None:
    token = sign_playback_token(PRIVATE, ARN, NOW + 600)
    verified = verify_playback_token(token, {"arn:key": PUBLIC}, now=NOW)
    assert verified.channel_arn == ARN
    assert verified.key_pair_arn == "arn:key"


def test_expired_token_is_refused() -> None:
    token = sign_playback_token(PRIVATE, ARN, NOW + 600)
    with pytest.raises(InvalidPlaybackToken, match="expired"):
        verify_playback_token(token, {"arn:key": PUBLIC}, now=NOW + 600)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(sign_playback_token(PRIVATE, ARN, NOW), PUBLIC, algorithms=["ES384"])


def test_token_signed_with_another_key_or_tampered_is_refused() -> None:
    _, other_public = _pems()
    token = sign_playback_token(PRIVATE, ARN, NOW + 600)
    with pytest.raises(InvalidPlaybackToken, match="does not verify"):
        verify_playback_token(token, {"arn:other": other_public}, now=NOW)
    header, _payload, signature = token.split(".")
    forged = jwt.api_jws.base64url_encode(b'{"aws:channel-arn":"x","exp":9999999999}').decode()
    with pytest.raises(InvalidPlaybackToken, match="does not verify"):
        verify_playback_token(f"{header}.{forged}.{signature}", {"arn:key": PUBLIC}, now=NOW)
    with pytest.raises(InvalidPlaybackToken, match="not a JWT"):
        verify_playback_token("nope", {"arn:key": PUBLIC}, now=NOW)


def test_only_p384_keys_sign() -> None:
    p256, _ = _pems(ec.SECP256R1())
    with pytest.raises(ValueError, match="P-384"):
        sign_playback_token(p256, ARN, NOW + 600)


# --- who gets one ---------------------------------------------------------------------------------
@dataclass
class _Relation:
    following: bool
    banned: bool


class _Channels:
    def __init__(self, account: AccountItem | None) -> None:
        self.account = account

    def by_channel_id(self, channel_id: str) -> AccountItem | None:
        return self.account if self.account and self.account.channel_id == channel_id else None


class _Moderation:
    def __init__(self, following: set[str], banned: set[str]) -> None:
        self.following, self.banned = following, banned

    def relations(self, viewer: str, channels: list[tuple[str, str]], **_: Any) -> dict[str, _Relation]:
        return {c: _Relation(viewer in self.following, viewer in self.banned) for c, _ in channels}


def _tokens(
    *, private: bool = True, following: set[str] = frozenset(), banned: set[str] = frozenset()
) -> PlaybackTokens:  # type: ignore[assignment]
    owner = AccountItem(
        sub="owner",
        username="owner",
        created_at="2024-01-01T00:00:00.000Z",
        status="READY",
        channel_id="abcd",
        channel_arn=ARN,
        playback_url="https://playback.example.com/abcd.m3u8",
        is_private=private,
    )
    return PlaybackTokens(
        _Channels(owner),  # type: ignore[arg-type]
        _Moderation(set(following), set(banned)),  # type: ignore[arg-type]
        lambda: PRIVATE,
        clock=lambda: NOW,
    )


def test_owner_and_follower_get_a_ten_minute_token_in_the_playback_url() -> None:
    for viewer in ("owner", "fan"):
        issued = _tokens(following={"fan"}).issue(viewer, "abcd")
        assert issued.expires_at == "2023-11-14T22:23:20.000Z"  # NOW + 600
        assert issued.playback_url == f"https://playback.example.com/abcd.m3u8?token={issued.token}"
        claims = verify_playback_token(issued.token, {"k": PUBLIC}, now=NOW).claims
        assert claims["exp"] == NOW + TOKEN_SECONDS
        assert claims["aws:viewer-id"] == viewer


def test_non_follower_banned_public_and_unknown_are_refused() -> None:
    with pytest.raises(Forbidden, match="follow it first"):
        _tokens().issue("stranger", "abcd")
    with pytest.raises(Forbidden, match="banned"):
        _tokens(following={"fan"}, banned={"fan"}).issue("fan", "abcd")
    with pytest.raises(ValidationError, match="public"):
        _tokens(private=False).issue("owner", "abcd")
    with pytest.raises(NotFound):
        _tokens().issue("owner", "nope")


def test_the_signing_key_is_read_once_but_a_placeholder_is_not_kept() -> None:
    # GIVEN a secret that still holds its placeholder, then the key (the deploy that makes it got there)
    values = iter(["f3a9c0d2placeholder", PRIVATE, "never read"])
    reads: list[str] = []

    def read() -> str:
        reads.append(value := next(values))
        return value

    key = SigningKey(read)

    # WHEN the key is asked for three times
    first, second, third = key(), key(), key()

    # THEN the placeholder was not kept (the second call read the secret again), and the key was
    assert (first, second, third) == ("f3a9c0d2placeholder", PRIVATE, PRIVATE)
    assert len(reads) == 2
