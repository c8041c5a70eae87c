"""The API, defined once (strawberry code-first), and what is derived from it.

- `sdl()`: the SDL handed to AppSync (and written to schema.graphql by `make schema`);
- `lambda_fields()`: every Lambda-resolved field with its function and batch size, read by CDK (one
  resolver each) and by the local AppSync.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import strawberry
from graphql import DirectiveDefinitionNode, DocumentNode, ScalarTypeDefinitionNode, parse, print_ast
from strawberry.schema.config import StrawberryConfig

from schema.lambdas import METADATA_KEY, LambdaResolver
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


@cache
def lambda_fields() -> tuple[LambdaField, ...]:
    found: list[LambdaField] = []
    for type_name, gql_type in schema._schema.type_map.items():
        fields = getattr(gql_type, "fields", None)
        if type_name.startswith("__") or not fields:
            continue
        for field_name, field in fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            meta = getattr(definition, "metadata", None) or {}
            resolver = meta.get(METADATA_KEY)
            if isinstance(resolver, LambdaResolver):
                found.append(LambdaField(type_name, field_name, resolver.function, resolver.max_batch_size))
    return tuple(sorted(found))
