"""Which fields only IAM callers may use, read from the SDL as AppSync applies its auth directives."""

from __future__ import annotations

import pytest

import schema
from infra.config import PROJECT_ROOT
from infra.definitions import API, AuthMode
from infra.sdl import iam_only_fields
from tests.infra.infra_synth import declared_iam_only_mutations


def test_the_deployed_schemas_iam_only_mutations_are_those_declared_with_iam_alone() -> None:
    # GIVEN the mutations the strawberry definitions give the IAM directive and no other
    declared = declared_iam_only_mutations()
    assert declared, "no IAM-only mutation: the test below would prove nothing"

    # WHEN reading schema.graphql (the file AppSync deploys) and the generated SDL
    # (infra.app.SCHEMA_FILE, named here as the path: importing infra.app would start Node)
    from_file = iam_only_fields(
        (PROJECT_ROOT / "schema.graphql").read_text(), "Mutation", default_auth=API.default_auth
    )
    from_sdl = iam_only_fields(schema.sdl(), "Mutation", default_auth=API.default_auth)

    # THEN both name exactly those, sorted
    assert list(from_file) == list(from_sdl) == declared


SDL = """
type Query { q: Int @aws_iam }
type Mutation @aws_iam {
  inherits: Int
  replaced: Int @aws_cognito_user_pools
  own: Int @aws_iam @deprecated
  shared: Int @aws_iam @aws_api_key
}
extend type Mutation { extended: Int @aws_iam }
type Other { bare: Int }
"""


@pytest.mark.parametrize(
    ("type_name", "default_auth", "expected"),
    [
        # A field's own auth directives replace its type's; other directives do not count; a field IAM
        # shares with another mode is not IAM-only; extensions of the type count too.
        ("Mutation", "AMAZON_COGNITO_USER_POOLS", ("extended", "inherits", "own")),
        # Only the type asked for.
        ("Query", "AMAZON_COGNITO_USER_POOLS", ("q",)),
        # No directive on the field or its type: the API's default mode alone decides.
        ("Other", "AMAZON_COGNITO_USER_POOLS", ()),
        ("Other", "AWS_IAM", ("bare",)),
        ("Missing", "AWS_IAM", ()),
    ],
)
def test_a_field_is_iam_only_when_its_effective_auth_modes_are_iam_alone(
    type_name: str, default_auth: AuthMode, expected: tuple[str, ...]
) -> None:
    # GIVEN fields with every combination of field, type and default auth
    # WHEN listing a type's IAM-only fields / THEN they are those AppSync admits IAM callers alone to
    assert iam_only_fields(SDL, type_name, default_auth=default_auth) == expected
