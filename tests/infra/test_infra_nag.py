"""Static checks of every synthesised stage: cdk-nag's AWS Solutions rules (every finding fixed or
suppressed with a reason, see infra.nag) and cfn-lint over the CloudFormation template."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.infra_synth import Synth

NAG_FINDING = "AwsSolutions-.*"


def _nag_messages(found: list[Any]) -> list[str]:
    return [f"{m.id}: {m.entry.data}" for m in found]


def test_no_unsuppressed_nag_errors(each_stage: Synth) -> None:
    from aws_cdk.assertions import Match

    errors = each_stage.annotations.find_error("*", Match.string_like_regexp(NAG_FINDING))
    assert _nag_messages(errors) == []


def test_no_unsuppressed_nag_warnings(each_stage: Synth) -> None:
    from aws_cdk.assertions import Match

    warnings = each_stage.annotations.find_warning("*", Match.string_like_regexp(NAG_FINDING))
    assert _nag_messages(warnings) == []


def _suppressions(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every cdk-nag suppression the template records: (where, suppression)."""
    found = [("stack", s) for s in template.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])]
    for logical_id, resource in template.get("Resources", {}).items():
        for s in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            found.append((logical_id, s))
    return found


def test_every_suppression_has_a_reason(each_stage: Synth) -> None:
    suppressions = _suppressions(each_stage.template.to_json())
    assert suppressions, "expected the suppressions of infra.nag in the template"
    for where, suppression in suppressions:
        assert str(suppression.get("id", "")).startswith("AwsSolutions-"), (where, suppression)
        assert str(suppression.get("reason", "")).strip(), f"{where}: {suppression['id']} has no reason"


def test_suppressions_are_resource_scoped_where_they_can_be(each_stage: Synth) -> None:
    """Only the IAM and runtime findings (on roles and functions CDK generates per function) are stack-wide."""
    stack_wide = {s["id"] for where, s in _suppressions(each_stage.template.to_json()) if where == "stack"}
    assert stack_wide == {"AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-L1"}


def test_cfn_lint_finds_no_errors(each_stage: Synth) -> None:
    from cfnlint.api import ManualArgs, lint

    matches = lint(
        json.dumps(each_stage.template.to_json()),
        config=ManualArgs(regions=["us-east-1"]),
    )
    # Errors only (rule ids E...): warnings (W...) and informational findings (I...) are advice, e.g. W3005
    # on DependsOn that CDK writes alongside an implicit reference.
    errors = [f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
