"""Validation with AppSync's (graphql-java's) error wording: `Validation error of type <Kind>: … @ '<path>'`.

graphql-core validates; when it finds errors, each rule is run alone to learn the error's kind, and the
offending field's path is taken from a walk of the document.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    ExecutableDefinitionsRule,
    FieldNode,
    FieldsOnCorrectTypeRule,
    GraphQLError,
    GraphQLSchema,
    KnownArgumentNamesRule,
    KnownDirectivesRule,
    KnownTypeNamesRule,
    NoUndefinedVariablesRule,
    NoUnusedVariablesRule,
    ProvidedRequiredArgumentsRule,
    ScalarLeafsRule,
    TypeInfo,
    TypeInfoVisitor,
    ValuesOfCorrectTypeRule,
    VariablesInAllowedPositionRule,
    Visitor,
    specified_rules,
    validate,
    visit,
)

_KINDS: dict[type, str] = {
    FieldsOnCorrectTypeRule: "FieldUndefined",
    ProvidedRequiredArgumentsRule: "MissingFieldArgument",
    KnownArgumentNamesRule: "UnknownArgument",
    KnownTypeNamesRule: "UnknownType",
    ScalarLeafsRule: "SubSelection",
    NoUndefinedVariablesRule: "UndefinedVariable",
    NoUnusedVariablesRule: "UnusedVariable",
    VariablesInAllowedPositionRule: "VariableTypeMismatch",
    KnownDirectivesRule: "UnknownDirective",
    ExecutableDefinitionsRule: "NonExecutableDefinition",
    ValuesOfCorrectTypeRule: "WrongType",
}


class _FieldPaths(Visitor):
    """Maps each field node to its path of field names and its parent type's name."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.stack: list[str] = []
        self.found: dict[int, tuple[str, str]] = {}

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.stack.append(node.name.value)
        parent = self.type_info.get_parent_type()
        self.found[id(node)] = ("/".join(self.stack), parent.name if parent else "")

    def leave_field(self, *_: Any) -> None:
        self.stack.pop()

    def leave_fragment_definition(self, *_: Any) -> None:
        self.stack.clear()


def _detail(kind: str, error: GraphQLError, node: Any, parent: str) -> tuple[str, str]:
    if kind == "FieldUndefined" and isinstance(node, FieldNode):
        return kind, f"Field '{node.name.value}' in type '{parent}' is undefined"
    if kind == "SubSelection" and isinstance(node, FieldNode):
        return ("SubSelectionNotAllowed", error.message) if node.selection_set else (
            "SubSelectionRequired", error.message)  # fmt: skip
    return kind, error.message


def appsync_validate(schema: GraphQLSchema, document: DocumentNode, introspection: bool = True) -> list[dict[str, Any]]:
    errors = validate(schema, document)
    hidden = [] if introspection else _introspection_errors(document)
    if not errors and not hidden:
        return []
    type_info = TypeInfo(schema)
    paths = _FieldPaths(type_info)
    visit(document, TypeInfoVisitor(type_info, paths))
    out: list[dict[str, Any]] = []
    for rule in specified_rules:
        for error in validate(schema, document, [rule]):
            out.append(_format(_KINDS.get(rule, rule.__name__.removesuffix("Rule")), error, paths))
    # With introspection off, AppSync answers as if __schema and __type did not exist.
    out.extend(_format("FieldUndefined", error, paths) for error in hidden)
    return out


def _format(kind: str, error: GraphQLError, paths: _FieldPaths) -> dict[str, Any]:
    node = error.nodes[0] if error.nodes else None
    path, parent = paths.found.get(id(node), ("", "")) if node is not None else ("", "")
    kind, detail = _detail(kind, error, node, parent)
    message = f"Validation error of type {kind}: {detail}" + (f" @ '{path}'" if path else "")
    locations = [{"line": loc.line, "column": loc.column, "sourceName": None} for loc in error.locations or []]
    return {"path": None, "locations": locations, "message": message}


def _introspection_errors(document: DocumentNode) -> list[GraphQLError]:
    found: list[GraphQLError] = []

    class Finder(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.name.value in ("__schema", "__type"):
                found.append(GraphQLError(f"Field '{node.name.value}' in type 'Query' is undefined", [node]))

    visit(document, Finder())
    return found
