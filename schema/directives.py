"""AppSync's built-in directives, declared for strawberry so the code-first schema can carry them.

AppSync defines these itself: the exported SDL applies them but never declares them (see `schema.sdl`). Their
names, arguments and locations are AppSync's (`schema.appsync`; a test holds the two together).
"""

from __future__ import annotations

import strawberry
from strawberry.schema_directive import Location

_WHERE = [Location.OBJECT, Location.FIELD_DEFINITION]
_WHERE_AND_INPUTS = [*_WHERE, Location.INPUT_OBJECT]


@strawberry.schema_directive(locations=_WHERE, name="aws_api_key")
class ApiKey:
    """Anonymous callers with the API key."""


@strawberry.schema_directive(locations=_WHERE_AND_INPUTS, name="aws_iam")
class Iam:
    """Callers signing with AWS SigV4 (the project's own back end)."""


@strawberry.schema_directive(locations=_WHERE_AND_INPUTS, name="aws_cognito_user_pools")
class CognitoUserPools:
    """Signed-in users of the Cognito user pool."""

    # AppSync spells the argument in snake case; strawberry would camel-case it.
    cognito_groups: list[str | None] | None = strawberry.directive_field(
        name="cognito_groups", default=strawberry.UNSET
    )


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION], name="aws_subscribe")
class Subscribe:
    """A subscription field fed by these mutations."""

    mutations: list[str | None] | None


# The access rules the API uses, named once.
PUBLIC = (ApiKey(), CognitoUserPools())
USER = (CognitoUserPools(),)
BACKEND = (Iam(),)
