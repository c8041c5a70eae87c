"""The Direct Lambda event AppSync sends for one field resolution."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    print_ast,
)

from emulator.appsync.model import AuthMode


@dataclass(frozen=True)
class AuthContext:
    """How a request (or a subscription start) was authenticated."""

    mode: AuthMode
    identity: dict[str, Any] | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestInfo:
    """`request` of the event: client headers (lower-cased, cookie removed) and the custom domain."""

    headers: Mapping[str, str | list[str]] = field(default_factory=dict)
    domain_name: str | None = None

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[str, str]], client_ip: str | None, host: str | None) -> RequestInfo:
        headers: dict[str, str | list[str]] = {}
        for raw_name, value in pairs:
            name = raw_name.lower()
            if name == "cookie":
                continue  # AppSync never exposes cookies to resolvers
            if name in headers:
                previous = headers[name]
                headers[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                headers[name] = value
        if host and "host" not in headers:
            headers["host"] = host
        if client_ip:
            forwarded = headers.get("x-forwarded-for")
            headers["x-forwarded-for"] = f"{forwarded}, {client_ip}" if isinstance(forwarded, str) else client_ip
        return cls(headers=headers)

    def source_ips(self) -> list[str]:
        forwarded = self.headers.get("x-forwarded-for", "")
        text = ", ".join(forwarded) if isinstance(forwarded, list) else forwarded
        return [ip.strip() for ip in text.split(",") if ip.strip()]


def _merged_selections(field_nodes: Sequence[FieldNode]) -> list[Any]:
    selections: list[Any] = []
    for node in field_nodes:
        if node.selection_set:
            selections.extend(node.selection_set.selections)
    return selections


def _applies(condition: str | None, parent: GraphQLNamedType) -> bool:
    """Fragments count only when they select on the field's own type (or an interface of it)."""
    if condition is None or condition == parent.name:
        return True
    if isinstance(parent, GraphQLObjectType):
        return any(i.name == condition for i in parent.interfaces)
    return False


def _collect(
    selections: Sequence[Any],
    parent: GraphQLNamedType,
    fragments: Mapping[str, FragmentDefinitionNode],
    prefix: str,
    out: list[str],
) -> None:
    for selection in selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name == "__typename":
                continue
            path = prefix + (selection.alias.value if selection.alias else name)
            if path not in out:
                out.append(path)
            if selection.selection_set and isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                child = parent.fields.get(name)
                if child is not None:
                    child_type = get_named_type(child.type)
                    if not isinstance(child_type, GraphQLUnionType):
                        _collect(selection.selection_set.selections, child_type, fragments, path + "/", out)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            if _applies(condition, parent):
                _collect(selection.selection_set.selections, parent, fragments, prefix, out)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment and _applies(fragment.type_condition.name.value, parent):
                _collect(fragment.selection_set.selections, parent, fragments, prefix, out)


def selection_set_list(info: GraphQLResolveInfo) -> list[str]:
    """Paths of the fields selected under this field, aliases used, fragments flattened."""
    return_type = get_named_type(info.return_type)
    if isinstance(return_type, GraphQLUnionType):
        return []
    out: list[str] = []
    _collect(_merged_selections(info.field_nodes), return_type, info.fragments, "", out)
    return out


def selection_set_graphql(info: GraphQLResolveInfo) -> str:
    """The field's sub-selection as GraphQL text (no field name, no field arguments)."""
    selections = _merged_selections(info.field_nodes)
    if not selections:
        return ""
    return print_ast(SelectionSetNode(selections=tuple(selections)))


def event_arguments(info: GraphQLResolveInfo, args: dict[str, Any], raw_variables: Mapping[str, Any]) -> dict[str, Any]:
    """Coerced arguments; an argument bound to a variable the client did not send arrives as null."""
    arguments = dict(args)
    for node in info.field_nodes[0].arguments or ():
        if isinstance(node.value, VariableNode) and node.value.name.value not in raw_variables:
            arguments.setdefault(node.name.value, None)
    return arguments


def build_event(
    info: GraphQLResolveInfo,
    args: dict[str, Any],
    source: Any,
    auth: AuthContext,
    request: RequestInfo,
    raw_variables: Mapping[str, Any],
) -> dict[str, Any]:
    is_root = info.parent_type in (
        info.schema.query_type,
        info.schema.mutation_type,
        info.schema.subscription_type,
    )
    return {
        "arguments": event_arguments(info, args, raw_variables),
        "identity": auth.identity,
        "source": None if is_root else source,
        "request": {"headers": dict(request.headers), "domainName": request.domain_name},
        "prev": None,
        "info": {
            "fieldName": info.field_name,
            "parentTypeName": info.parent_type.name,
            "variables": dict(raw_variables),
            "selectionSetList": selection_set_list(info),
            "selectionSetGraphQL": selection_set_graphql(info),
        },
        "stash": {},
    }
