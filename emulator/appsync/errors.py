"""AppSync's error shapes (HTTP-level bodies and per-field GraphQL errors)."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
)

UNAUTHORIZED_MESSAGE = "You are not authorized to make this call."


class RequestRejected(Exception):
    """A whole request refused before execution: an HTTP status and AppSync's body."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"errors": [{"errorType": self.error_type, "message": self.message}]}


def unauthorized(message: str = UNAUTHORIZED_MESSAGE) -> RequestRejected:
    return RequestRejected(401, "UnauthorizedException", message)


def malformed(message: str) -> RequestRejected:
    return RequestRejected(400, "MalformedHttpRequestException", message)


class FieldError(Exception):
    """A field resolved to an error: a Lambda error, a denied field, a batch failure, a timeout."""

    def __init__(self, error_type: str | None, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.data = data


def lambda_error(error_type: str | None, message: str | None) -> FieldError:
    if error_type == "UnauthorizedException":
        # AppSync replaces the message of this one error type.
        return FieldError(error_type, UNAUTHORIZED_MESSAGE)
    return FieldError(error_type or "Lambda:Unhandled", message or "")


def field_unauthorized(field_name: str, type_name: str) -> FieldError:
    return FieldError("Unauthorized", f"Not Authorized to access {field_name} on type {type_name}")


def _locations(error: GraphQLError) -> list[dict[str, Any]] | None:
    if not error.locations:
        return None
    return [{"line": loc.line, "column": loc.column, "sourceName": None} for loc in error.locations]


def _non_null_at(root: GraphQLObjectType, path: list[str | int]) -> tuple[str, str] | None:
    """(inner type name, parent type name) when the field at `path` is non-null, else None."""
    current: Any = root
    parent_name = ""
    field_type: Any = None
    for step, key in enumerate(path):
        if isinstance(key, int):
            field_type = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
            field_type = field_type.of_type if isinstance(field_type, GraphQLList) else field_type
            continue
        if step > 0:
            current = get_named_type(field_type)
        if not isinstance(current, GraphQLObjectType):
            return None
        parent_name = current.name
        field = current.fields.get(str(key))
        if field is None:
            return None
        field_type = field.type
    if isinstance(field_type, GraphQLNonNull):
        return get_named_type(field_type).name, parent_name
    return None


def _path_text(path: list[str | int]) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else f"/{key}"
    return text


def format_error(error: GraphQLError, root: GraphQLObjectType | None) -> dict[str, Any]:
    """One error of an executed operation, in AppSync's shape (`root`: the operation's root type)."""
    original = error.original_error
    if isinstance(original, FieldError):
        return {
            "path": error.path,
            "data": original.data,
            "errorType": original.error_type,
            "errorInfo": None,
            "locations": _locations(error),
            "message": original.message,
        }
    if isinstance(original, TypeError) and error.path and root is not None:
        schema_path = list(error.path)
        non_null = _non_null_at(root, schema_path)
        if non_null:
            type_name, parent = non_null
            return {
                "path": error.path,
                "locations": None,
                "message": f"Cannot return null for non-nullable type: '{type_name}' within parent "
                f"'{parent}' ({_path_text(schema_path)})",
            }
    return {"path": error.path, "locations": _locations(error), "message": error.message}
