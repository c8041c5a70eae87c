"""DynamoDB AttributeValue conversion (what boto3.dynamodb.types does, without importing boto3).

Numbers are read as int when integral, else Decimal (never float, so values round-trip exactly).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from decimal import Decimal
from typing import Any


def serialize(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, float):
        raise TypeError("floats are not stored: use int or Decimal")
    if isinstance(value, bytes):
        return {"B": value}
    if isinstance(value, Mapping):
        return {"M": {str(k): serialize(v) for k, v in value.items()}}
    if isinstance(value, Set):
        items = list(value)
        if items and all(isinstance(i, str) for i in items):
            return {"SS": items}
        if items and all(isinstance(i, int | Decimal) and not isinstance(i, bool) for i in items):
            return {"NS": [str(i) for i in items]}
        raise TypeError("sets must be non-empty and all strings or all numbers")
    if isinstance(value, list | tuple):
        return {"L": [serialize(v) for v in value]}
    raise TypeError(f"cannot store a {type(value).__name__}")


def _number(text: str) -> int | Decimal:
    number = Decimal(text)
    return (
        int(number) if number == number.to_integral_value() and "." not in text and "e" not in text.lower() else number
    )


def deserialize(attribute: Mapping[str, Any]) -> Any:
    (kind, value), *_ = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return _number(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: deserialize(v) for k, v in value.items()}
    if kind == "L":
        return [deserialize(v) for v in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {_number(v) for v in value}
    if kind == "B":
        return value
    if kind == "BS":
        return set(value)
    raise ValueError(f"unknown attribute type {kind}")


def plain(value: Any) -> Any:
    """Stored values as JSON takes them: Decimal numbers become int or float, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Set):
        return [plain(v) for v in sorted(value)]
    return value
