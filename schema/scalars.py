"""AppSync's built-in scalars (the exported SDL uses them without declaring them; `schema.appsync` declares
them for everyone else).

Plain `NewType`s for type checkers; `SCALAR_MAP` tells strawberry their GraphQL names.
"""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from schema import appsync

AWSDateTime = NewType("AWSDateTime", str)
AWSJSON = NewType("AWSJSON", object)
AWSURL = NewType("AWSURL", str)
AWSEmail = NewType("AWSEmail", str)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    scalar: strawberry.scalar(name=scalar.__name__) for scalar in (AWSDateTime, AWSJSON, AWSURL, AWSEmail)
}

APPSYNC_SCALARS = frozenset(appsync.SCALARS)
