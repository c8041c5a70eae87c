"""Synthesise each stage once per session (jsii starts Node, which costs seconds), dependencies not bundled."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import file_context, load_stage_config
from tests.infra.infra_synth import Synth

STAGES = ("dev", "prod", "full")
# cdk.json's stages, plus one that turns on every optional feature (so nag, cfn-lint and the template
# tests see those resources too): product search, a WAF rate limit, a stage-wide batch size, AppSync's
# query limits and full logging, a rotated playback key, alarms with an e-mail, x86_64.
FULL_STAGE = {
    "recording": True,
    "recordingThumbnailIntervalSeconds": 10,
    "recordingRenditions": ["HD", "SD"],
    "recordingRetentionDays": 90,
    "playbackAllowedOrigins": ["https://app.example.com", "https://admin.example.com"],
    "playbackAllowedCountries": ["US", "GB"],
    "playbackStrictOrigin": True,
    "enableAmazonProductStreamAction": True,
    "productApiLocale": "United Kingdom",
    "productLinkRegionCode": "21",
    "wafRateLimit": 2000,
    "apiMaxBatchSize": 100,
    "playbackKeyVersion": 2,
    "alarms": True,
    "alarmEmail": "ops@example.com",
    "lambdaArchitecture": "x86_64",
    "apiQueryDepthLimit": 8,
    "apiResolverCountLimit": 200,
    "apiLogLevel": "ALL",
    "retainData": True,
    "logRetentionDays": 30,
}


def synth_context() -> dict[str, Any]:
    context = file_context()
    stages = context["stages"]
    return {**context, "stages": {**stages, "full": {**stages["dev"], **FULL_STAGE}}}


@pytest.fixture(scope="session")
def synths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synth]:
    from aws_cdk import App
    from aws_cdk.assertions import Annotations, Template

    from infra.app import build
    from infra.nag import apply_checks

    # Both stages in one app, as `python -m infra.app --all` builds them.
    context = synth_context()
    app = App(context=context, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    # As infra.app.main does: cdk-nag's AWS Solutions rules over every stage.
    apply_checks(app)
    build_root = tmp_path_factory.mktemp("lambda")
    stacks = {stage: build(app, install_deps=False, build_root=build_root, stage=stage) for stage in STAGES}
    # Templates only once every stack is in: reading one synthesises the app, which then stays frozen.
    return {
        stage: Synth(
            config=load_stage_config({**context, "stage": stage}),
            template=Template.from_stack(stack),
            annotations=Annotations.from_stack(stack),
            asset_root=build_root,
        )
        for stage, stack in stacks.items()
    }


@pytest.fixture(scope="session")
def dev(synths: dict[str, Synth]) -> Synth:
    return synths["dev"]


@pytest.fixture(scope="session")
def prod(synths: dict[str, Synth]) -> Synth:
    return synths["prod"]


@pytest.fixture(scope="session")
def full(synths: dict[str, Synth]) -> Synth:
    return synths["full"]


@pytest.fixture(params=STAGES)
def each_stage(request: pytest.FixtureRequest, synths: dict[str, Synth]) -> Synth:
    return synths[request.param]
