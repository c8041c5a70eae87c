"""What AppSync defines itself: its scalars and its directives, declared here once.

AppSync refuses a schema that declares them, so `schema.graphql` only uses them. Every other GraphQL tool
(graphql-js `buildSchema`, graphql-core, graphql-codegen, IDE plugins) refuses a schema that uses them
undeclared, so `schema.tools.graphql` and the local AppSync put these declarations in front of it.

The directive locations and arguments are those of AppSync's own introspection export
(`get-introspection-schema --include-directives`); the descriptions are ours.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import DirectiveDefinitionNode, DocumentNode, ScalarTypeDefinitionNode, parse, print_ast

BUILT_INS = '''
"""A calendar date, `YYYY-MM-DD`, with an optional offset (`Z`, `±hh:mm`, `±hh:mm:ss`)"""
scalar AWSDate

"""A time of day, `hh:mm`, `hh:mm:ss` or `hh:mm:ss.f` (1 to 9 digits), with an optional offset"""
scalar AWSTime

"""An ISO 8601 date and time, `YYYY-MM-DDThh:mm[:ss[.f]]`, with a required offset (`Z`, `±hh:mm`, `±hh:mm:ss`)"""
scalar AWSDateTime

"""Seconds since 1970-01-01T00:00Z, as an integer (not limited to 32 bits)"""
scalar AWSTimestamp

"""An e-mail address, `local@domain`"""
scalar AWSEmail

"""A JSON value, sent and received as a string holding JSON"""
scalar AWSJSON

"""A URL with a scheme (`https:`, `mailto:` ...)"""
scalar AWSURL

"""A phone number: digits, optionally a leading `+country`, groups separated by spaces or hyphens"""
scalar AWSPhone

"""An IPv4 or IPv6 address, optionally with a `/prefix`"""
scalar AWSIPAddress

"""Callers with the API's API key may read this type or field"""
directive @aws_api_key on OBJECT | FIELD_DEFINITION

"""Callers signing with AWS SigV4 (IAM) may read this type or field"""
directive @aws_iam on OBJECT | FIELD_DEFINITION | INPUT_OBJECT

"""Signed-in users of the Cognito user pool may read this type or field"""
directive @aws_cognito_user_pools(
  """Only users in at least one of these groups (all users when left out)"""
  cognito_groups: [String]
) on OBJECT | FIELD_DEFINITION | INPUT_OBJECT

"""Callers with a token of the OpenID Connect provider may read this type or field"""
directive @aws_oidc on OBJECT | FIELD_DEFINITION

"""Callers the Lambda authorizer admits may read this type or field"""
directive @aws_lambda on OBJECT | FIELD_DEFINITION

"""Cognito user pool access (legacy form; only when Cognito is the API's one auth mode)"""
directive @aws_auth(
  """Only users in at least one of these groups"""
  cognito_groups: [String]
) on FIELD_DEFINITION

"""This subscription field receives the results of these mutations"""
directive @aws_subscribe(
  """The Mutation fields whose results it receives"""
  mutations: [String]
) on FIELD_DEFINITION
'''

_DEFINITIONS = {
    d.name.value: d
    for d in parse(BUILT_INS).definitions
    if isinstance(d, ScalarTypeDefinitionNode | DirectiveDefinitionNode)
}

SCALARS: tuple[str, ...] = tuple(n for n, d in _DEFINITIONS.items() if isinstance(d, ScalarTypeDefinitionNode))
DIRECTIVES: tuple[str, ...] = tuple(n for n, d in _DEFINITIONS.items() if isinstance(d, DirectiveDefinitionNode))


def declarations(names: Iterable[str]) -> str:
    """The SDL declaring those of AppSync's scalars and directives that `names` lists (others are ignored),
    directives first, each group in a fixed order."""
    wanted = set(names)
    chosen = [_DEFINITIONS[n] for n in (*DIRECTIVES, *SCALARS) if n in wanted]
    return print_ast(DocumentNode(definitions=tuple(chosen))) + "\n" if chosen else ""


PRELUDE = declarations(_DEFINITIONS)
