"""What the deployed SDL says about who may call a field, for grants that must follow it.

No aws_cdk import: this reads the SDL text with graphql-core only, so it is testable without Node.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql import DirectiveNode, ObjectTypeDefinitionNode, ObjectTypeExtensionNode, parse

from infra.definitions import AuthMode

# AppSync's auth directives, by the mode each admits (`aws_auth` is the older Cognito spelling).
AUTH_DIRECTIVES: dict[str, str] = {
    "aws_api_key": "API_KEY",
    "aws_iam": "AWS_IAM",
    "aws_cognito_user_pools": "AMAZON_COGNITO_USER_POOLS",
    "aws_auth": "AMAZON_COGNITO_USER_POOLS",
    "aws_oidc": "OPENID_CONNECT",
    "aws_lambda": "AWS_LAMBDA",
}


def _modes(directives: Sequence[DirectiveNode] | None) -> frozenset[str]:
    return frozenset(AUTH_DIRECTIVES[d.name.value] for d in directives or () if d.name.value in AUTH_DIRECTIVES)


def iam_only_fields(sdl: str, type_name: str, *, default_auth: AuthMode) -> tuple[str, ...]:
    """The fields of `type_name` that only IAM callers may use, sorted.

    AppSync's rule: a field's own auth directives replace its type's, and a field with neither is open to
    the API's default mode only. So a field is IAM-only when that effective set is exactly {AWS_IAM}:
    `publishX: T @aws_iam` is; `createX: T @aws_iam @aws_cognito_user_pools` is not (users may call it too).
    """
    # The type and any `extend type` of it: directives on either apply to the whole type.
    nodes = [
        d
        for d in parse(sdl).definitions
        if isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode) and d.name.value == type_name
    ]
    type_modes = frozenset().union(*(_modes(node.directives) for node in nodes))
    found = {
        field.name.value
        for node in nodes
        for field in node.fields or ()
        if (_modes(field.directives) or type_modes or {default_auth}) == {"AWS_IAM"}
    }
    return tuple(sorted(found))
