"""Domain errors. The class name is the GraphQL `errorType` clients see; the message is safe to show.

Resolvers let these propagate (AppSync turns a Lambda error into `errorType` = class name). Anything
that is not a `DomainError` is an internal failure and is replaced by `InternalFailure` in one place
(`resolvers.app.handler`), so internals never reach clients.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: an error the caller can act on."""


class ValidationError(DomainError):
    """Input was refused. `field` names the offending input (for example `input.color` or `limit`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InvalidNextToken(DomainError):
    def __init__(self) -> None:
        super().__init__("nextToken is invalid, expired, or belongs to another query or caller")


class NotFound(DomainError):
    pass


class NotProvisioned(DomainError):
    """The caller has no channel yet: call createResources first."""

    def __init__(self) -> None:
        super().__init__("this account has no channel yet; call createResources first")


class Conflict(DomainError):
    """The operation lost a race it cannot resolve by itself; retrying is safe."""


class Unauthenticated(DomainError):
    def __init__(self) -> None:
        super().__init__("this operation needs a signed-in user")


class Unauthorized(DomainError):
    """The token is genuine but its account is deleted, being deleted, or disabled. AppSync checks only a
    token's signature and expiry, so a token outlives its account by up to its validity: every call
    that reads or writes the caller's records refuses it (the same `errorType` AppSync's own denials carry)."""

    def __init__(self) -> None:
        super().__init__("this account has been deleted or disabled")


class InternalFailure(DomainError):
    def __init__(self, request_id: str) -> None:
        super().__init__(f"An internal failure occurred (request {request_id}).")


class Forbidden(DomainError):
    """The caller may not do this (for example: a viewer banned from the channel's chat)."""


class ProductSearchThrottled(DomainError):
    """The Product Advertising API quota (1 request/second on new accounts) is used up for now."""

    def __init__(self) -> None:
        super().__init__("product search is busy; try again in a few seconds")


class ProductSearchFailed(DomainError):
    """Product search could not be done; details are logged, never shown (they may name the secret)."""

    def __init__(self) -> None:
        super().__init__("product search is unavailable right now")
