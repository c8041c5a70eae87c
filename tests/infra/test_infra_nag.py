"""Static checks of every synthesised stage: cdk-nag's AWS Solutions rules (every finding fixed or
suppressed with a reason, see infra.nag) and cfn-lint over the CloudFormation template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.checks import cfn_lint_errors, check_assembly
from infra.nag import apply_checks
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
    assert cfn_lint_errors(each_stage.template.to_json()) == []


def test_the_check_make_synth_runs_fails_a_stack_with_a_finding_or_a_lint_error(tmp_path: Path) -> None:
    from aws_cdk import App, CfnResource, Stack
    from aws_cdk import aws_s3 as s3

    # GIVEN an app with the project's rule pack: a stack with a bucket nothing suppresses, one with a
    # resource cfn-lint rejects, and a clean one
    app = App(outdir=str(tmp_path))
    apply_checks(app)
    s3.Bucket(Stack(app, "Unsuppressed"), "Bucket")
    CfnResource(Stack(app, "Invalid"), "Queue", type="AWS::SQS::Queue", properties={"DelaySeconds": "soon"})
    CfnResource(Stack(app, "Clean"), "Topic", type="AWS::SNS::Topic", properties={"KmsMasterKeyId": "alias/aws/sns"})

    # WHEN the assembly is checked
    results = check_assembly(app.synth())

    # THEN the findings name their rule and resource, and only the clean stack passes
    assert any(p.startswith("/Unsuppressed/Bucket/Resource: AwsSolutions-S1") for p in results["Unsuppressed"])
    assert any(p.startswith("E") and "DelaySeconds" in p for p in results["Invalid"])
    assert results["Clean"] == []
