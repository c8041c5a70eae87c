"""The AppSync options a stage sets in cdk.json (apiQueryDepthLimit, apiResolverCountLimit,
apiIntrospection, apiLogLevel, apiXray): validated by infra.config, applied by infra.constructs.api."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, file_context, load_stage_config, stage_config
from infra.definitions import StageConfig
from tests.infra.infra_synth import Synth


def test_defaults_limit_depth_and_resolvers_and_log_errors() -> None:
    # GIVEN a stage that sets none of the API options
    config = stage_config("qa", {})

    # THEN safe limits (README: options), introspection on, errors logged, no tracing
    assert (config.api_query_depth_limit, config.api_resolver_count_limit) == (10, 500)
    assert config.api_introspection
    assert (config.api_log_level, config.api_xray) == ("ERROR", False)


def test_cdk_json_turns_introspection_off_and_tracing_on_in_prod_only() -> None:
    context = file_context()
    dev = load_stage_config({**context, "stage": "dev"})
    prod = load_stage_config({**context, "stage": "prod"})

    assert dev.api_introspection and not prod.api_introspection
    assert prod.api_xray and not dev.api_xray


def test_options_are_read_into_the_stage_config() -> None:
    config = stage_config(
        "qa",
        {
            "apiQueryDepthLimit": 8,
            "apiResolverCountLimit": 200,
            "apiIntrospection": False,
            "apiLogLevel": "ALL",
            "apiXray": True,
        },
    )

    assert (config.api_query_depth_limit, config.api_resolver_count_limit) == (8, 200)
    assert (config.api_introspection, config.api_log_level, config.api_xray) == (False, "ALL", True)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("apiQueryDepthLimit", 76),
        ("apiQueryDepthLimit", -1),
        ("apiQueryDepthLimit", True),
        ("apiResolverCountLimit", 10001),
        ("apiResolverCountLimit", "100"),
        ("apiIntrospection", "false"),
        ("apiLogLevel", "error"),
        ("apiLogLevel", "INFO"),
        ("apiXray", 1),
    ],
)
def test_out_of_range_options_fail_naming_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"context\.stages\.qa\.{key}: expected"):
        stage_config("qa", {key: value})


def _api(synth: Synth) -> dict[str, Any]:
    return synth.only("AWS::AppSync::GraphQLApi")["Properties"]


def test_each_stage_applies_its_api_options(each_stage: Synth) -> None:
    config: StageConfig = each_stage.config
    api = _api(each_stage)

    assert api["IntrospectionConfig"] == ("ENABLED" if config.api_introspection else "DISABLED")
    assert api.get("XrayEnabled", False) is config.api_xray
    assert api["LogConfig"]["FieldLogLevel"] == config.api_log_level
    assert api["LogConfig"]["ExcludeVerboseContent"] is True
    # 0 (no limit) leaves the property out: AppSync's default.
    assert api.get("QueryDepthLimit", 0) == config.api_query_depth_limit
    assert api.get("ResolverCountLimit", 0) == config.api_resolver_count_limit


def test_limits_reach_the_template(full: Synth) -> None:
    """A stage with limits set (cdk.json's stages set none) writes them on the API."""
    props = _api(full)

    assert (props["QueryDepthLimit"], props["ResolverCountLimit"]) == (8, 200)
    assert props["LogConfig"]["FieldLogLevel"] == "ALL"
