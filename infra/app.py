"""The CDK app: `python -m infra.app [-c stage=dev|prod | --all]`, or `cdk synth|deploy -c stage=...`.

Run by the CDK CLI (cdk.json `app`), it gets cdk.json's context from the CLI; run directly, it reads
cdk.json itself and writes the cloud assembly to cdk.out/, so `make synth` needs no Node CLI.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import App

from infra.bundle import BundleError, bundle_functions, deps_enabled
from infra.config import PROJECT_ROOT, ConfigError, file_context, load_stage_config
from infra.definitions import DEPLOY_FUNCTIONS, FUNCTIONS, stack_name
from infra.nag import apply_checks
from infra.stack import UgcStack

BUILD_ROOT = PROJECT_ROOT / "build" / "lambda"
SCHEMA_FILE = PROJECT_ROOT / "schema.graphql"


def _context_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.app", description=__doc__)
    parser.add_argument(
        "-c",
        "--context",
        type=_context_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="context value, as with the CDK CLI (e.g. -c stage=prod)",
    )
    parser.add_argument("--all", action="store_true", help="synthesise every stage cdk.json defines")
    parser.add_argument(
        "--check",
        action="store_true",
        help="fail unless every stack passes cdk-nag's AWS Solutions rules and cfn-lint (needs the dev extras)",
    )
    args = parser.parse_args(argv)

    # cdk.json's context is the default; the CLI's own context (CDK_CONTEXT_JSON) overrides it.
    context = {**file_context(), **dict(args.context)}
    # Without the CLI, CDK would synthesise into a temporary folder; the CLI sets CDK_OUTDIR itself.
    outdir = None if os.environ.get("CDK_OUTDIR") else str(PROJECT_ROOT / "cdk.out")
    app = App(context=context, outdir=outdir)
    # cdk-nag's AWS Solutions rules over every stage: an unsuppressed finding fails the synth.
    apply_checks(app)
    try:
        stages = list(_stage_names(app)) if args.all else [None]
        for stage in stages:
            build(app, install_deps=deps_enabled(os.environ), stage=stage)
    except (ConfigError, BundleError, FileNotFoundError) as exc:
        # A configuration mistake, not a bug: the message names what to fix, a traceback would bury it.
        raise SystemExit(f"error: {exc}") from None
    assembly = app.synth()
    if args.check:
        _check(assembly)


def _check(assembly: object) -> None:
    from infra.checks import check_assembly

    failed = False
    for stack, problems in check_assembly(assembly).items():
        for problem in problems:
            print(f"{stack}: {problem}")
        print(f"{stack}: {'FAILED' if problems else 'passes cdk-nag and cfn-lint'}")
        failed = failed or bool(problems)
    if failed:
        raise SystemExit(1)


def _stage_names(app: App) -> list[str]:
    stages = app.node.try_get_context("stages")
    if not isinstance(stages, dict) or not stages:
        raise ConfigError("context.stages: missing or empty (is cdk.json at the project root?)")
    return list(stages)


def build(app: App, *, install_deps: bool, build_root: Path = BUILD_ROOT, stage: str | None = None) -> UgcStack:
    """A stage (by default the one the app's context names): its Lambda assets bundled, its stack added
    to `app`."""
    if not SCHEMA_FILE.is_file():
        raise FileNotFoundError(f"{SCHEMA_FILE} is missing: run `make schema` (python -m schema) first")
    config = load_stage_config(
        {"stage": stage or app.node.try_get_context("stage"), "stages": app.node.try_get_context("stages")}
    )
    assets = bundle_functions(
        [*FUNCTIONS, *DEPLOY_FUNCTIONS],
        architecture=config.lambda_architecture,
        source_root=PROJECT_ROOT,
        out_root=build_root,
        install_deps=install_deps,
    )
    return UgcStack(app, stack_name(config.stage), config=config, assets=assets, schema_file=SCHEMA_FILE)


if __name__ == "__main__":
    main()
