"""The API as AppSync sees it: the SDL plus its resolvers and auth configuration.

Everything here is read from the SDL's directives and the resolver list; nothing is field-specific.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from graphql import (
    DirectiveNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    ListValueNode,
    ScalarTypeDefinitionNode,
    StringValueNode,
    ValueNode,
    build_schema,
    get_named_type,
    parse,
)

from emulator.appsync import scalars
from schema import appsync


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
DIRECTIVES_PRELUDE = appsync.declarations(appsync.DIRECTIVES)


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
    """A Lambda data source's resolver (`function`), or with `returns_argument` a local resolver (NONE data
    source) whose result is that argument of the field, as the request sent it."""

    function: str = ""
    max_batch_size: int = 0
    returns_argument: str | None = None


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


def _strings(value: ValueNode) -> tuple[str, ...] | None:
    """A list of string literals (a single string counts as a list of one, as GraphQL coerces it)."""
    if isinstance(value, StringValueNode):
        return (value.value,)
    if isinstance(value, ListValueNode) and all(isinstance(v, StringValueNode) for v in value.values):
        return tuple(v.value for v in value.values if isinstance(v, StringValueNode))
    return None


def _subscribed_mutations(field: GraphQLField) -> tuple[str, ...] | None:
    for directive in (field.ast_node.directives if field.ast_node else None) or ():
        if directive.name.value != "aws_subscribe":
            continue
        for arg in directive.arguments or ():
            if arg.name.value == "mutations":
                names = _strings(arg.value)
                if names is None:
                    raise SchemaError("@aws_subscribe(mutations:) takes a list of mutation names")
                return names
        return ()
    return None


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
        for (type_name, field_name), resolver in self.resolvers.items():
            gql_type = self.schema.type_map.get(type_name)
            if not isinstance(gql_type, GraphQLObjectType) or field_name not in gql_type.fields:
                raise SchemaError(f"resolver for {type_name}.{field_name}: no such field in the schema")
            argument = resolver.returns_argument
            if argument is not None and argument not in gql_type.fields[field_name].args:
                raise SchemaError(
                    f"local resolver for {type_name}.{field_name}: the field has no argument {argument!r}"
                )
            if argument is None and not resolver.function:
                raise SchemaError(f"resolver for {type_name}.{field_name}: names neither a function nor an argument")
        # subscription field -> the mutations it listens to, and the reverse
        self.triggers: dict[str, tuple[str, ...]] = self._subscriptions()
        self._listeners: dict[str, tuple[str, ...]] = {}
        for subscription, mutations in self.triggers.items():
            for mutation in mutations:
                self._listeners[mutation] = (*self._listeners.get(mutation, ()), subscription)
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

    def _subscriptions(self) -> dict[str, tuple[str, ...]]:
        """`@aws_subscribe(mutations: [...])` per subscription field, refused as AppSync refuses it: only on
        the subscription type, naming mutations that exist and return the same type."""
        triggers: dict[str, tuple[str, ...]] = {}
        subscription_type = self.schema.subscription_type
        mutation_type = self.schema.mutation_type
        for type_name, gql_type in self.schema.type_map.items():
            if not isinstance(gql_type, GraphQLObjectType) or type_name.startswith("__"):
                continue
            for field_name, field in gql_type.fields.items():
                mutations = _subscribed_mutations(field)
                if mutations is None:
                    continue
                if gql_type is not subscription_type:
                    raise SchemaError(f"@aws_subscribe on {type_name}.{field_name}: only subscription fields listen")
                returns = get_named_type(field.type).name
                for mutation in mutations:
                    target = mutation_type.fields.get(mutation) if mutation_type else None
                    if target is None:
                        raise SchemaError(f"{type_name}.{field_name} subscribes to {mutation}: no such mutation")
                    if get_named_type(target.type).name != returns:
                        raise SchemaError(
                            f"{type_name}.{field_name} returns {returns} but the mutation {mutation} it subscribes"
                            f" to returns {get_named_type(target.type).name}"
                        )
                triggers[field_name] = mutations
        return triggers

    def listeners(self, mutation_field: str) -> tuple[str, ...]:
        """The subscription fields a mutation's results are published to."""
        return self._listeners.get(mutation_field, ())

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
