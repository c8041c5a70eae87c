"""Page-size rules shared by every connection."""

from __future__ import annotations

from core.errors import ValidationError

MAX_PAGE = 50


def page_size(limit: int | None) -> int:
    if limit is None:
        return MAX_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}, got {limit}")
    return limit
