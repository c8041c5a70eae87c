"""Overlays are validated on the server, per type, and every refusal names the field."""

from __future__ import annotations

from typing import Any

import pytest

from core.actions import METADATA_LIMIT_BYTES, Action, encode, validate
from core.errors import ValidationError

QUIZ = {"question": "Best encoder?", "answers": ["x264", "NVENC", "QSV"], "correctAnswerIndex": 1, "duration": 15}
PRODUCT = {"title": "Mic", "price": "$99", "imageUrl": "https://img.example.com/mic.png", "description": "USB"}
NOTICE = {"title": "Break", "message": "Back in 5", "duration": 10}


def refused(action: dict[str, Any], amazon: bool = True) -> str:
    with pytest.raises(ValidationError) as caught:
        validate(action, amazon_enabled=amazon)
    return caught.value.field


@pytest.mark.parametrize(
    "action, field",
    [
        ({}, "input"),
        ({"quiz": QUIZ, "notice": NOTICE}, "input"),
        ({"quiz": {**QUIZ, "question": "q" * 257}}, "input.quiz.question"),
        ({"quiz": {**QUIZ, "question": "   "}}, "input.quiz.question"),
        ({"quiz": {**QUIZ, "answers": ["a", "b"]}}, "input.quiz.answers"),
        ({"quiz": {**QUIZ, "answers": ["a", "b", "c", "d", "e", "f"]}}, "input.quiz.answers"),
        ({"quiz": {**QUIZ, "answers": ["a", "b", "c", "x" * 129]}}, "input.quiz.answers[3]"),
        ({"quiz": {**QUIZ, "answers": ["a", "A", "c"]}}, "input.quiz.answers"),
        ({"quiz": {**QUIZ, "correctAnswerIndex": 3}}, "input.quiz.correctAnswerIndex"),
        ({"quiz": {**QUIZ, "duration": 4}}, "input.quiz.duration"),
        ({"quiz": {**QUIZ, "duration": 31}}, "input.quiz.duration"),
        ({"product": {**PRODUCT, "title": "t" * 33}}, "input.product.title"),
        ({"product": {**PRODUCT, "price": "1" * 11}}, "input.product.price"),
        ({"product": {**PRODUCT, "imageUrl": "http://img.example.com/a.png"}}, "input.product.imageUrl"),
        ({"product": {**PRODUCT, "imageUrl": "https://e.com/" + "a" * 250}}, "input.product.imageUrl"),
        ({"product": {**PRODUCT, "description": "d" * 257}}, "input.product.description"),
        ({"notice": {**NOTICE, "title": "t" * 25}}, "input.notice.title"),
        ({"notice": {**NOTICE, "message": "m" * 257}}, "input.notice.message"),
        ({"notice": {**NOTICE, "duration": 60}}, "input.notice.duration"),
        (
            {"amazonProduct": {"asin": "B0", "title": "x", "productUrl": "http://a.example.com"}},
            "input.amazonProduct.productUrl",
        ),
    ],
)
def test_invalid_overlays_are_refused_naming_the_field(action: dict[str, Any], field: str) -> None:
    assert refused(action) == field


@pytest.mark.parametrize(
    "action, kind",
    [
        ({"quiz": {**QUIZ, "question": "q" * 256, "answers": ["a" * 128, "b", "c", "d", "e"]}}, "QUIZ"),
        ({"quiz": {**QUIZ, "duration": 5}}, "QUIZ"),
        ({"quiz": {**QUIZ, "duration": 30}}, "QUIZ"),
        ({"product": {**PRODUCT, "title": "t" * 32, "price": "1" * 10}}, "PRODUCT"),
        ({"notice": {**NOTICE, "title": "t" * 24, "message": "m" * 256}}, "NOTICE"),
        ({"celebration": True}, "CELEBRATION"),
    ],
)
def test_overlays_at_the_limits_are_accepted(action: dict[str, Any], kind: str) -> None:
    assert validate(action, amazon_enabled=False)[0] == kind


def test_a_celebration_always_lasts_ten_seconds() -> None:
    assert validate({"celebration": True}, amazon_enabled=False)[1] == {"duration": 10}


def test_the_amazon_overlay_needs_the_feature_flag() -> None:
    item = {"asin": "B0X", "title": "Cam", "productUrl": "https://www.amazon.com/dp/B0X?tag=t-20"}
    assert refused({"amazonProduct": item}, amazon=False) == "input.amazonProduct"
    assert validate({"amazonProduct": item}, amazon_enabled=True)[0] == "AMAZON_PRODUCT"


def test_the_largest_valid_quiz_fits_in_ivs_timed_metadata() -> None:
    _, payload = validate(
        {"quiz": {**QUIZ, "question": "q" * 256, "answers": [c * 128 for c in "abcde"], "correctAnswerIndex": 4}},
        amazon_enabled=False,
    )
    cue = encode(Action("a" * 16, "channel", "QUIZ", "2026-11-21T10:00:00.000Z", "2026-11-21T10:00:15.000Z", payload))
    assert len(cue.encode()) <= METADATA_LIMIT_BYTES
    assert len(encode(None, "a" * 16).encode()) < 100
