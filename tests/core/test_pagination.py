"""nextToken values are opaque and tamper-evident, bound to their query and caller, and expire."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidNextToken
from core.pagination import TOKEN_TTL_SECONDS, PageTokens

KEY = {"PK": {"S": "USER#a"}, "SK": {"S": "FOLLOW#c1"}}


def tokens(now: float = 1_000_000.0, secret: bytes = b"s" * 64) -> PageTokens:
    return PageTokens(lambda: secret, clock=lambda: now)


def test_a_token_round_trips_for_its_own_scope() -> None:
    token = tokens().encode("following:alice", KEY)
    assert token is not None
    assert tokens().decode("following:alice", token) == KEY


def test_no_last_key_means_no_token() -> None:
    assert tokens().encode("x", None) is None
    assert tokens().decode("x", None) is None


@pytest.mark.parametrize("scope", ["following:bob", "liveChannels", ""])
def test_a_token_is_refused_in_another_scope(scope: str) -> None:
    token = tokens().encode("following:alice", KEY)
    with pytest.raises(InvalidNextToken):
        tokens().decode(scope, token)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = tokens(secret=b"other").encode("s", KEY)
    with pytest.raises(InvalidNextToken):
        tokens().decode("s", token)


def test_an_old_token_expires() -> None:
    token = tokens(now=0).encode("s", KEY)
    with pytest.raises(InvalidNextToken):
        tokens(now=TOKEN_TTL_SECONDS + 1).decode("s", token)


@given(st.text(max_size=300))
def test_no_arbitrary_string_is_accepted(garbage: str) -> None:
    with pytest.raises(InvalidNextToken):
        tokens().decode("s", garbage)


@given(st.integers(min_value=0, max_value=200), st.characters(codec="ascii"))
def test_any_single_character_change_is_detected(position: int, replacement: str) -> None:
    token = tokens().encode("s", KEY)
    assert token is not None
    index = position % len(token)
    changed = token[:index] + replacement + token[index + 1 :]
    if changed == token:
        return
    with pytest.raises(InvalidNextToken):
        tokens().decode("s", changed)
