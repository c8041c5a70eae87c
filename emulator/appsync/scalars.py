"""AppSync's built-in scalars, with AppSync's input validation and output encoding."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from graphql import GraphQLError, GraphQLScalarType, StringValueNode, ValueNode
from graphql.language import IntValueNode

from schema import appsync

_OFFSET = r"(Z|[+-]\d{2}:\d{2}(:\d{2})?)"
_DATE = r"-?\d{4,}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
_PATTERNS = {
    "AWSDateTime": (re.compile(rf"^{_DATE}T{_TIME}{_OFFSET}$"), "DateTime Object"),
    "AWSDate": (re.compile(rf"^{_DATE}{_OFFSET}?$"), "date"),
    "AWSTime": (re.compile(rf"^{_TIME}{_OFFSET}?$"), "time"),
    "AWSEmail": (re.compile(r"^[^@\s]+@[^@\s]+$"), "email address"),
    "AWSPhone": (re.compile(r"^\+?[\d][\d\s-]{5,20}$"), "phone number"),
}

SCALAR_NAMES = appsync.SCALARS

# Declarations injected in front of the SDL so graphql-core can build it (AppSync predefines them).
PRELUDE = appsync.declarations(SCALAR_NAMES)


def _invalid(kind: str, value: Any) -> GraphQLError:
    return GraphQLError(f"Unable to parse `{value}` as a valid {kind}.")


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*$", parts.scheme or ""):
        return False
    return "//" not in parts.path


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _string_checker(name: str) -> tuple[Callable[[str], bool], str]:
    if name == "AWSURL":
        return _is_url, "URL"
    if name == "AWSIPAddress":
        return _is_ip, "IP address"
    pattern, kind = _PATTERNS[name]
    return (lambda v: bool(pattern.match(v))), kind


def _install_string_scalar(scalar: GraphQLScalarType) -> None:
    check, kind = _string_checker(scalar.name)

    def coerce_input(value: Any) -> str:
        if not isinstance(value, str) or not check(value):
            raise _invalid(kind, value)
        return value

    def coerce_literal(node: ValueNode, _variables: Any = None) -> str:
        if not isinstance(node, StringValueNode):
            raise _invalid(kind, getattr(node, "value", node))
        return coerce_input(node.value)

    def coerce_output(value: Any) -> str:
        if not isinstance(value, str) or not check(value):
            raise GraphQLError(f"Can't serialize value as {scalar.name}: {value!r}")
        return value

    scalar.coerce_input_value = coerce_input
    scalar.coerce_input_literal = coerce_literal
    scalar.coerce_output_value = coerce_output


def _install_json(scalar: GraphQLScalarType) -> None:
    def coerce_input(value: Any) -> Any:
        # Resolvers receive AWSJSON arguments parsed.
        if not isinstance(value, str):
            raise GraphQLError(f"Unable to parse {value!r} as valid JSON.")
        try:
            return json.loads(value)
        except ValueError as exc:
            raise GraphQLError(f"Unable to parse {value!r} as valid JSON.") from exc

    def coerce_literal(node: ValueNode, _variables: Any = None) -> Any:
        if not isinstance(node, StringValueNode):
            raise GraphQLError(f"argument with value '{type(node).__name__}' is not a valid 'AWSJSON'")
        return coerce_input(node.value)

    def coerce_output(value: Any) -> str:
        # Clients receive AWSJSON as a JSON-encoded string; a string that already is JSON passes.
        if isinstance(value, str):
            try:
                json.loads(value)
            except ValueError:
                return json.dumps(value)
            return value
        return json.dumps(value, separators=(",", ":"))

    scalar.coerce_input_value = coerce_input
    scalar.coerce_input_literal = coerce_literal
    scalar.coerce_output_value = coerce_output


def _install_timestamp(scalar: GraphQLScalarType) -> None:
    def coerce_input(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid("timestamp", value)
        return value

    def coerce_literal(node: ValueNode, _variables: Any = None) -> int:
        if not isinstance(node, IntValueNode):
            raise _invalid("timestamp", getattr(node, "value", node))
        return int(node.value)

    def coerce_output(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise GraphQLError(f"Can't serialize value as AWSTimestamp: {value!r}")
        return int(value)

    scalar.coerce_input_value = coerce_input
    scalar.coerce_input_literal = coerce_literal
    scalar.coerce_output_value = coerce_output


def install(type_map: dict[str, Any]) -> None:
    """Give the placeholder scalar types of a built schema AppSync's behaviour."""
    for name in SCALAR_NAMES:
        scalar = type_map.get(name)
        if not isinstance(scalar, GraphQLScalarType):
            continue
        if name == "AWSJSON":
            _install_json(scalar)
        elif name == "AWSTimestamp":
            _install_timestamp(scalar)
        else:
            _install_string_scalar(scalar)
