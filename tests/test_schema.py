"""The schema: the committed SDLs are current, AppSync would accept schema.graphql, other GraphQL tools accept
schema.tools.graphql as the same API, and the contract's names exist."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import strawberry
import yaml
from graphql import GraphQLObjectType, build_schema, parse, print_ast, print_type
from graphql.language import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    NamedTypeNode,
    ScalarTypeDefinitionNode,
    visit,
)
from graphql.language.visitor import Visitor

import schema
from core.settings import ChannelType, LatencyMode
from emulator.appsync.model import DIRECTIVES_PRELUDE
from emulator.appsync.scalars import PRELUDE as SCALARS_PRELUDE
from infra.definitions import FUNCTIONS
from schema import appsync
from schema.__main__ import FILES
from schema.directives import CognitoUserPools

ROOT = Path(__file__).resolve().parents[1]
SDL_FILE = ROOT / "schema.graphql"
TOOLS_FILE = ROOT / "schema.tools.graphql"


def _make_schema(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "schema", str(directory)], check=False, capture_output=True, text=True, cwd=ROOT
    )


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_committed_sdl_is_what_the_schema_module_generates(name: str) -> None:
    # Fails when schema/ changed without `make schema`.
    assert (ROOT / name).read_text() == FILES[name](), f"{name} is stale: run `make schema`"


def test_make_schema_writes_both_files(tmp_path: Path) -> None:
    # WHEN `make schema` runs (python -m schema DIRECTORY)
    done = _make_schema(tmp_path)
    # THEN both SDLs are written there
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "schema.graphql").read_text() == schema.sdl()
    assert (tmp_path / "schema.tools.graphql").read_text() == schema.tools_sdl()


def test_make_schema_refuses_a_directory_that_does_not_exist(tmp_path: Path) -> None:
    # WHEN it is given a directory that does not exist
    done = _make_schema(tmp_path / "missing")
    # THEN it fails, saying why
    assert done.returncode != 0
    assert "is not a directory" in done.stderr


def test_the_sdl_declares_none_of_appsyncs_own_scalars_or_directives() -> None:
    for definition in parse(SDL_FILE.read_text()).definitions:
        assert not isinstance(definition, ScalarTypeDefinitionNode), definition.name.value
        assert not isinstance(definition, DirectiveDefinitionNode), definition.name.value


def test_the_sdl_builds_against_appsyncs_built_in_scalars_and_directives() -> None:
    built = build_schema(DIRECTIVES_PRELUDE + SCALARS_PRELUDE + SDL_FILE.read_text())
    assert built.query_type is not None
    assert built.mutation_type is not None


@pytest.mark.parametrize(
    "type_name, fields",
    [
        ("Query", {"me": [], "channel": ["username"], "liveChannels": ["limit", "nextToken"],
                   "following": ["limit", "nextToken"]}),
        ("Mutation", {"createResources": [], "updatePreferences": ["input"], "follow": ["username"],
                      "unfollow": ["username"]}),
        ("Channel", {"id": [], "username": [], "avatar": [], "color": [], "avatarUrl": [], "bannerUrl": [],
                     "playbackUrl": [], "isLive": [], "liveSince": [], "isPrivate": [], "followerCount": [],
                     "viewerIsFollowing": []}),
        ("Account", {"id": [], "username": [], "email": [], "channel": [], "ingestEndpoint": [], "ingestServerUrl": [],
                     "streamKey": [], "channelType": [], "latencyMode": [], "isPrivate": [], "createdAt": []}),
        ("ChannelConnection", {"items": [], "nextToken": []}),
    ],
)  # fmt: skip
def test_the_contracts_operations_and_arguments_exist(type_name: str, fields: dict[str, list[str]]) -> None:
    built = build_schema(DIRECTIVES_PRELUDE + SCALARS_PRELUDE + SDL_FILE.read_text())
    gql_type = built.type_map[type_name]
    assert isinstance(gql_type, GraphQLObjectType)
    for name, args in fields.items():
        assert name in gql_type.fields, f"{type_name}.{name}"
        assert sorted(gql_type.fields[name].args) == sorted(args)


def test_every_lambda_field_names_a_defined_function() -> None:
    assert schema.lambda_fields()
    for field in schema.lambda_fields():
        assert field.function in FUNCTIONS, field


def test_enums_agree_with_the_domain() -> None:
    built = build_schema(DIRECTIVES_PRELUDE + SCALARS_PRELUDE + SDL_FILE.read_text())
    assert set(built.type_map["ChannelType"].values) == {m.value for m in ChannelType}  # type: ignore[attr-defined]
    assert set(built.type_map["LatencyMode"].values) == {m.value for m in LatencyMode}  # type: ignore[attr-defined]


def _definitions(document: DocumentNode) -> dict[str, ScalarTypeDefinitionNode | DirectiveDefinitionNode]:
    return {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, ScalarTypeDefinitionNode | DirectiveDefinitionNode)
    }


def _names_used(document: DocumentNode) -> set[str]:
    """The types and directives a document refers to."""
    used: set[str] = set()

    class Uses(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: object) -> None:
            used.add(node.name.value)

        def enter_named_type(self, node: NamedTypeNode, *_: object) -> None:
            used.add(node.name.value)

    visit(document, Uses())
    return used


def test_graphql_core_builds_the_tools_sdl_on_its_own() -> None:
    # WHEN a tool that knows nothing of AppSync builds the tools SDL
    built = build_schema(TOOLS_FILE.read_text())
    # THEN it is the API: query, mutation and subscription roots
    assert built.query_type is not None
    assert built.mutation_type is not None
    assert built.subscription_type is not None


def test_the_tools_sdl_has_the_same_types_and_fields_as_appsyncs() -> None:
    # GIVEN schema.graphql as AppSync builds it (its scalars and directives predeclared) and the tools SDL
    for_appsync = build_schema(DIRECTIVES_PRELUDE + SCALARS_PRELUDE + SDL_FILE.read_text())
    for_tools = build_schema(TOOLS_FILE.read_text())
    unused_scalars = set(appsync.SCALARS) - set(for_tools.type_map)
    # THEN both have the same types, each with the same fields, arguments, types and descriptions
    assert set(for_tools.type_map) == set(for_appsync.type_map) - unused_scalars
    for name, gql_type in for_tools.type_map.items():
        assert print_type(gql_type) == print_type(for_appsync.type_map[name]), name
    # AND, past the declarations, the same definitions with the same directives applied in the same places
    declarations = ScalarTypeDefinitionNode | DirectiveDefinitionNode
    tools_rest = [print_ast(d) for d in parse(TOOLS_FILE.read_text()).definitions if not isinstance(d, declarations)]
    assert tools_rest == [print_ast(d) for d in parse(SDL_FILE.read_text()).definitions]


def test_the_tools_sdl_declares_exactly_the_appsync_directives_and_scalars_schema_graphql_uses() -> None:
    used = _names_used(parse(SDL_FILE.read_text())) & {*appsync.SCALARS, *appsync.DIRECTIVES}
    declared = _definitions(parse(TOOLS_FILE.read_text()))
    # THEN every @aws_* directive and AWS scalar schema.graphql uses is declared, and nothing else
    assert {"aws_api_key", "aws_cognito_user_pools", "aws_iam", "aws_subscribe", "AWSDateTime", "AWSEmail"} <= used
    assert set(declared) == used
    # AND each declaration is AppSync's (arguments, their types, locations)
    builtins = _definitions(parse(appsync.BUILT_INS))
    for name, definition in declared.items():
        assert print_ast(definition) == print_ast(builtins[name]), name


def test_the_strawberry_directives_declare_appsyncs_arguments_and_locations() -> None:
    # GIVEN the directive classes the schema module writes its types with, as strawberry declares them
    strawberry_declared = {
        n: d for n, d in _definitions(parse(schema.schema.as_str())).items() if isinstance(d, DirectiveDefinitionNode)
    }
    builtins = _definitions(parse(appsync.BUILT_INS))

    def shape(definition: DirectiveDefinitionNode) -> tuple[object, ...]:
        arguments = tuple((a.name.value, print_ast(a.type)) for a in definition.arguments or ())
        return arguments, tuple(sorted(loc.value for loc in definition.locations))

    # THEN each has AppSync's arguments (names as AppSync spells them, types) and locations
    assert strawberry_declared
    for name, definition in strawberry_declared.items():
        expected = builtins[name]
        assert isinstance(expected, DirectiveDefinitionNode)
        assert shape(definition) == shape(expected), name


def test_a_cognito_groups_restriction_keeps_appsyncs_spelling_of_the_argument() -> None:
    # GIVEN a field the strawberry directive class restricts to a group
    @strawberry.type
    class Query:
        x: int = strawberry.field(directives=[CognitoUserPools(cognito_groups=["admins"])], default=1)

    # THEN the SDL spells the argument as AppSync declares it (strawberry would camel-case it)
    assert '@aws_cognito_user_pools(cognito_groups: ["admins"])' in strawberry.Schema(query=Query).as_str()


def test_the_codegen_config_reads_the_tools_sdl_and_maps_every_appsync_scalar() -> None:
    config = yaml.safe_load((ROOT / "codegen.yml").read_text())
    assert config["schema"] == TOOLS_FILE.name
    for target in config["generates"].values():
        scalars = target["config"]["scalars"]
        # THEN every AppSync scalar has the TypeScript type of its JSON value: numbers for AWSTimestamp
        assert set(scalars) == set(appsync.SCALARS)
        assert {k: v for k, v in scalars.items() if v != "string"} == {"AWSTimestamp": "number"}
        assert target["config"]["strictScalars"] is True
