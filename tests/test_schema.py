"""The schema: the committed SDL is current, AppSync would accept it, and the contract's names exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLObjectType, build_schema, parse
from graphql.language import DirectiveDefinitionNode, ScalarTypeDefinitionNode

import schema
from core.settings import ChannelType, LatencyMode
from emulator.appsync.model import DIRECTIVES_PRELUDE
from emulator.appsync.scalars import PRELUDE as SCALARS_PRELUDE
from infra.definitions import FUNCTIONS

SDL_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_the_committed_sdl_is_what_the_schema_module_generates() -> None:
    # Fails when schema/ changed without `make schema`.
    assert SDL_FILE.read_text() == schema.sdl(), "schema.graphql is stale: run `make schema`"


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
