"""How AppSync resolves a field: metadata on the strawberry field, read by CDK and the emulator.

Most fields are resolved by a Lambda (`lambda_field`). A mutation that exists only to reach its
subscribers has a local resolver (`local_field`): a NONE data source that returns one argument as the
result, so publishing invokes no Lambda.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry

METADATA_KEY = "appsync_resolver"
# The one Lambda data source that serves the GraphQL API (see infra and core registries).
API_FUNCTION = "api"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class LambdaResolver:
    function: str = API_FUNCTION
    # >0 turns on AppSync BatchInvoke: one Lambda call for up to this many sibling fields.
    max_batch_size: int = 0


@dataclass(frozen=True)
class LocalResolver:
    """AppSync's local resolver (NONE data source): the field's result is its `argument`, as sent."""

    argument: str = "input"


def resolved_by_lambda() -> Any:
    """Body of every signature function: strawberry reads the arguments; AppSync calls the Lambda."""
    raise RuntimeError("this field is resolved by its AppSync Lambda data source, not by strawberry")


def lambda_field(*, directives: Sequence[object] = (), max_batch_size: int = 0, description: str | None = None) -> Any:
    """A Lambda-resolved field. Use as `field: T = lambda_field(...)`, or as a decorator on a function
    whose parameters declare the field's arguments."""
    return strawberry.field(
        directives=list(directives),
        description=description,
        metadata={METADATA_KEY: LambdaResolver(max_batch_size=max_batch_size)},
    )


def local_field(*, argument: str = "input", directives: Sequence[object] = (), description: str | None = None) -> Any:
    """A field whose result is its `argument`, unchanged, with no Lambda invoked (AppSync's NONE data source);
    for mutations that only publish to their subscribers. Used as a decorator, like `lambda_field`."""
    return strawberry.field(
        directives=list(directives),
        description=description,
        metadata={METADATA_KEY: LocalResolver(argument=argument)},
    )
