"""The checks every synthesised stage must pass, shared by `make synth` (`python -m infra.app --check`)
and the tests: cdk-nag's findings, which it leaves on the stack as error and warning annotations (the
CDK CLI fails a synth on errors; a direct run of the app would not), and cfn-lint's errors on the
template. cfn-lint is a development dependency, imported only when a check runs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

NAG_PREFIX = "AwsSolutions-"
LINT_REGIONS = ("us-east-1",)


def nag_findings(messages: Iterable[Any]) -> list[str]:
    """cdk-nag's unsuppressed findings among a stack artifact's synthesis messages, as `path: finding`."""
    found = []
    for message in messages:
        data = str(message.entry.data)
        if data.startswith(NAG_PREFIX) and message.level.name in {"ERROR", "WARNING"}:
            found.append(f"{message.id}: {data}")
    return found


def cfn_lint_errors(template: Mapping[str, Any], regions: Iterable[str] = LINT_REGIONS) -> list[str]:
    """cfn-lint's errors (rule ids E...) on a template. Warnings (W...) and informational findings (I...)
    are advice, e.g. W3005 on the DependsOn CDK writes alongside an implicit reference."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), config=ManualArgs(regions=list(regions)))
    return [f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in matches if m.rule.id.startswith("E")]


def check_assembly(assembly: Any) -> dict[str, list[str]]:
    """Every stack of a cloud assembly with what fails it (empty lists when it passes)."""
    results = {}
    for stack in assembly.stacks:
        template = json.loads(Path(stack.template_full_path).read_text())
        results[stack.stack_name] = nag_findings(stack.messages) + cfn_lint_errors(template)
    return results
