"""A synthesised stage and lookups into its template, and what the schema declares that the template must
follow (a module of its own: test files import it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLObjectType

import schema
from infra.definitions import StageConfig
from schema.directives import Iam


def every_arn(service: str, resource: str) -> dict[str, Any]:
    """The ARN of every `resource` of `service` in the stack's account and region, as the template has it."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":{service}:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":{resource}/*",
            ],
        ]
    }


def declared_iam_only_mutations() -> list[str]:
    """The mutations only the back end may call, read from the strawberry definitions (not from the SDL
    text infra reads): those declared with the IAM directive and no other. Sorted."""
    mutation = schema.schema._schema.type_map["Mutation"]
    assert isinstance(mutation, GraphQLObjectType)
    return sorted(
        name
        for name, field in mutation.fields.items()
        if [type(d) for d in field.extensions["strawberry-definition"].directives] == [Iam]
    )


@dataclass(frozen=True)
class Synth:
    config: StageConfig
    template: Any  # aws_cdk.assertions.Template, imported lazily so collecting tests starts no Node
    asset_root: Path
    # aws_cdk.assertions.Annotations of the stack (cdk-nag's findings among them); lazily imported, as above.
    annotations: Any = None

    def resources(self, type_name: str) -> dict[str, dict[str, Any]]:
        return self.template.find_resources(type_name)

    def properties(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {k: v.get("Properties", {}) for k, v in self.resources(type_name).items()}

    def only(self, type_name: str) -> dict[str, Any]:
        found = list(self.resources(type_name).values())
        assert len(found) == 1, f"expected one {type_name}, found {len(found)}"
        return found[0]

    def only_id(self, type_name: str) -> str:
        """The logical id of the one resource of that type."""
        found = list(self.resources(type_name))
        assert len(found) == 1, f"expected one {type_name}, found {len(found)}"
        return found[0]

    def id_with_prefix(self, type_name: str, prefix: str) -> str:
        """The logical id of the one resource of that type whose id starts with `prefix` (its construct
        path: CDK appends a hash)."""
        found = [logical_id for logical_id in self.resources(type_name) if logical_id.startswith(prefix)]
        assert len(found) == 1, f"expected one {type_name} with id {prefix}*, found {found}"
        return found[0]
