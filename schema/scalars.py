"""AppSync's built-in scalars (the exported SDL uses them without declaring them)."""

from __future__ import annotations

from typing import NewType

import strawberry

AWSDateTime = strawberry.scalar(NewType("AWSDateTime", str), description="ISO 8601 date-time with offset")
AWSJSON = strawberry.scalar(NewType("AWSJSON", object), description="A JSON value, sent as a string")
AWSURL = strawberry.scalar(NewType("AWSURL", str), description="A URL with a scheme")
AWSEmail = strawberry.scalar(NewType("AWSEmail", str), description="An e-mail address")

APPSYNC_SCALARS = frozenset({"AWSDateTime", "AWSDate", "AWSTime", "AWSTimestamp", "AWSJSON", "AWSURL",
                             "AWSEmail", "AWSPhone", "AWSIPAddress"})  # fmt: skip
