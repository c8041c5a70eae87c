"""Root types. Each Lambda-resolved field is a signature: its parameters declare the arguments."""

from __future__ import annotations

import strawberry

from schema.directives import PUBLIC, USER
from schema.lambdas import lambda_field, resolved_by_lambda
from schema.types import Account, Channel, ChannelConnection, PreferencesInput


@strawberry.type
class Query:
    @lambda_field(directives=USER, description="The caller's account; null before first provisioning")
    def me(self) -> Account | None:
        return resolved_by_lambda()

    @lambda_field(directives=PUBLIC, description="A channel page; null when there is no such user")
    def channel(self, username: str) -> Channel | None:
        return resolved_by_lambda()

    @lambda_field(directives=PUBLIC, description="Live channels, newest start first, at most 50 a page")
    def live_channels(
        self, limit: int | None = strawberry.UNSET, next_token: str | None = strawberry.UNSET
    ) -> ChannelConnection:
        return resolved_by_lambda()

    @lambda_field(
        directives=USER,
        description="Followed channels: live ones first by newest start, then offline ones by newest follow",
    )
    def following(
        self, limit: int | None = strawberry.UNSET, next_token: str | None = strawberry.UNSET
    ) -> ChannelConnection:
        return resolved_by_lambda()


@strawberry.type
class Mutation:
    @lambda_field(directives=USER, description="Provision the caller's channel; idempotent")
    def create_resources(self) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Change color and/or avatar presets")
    def update_preferences(self, input: PreferencesInput) -> Account:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Follow a channel; idempotent")
    def follow(self, username: str) -> Channel:
        return resolved_by_lambda()

    @lambda_field(directives=USER, description="Stop following a channel; idempotent")
    def unfollow(self, username: str) -> Channel:
        return resolved_by_lambda()
