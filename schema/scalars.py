"""AppSync's built-in scalars (the exported SDL uses them without declaring them).

Plain `NewType`s for type checkers; `SCALAR_MAP` tells strawberry their GraphQL names.
"""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

AWSDateTime = NewType("AWSDateTime", str)
AWSJSON = NewType("AWSJSON", object)
AWSURL = NewType("AWSURL", str)
AWSEmail = NewType("AWSEmail", str)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    AWSDateTime: strawberry.scalar(name="AWSDateTime", description="ISO 8601 date-time with an offset"),
    AWSJSON: strawberry.scalar(name="AWSJSON", description="A JSON value, sent as a string"),
    AWSURL: strawberry.scalar(name="AWSURL", description="A URL with a scheme"),
    AWSEmail: strawberry.scalar(name="AWSEmail", description="An e-mail address"),
}

APPSYNC_SCALARS = frozenset({"AWSDateTime", "AWSDate", "AWSTime", "AWSTimestamp", "AWSJSON", "AWSURL",
                             "AWSEmail", "AWSPhone", "AWSIPAddress"})  # fmt: skip
