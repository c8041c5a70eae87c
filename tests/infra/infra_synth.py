"""A synthesised stage and lookups into its template (a module of its own: test files import it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.definitions import StageConfig


@dataclass(frozen=True)
class Synth:
    config: StageConfig
    template: Any  # aws_cdk.assertions.Template, imported lazily so collecting tests starts no Node
    asset_root: Path

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
