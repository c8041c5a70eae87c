"""The API as AppSync sees it: the SDL plus its resolvers and auth configuration.

Everything here is read from the SDL's directives and the resolver list; nothing is field-specific.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from graphql import (
    DirectiveNode,
    GraphQLObjectType,
    GraphQLSchema,
    ListValueNode,
    ScalarTypeDefinitionNode,
    StringValueNode,
    build_schema,
    parse,
)

from emulator.appsync import scalars


class AuthMode(StrEnum):
    API_KEY = "API_KEY"
    AWS_IAM = "AWS_IAM"
    AMAZON_COGNITO_USER_POOLS = "AMAZON_COGNITO_USER_POOLS"
    OPENID_CONNECT = "OPENID_CONNECT"
    AWS_LAMBDA = "AWS_LAMBDA"


DIRECTIVE_MODES = {
    "aws_api_key": AuthMode.API_KEY,
    "aws_iam": AuthMode.AWS_IAM,
    "aws_cognito_user_pools": AuthMode.AMAZON_COGNITO_USER_POOLS,
    "aws_auth": AuthMode.AMAZON_COGNITO_USER_POOLS,
    "aws_oidc": AuthMode.OPENID_CONNECT,
    "aws_lambda": AuthMode.AWS_LAMBDA,
}

# AppSync predefines these; graphql-core needs them declared to build the SDL.
DIRECTIVES_PRELUDE = """
directive @aws_api_key on OBJECT | FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_oidc on OBJECT | FIELD_DEFINITION
directive @aws_lambda on OBJECT | FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
"""


class SchemaError(ValueError):
    """The SDL would be refused by AppSync."""


@dataclass(frozen=True)
class AuthRule:
    mode: AuthMode
    groups: tuple[str, ...] | None = None

    def admits(self, mode: AuthMode, groups: tuple[str, ...]) -> bool:
        if mode != self.mode:
            return False
        return self.groups is None or bool(set(self.groups) & set(groups))


@dataclass(frozen=True)
class Resolver:
    function: str
    max_batch_size: int = 0


def _rules(directives: Sequence[DirectiveNode] | None) -> tuple[AuthRule, ...]:
    rules = []
    for directive in directives or ():
        mode = DIRECTIVE_MODES.get(directive.name.value)
        if mode is None:
            continue
        groups: tuple[str, ...] | None = None
        for arg in directive.arguments or ():
            if arg.name.value == "cognito_groups" and isinstance(arg.value, ListValueNode):
                groups = tuple(v.value for v in arg.value.values if isinstance(v, StringValueNode))
        rules.append(AuthRule(mode, groups))
    return tuple(rules)


class ApiModel:
    def __init__(
        self,
        sdl: str,
        resolvers: Mapping[tuple[str, str], Resolver],
        default_mode: AuthMode,
        additional_modes: tuple[AuthMode, ...] = (),
    ) -> None:
        self.sdl = sdl
        self.default_mode = default_mode
        self.modes = (default_mode, *additional_modes)
        self._check_sdl(sdl)
        self.schema: GraphQLSchema = build_schema(DIRECTIVES_PRELUDE + scalars.PRELUDE + sdl)
        scalars.install(self.schema.type_map)
        self.resolvers = dict(resolvers)
        for type_name, field_name in self.resolvers:
            gql_type = self.schema.type_map.get(type_name)
            if not isinstance(gql_type, GraphQLObjectType) or field_name not in gql_type.fields:
                raise SchemaError(f"resolver for {type_name}.{field_name}: no such field in the schema")
        self._type_rules: dict[str, tuple[AuthRule, ...]] = {}
        self._field_rules: dict[tuple[str, str], tuple[AuthRule, ...]] = {}
        for name, gql_type in self.schema.type_map.items():
            if not isinstance(gql_type, GraphQLObjectType) or name.startswith("__"):
                continue
            self._type_rules[name] = _rules(gql_type.ast_node.directives if gql_type.ast_node else ())
            for field_name, field in gql_type.fields.items():
                self._field_rules[(name, field_name)] = _rules(field.ast_node.directives if field.ast_node else ())

    @staticmethod
    def _check_sdl(sdl: str) -> None:
        for definition in parse(sdl).definitions:
            if isinstance(definition, ScalarTypeDefinitionNode):
                name = definition.name.value
                if name in scalars.SCALAR_NAMES:
                    raise SchemaError(f"scalar {name} is built into AppSync and must not be declared")
                raise SchemaError(f"custom scalar {name} is not supported by AppSync")
            name_node = getattr(definition, "name", None)
            if name_node is not None and name_node.value.startswith("aws_"):
                raise SchemaError(f"directive @{name_node.value} is built into AppSync and must not be declared")

    def rules(self, type_name: str, field_name: str) -> tuple[AuthRule, ...]:
        """Field directives win; else the parent type's; else the default mode alone."""
        return (
            self._field_rules.get((type_name, field_name))
            or self._type_rules.get(type_name)
            or (AuthRule(self.default_mode),)
        )

    def allows(self, type_name: str, field_name: str, mode: AuthMode, groups: tuple[str, ...] = ()) -> bool:
        return any(rule.admits(mode, groups) for rule in self.rules(type_name, field_name))

    def resolver(self, type_name: str, field_name: str) -> Resolver | None:
        return self.resolvers.get((type_name, field_name))
