"""The API, defined once (strawberry code-first), and what is derived from it.

- `sdl()`: the SDL handed to AppSync (and written to schema.graphql by `make schema`);
- `lambda_fields()`: every Lambda-resolved field with its function and batch size, read by CDK (one
  resolver each) and by the local AppSync;
- `local_fields()`: every field with a local resolver (NONE data source) and the argument it returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import strawberry
from graphql import DirectiveDefinitionNode, DocumentNode, ScalarTypeDefinitionNode, parse, print_ast
from strawberry.schema.config import StrawberryConfig

from schema.lambdas import METADATA_KEY, LambdaResolver, LocalResolver
from schema.operations import Mutation, Query, Subscription
from schema.scalars import APPSYNC_SCALARS, SCALAR_MAP

schema = strawberry.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, config=StrawberryConfig(scalar_map=SCALAR_MAP)
)


@dataclass(frozen=True, order=True)
class LambdaField:
    type_name: str
    field_name: str
    function: str
    max_batch_size: int


@dataclass(frozen=True, order=True)
class LocalField:
    type_name: str
    field_name: str
    # The argument whose value is the field's result.
    argument: str


@cache
def sdl() -> str:
    """The schema as AppSync takes it: AppSync's own scalars and directives used, never declared."""
    document = parse(schema.as_str())
    kept = [
        d
        for d in document.definitions
        if not (isinstance(d, DirectiveDefinitionNode) and d.name.value.startswith("aws_"))
        and not (isinstance(d, ScalarTypeDefinitionNode) and d.name.value in APPSYNC_SCALARS)
    ]
    return print_ast(DocumentNode(definitions=tuple(kept))) + "\n"


def _resolvers() -> Iterator[tuple[str, str, object]]:
    """(type, field, resolver metadata) of every field that has any."""
    for type_name, gql_type in schema._schema.type_map.items():
        fields = getattr(gql_type, "fields", None)
        if type_name.startswith("__") or not fields:
            continue
        for field_name, field in fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            meta = getattr(definition, "metadata", None) or {}
            if METADATA_KEY in meta:
                yield type_name, field_name, meta[METADATA_KEY]


@cache
def lambda_fields() -> tuple[LambdaField, ...]:
    return tuple(
        sorted(
            LambdaField(type_name, field_name, r.function, r.max_batch_size)
            for type_name, field_name, r in _resolvers()
            if isinstance(r, LambdaResolver)
        )
    )


@cache
def local_fields() -> tuple[LocalField, ...]:
    found = []
    for type_name, field_name, r in _resolvers():
        if isinstance(r, LocalResolver):
            gql_type = schema._schema.type_map[type_name]
            field = gql_type.fields[field_name]  # type: ignore[attr-defined]
            if r.argument not in field.args:
                raise ValueError(
                    f"{type_name}.{field_name}: a local resolver returns argument {r.argument!r}, which it lacks"
                )
            found.append(LocalField(type_name, field_name, r.argument))
    return tuple(sorted(found))
