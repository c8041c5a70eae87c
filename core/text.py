"""What user-visible text may hold: printable Unicode (emoji and every script included), never control
characters, which render as nothing or garble the overlays, chat and dashboards that show the text."""

from __future__ import annotations

import unicodedata

from core.errors import ValidationError

# Bidirectional embeddings, overrides and isolates (Cf) reorder what follows them on screen: a title can
# be made to read as something else. Other format characters stay allowed: emoji need ZWJ (U+200D).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Cc: C0 and C1 controls and DEL (NUL, newline, escape...); Cs: lone surrogates (JSON's "\ud800");
# Zl / Zp: the line and paragraph separators, which break a line where the text must stay on one.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def check_printable(field: str, value: str) -> str:
    """`value` unchanged, or a ValidationError naming `field` and the first refused character."""
    for char in value:
        if char in _BIDI_CONTROLS or unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise ValidationError(field, f"must not contain control characters (found U+{ord(char):04X})")
    return value
