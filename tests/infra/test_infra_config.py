"""Per-stage config: cdk.json's stages load into StageConfig; mistakes fail naming the key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.settings import ChannelType
from infra.config import ConfigError, file_context, load_stage_config, stage_config
from infra.definitions import StageConfig


def test_cdk_json_defines_dev_and_prod_with_their_channel_types_and_retention() -> None:
    # GIVEN the project's cdk.json
    context = file_context()

    # WHEN loading each stage
    dev = load_stage_config({**context, "stage": "dev"})
    prod = load_stage_config({**context, "stage": "prod"})

    # THEN dev streams on BASIC channels and keeps logs a week; prod STANDARD, a year
    assert (dev.stage, dev.ivs_channel_type, dev.log_retention_days) == ("dev", ChannelType.BASIC, 7)
    assert (prod.stage, prod.ivs_channel_type, prod.log_retention_days) == ("prod", ChannelType.STANDARD, 365)
    assert prod.retain_data and not dev.retain_data


def test_cdk_json_confirms_sign_ups_at_once_only_in_dev_and_prod_links_use_https() -> None:
    # GIVEN the project's cdk.json
    context = file_context()

    # WHEN loading each stage
    dev = load_stage_config({**context, "stage": "dev"})
    prod = load_stage_config({**context, "stage": "prod"})

    # THEN dev skips the e-mailed code and links to the local frontend; prod does neither
    assert dev.enable_user_auto_verify and not prod.enable_user_auto_verify
    assert dev.client_base_url == "http://localhost:3000"
    assert prod.client_base_url.startswith("https://")
    # AND neither restricts sign-up domains
    assert dev.sign_up_allowed_domains == prod.sign_up_allowed_domains == ()


def test_stage_defaults_to_dev() -> None:
    # GIVEN a context naming no stage
    context: dict[str, object] = {"stages": {"dev": {}, "prod": {}}}

    # WHEN loading
    config = load_stage_config(context)

    # THEN dev is chosen
    assert config.stage == "dev"


def test_keys_left_out_take_the_stage_config_defaults() -> None:
    # GIVEN an empty stage object
    # WHEN loading it
    config = stage_config("dev", {})

    # THEN every field is StageConfig's default
    assert config == StageConfig(stage="dev")


def test_unknown_stage_is_refused_naming_the_known_ones() -> None:
    # GIVEN a stage cdk.json does not define
    context = {"stage": "qa", "stages": {"dev": {}, "prod": {}}}

    # WHEN loading / THEN the error names it and the defined stages
    with pytest.raises(ConfigError, match=r"unknown stage 'qa' \(cdk.json defines: dev, prod\)"):
        load_stage_config(context)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ivsChannelType", "PREMIUM"),
        ("apiKeyExpiryDays", 366),
        ("apiKeyExpiryDays", 0),
        ("apiKeyExpiryDays", True),
        ("logRetentionDays", 8),
        ("logRetentionDays", "7"),
        ("retainData", "yes"),
        ("lambdaArchitecture", "aarch64"),
        ("lambdaMemoryMb", 64),
        ("logLevel", "TRACE"),
        ("clientBaseUrl", "app.example.com"),
        ("clientBaseUrl", "ftp://app.example.com"),
        ("clientBaseUrl", "https://"),
        ("clientBaseUrl", "https://app.example.com:abc"),
        ("clientBaseUrl", "https://app.example.com/?next=1"),
        ("clientBaseUrl", "https://app.example.com/#top"),
        ("clientBaseUrl", "https://user:pw@app.example.com"),
        ("clientBaseUrl", " https://app.example.com"),
        ("clientBaseUrl", 3000),
        ("enableUserAutoVerify", "true"),
        ("enableUserAutoVerify", 1),
        ("signUpAllowedDomains", "example.com"),
        ("signUpAllowedDomains", ["@example.com"]),
        ("signUpAllowedDomains", ["example"]),
        ("signUpAllowedDomains", ["a.com,b.com"]),
        ("signUpAllowedDomains", [""]),
        ("signUpAllowedDomains", [1]),
    ],
)
def test_bad_value_is_refused_naming_its_full_key(key: str, value: object) -> None:
    # GIVEN a stage with one value AWS (or the project) would refuse
    raw = {key: value}

    # WHEN loading / THEN the error names context.stages.<stage>.<key> and the value
    with pytest.raises(ConfigError, match=rf"^context\.stages\.prod\.{key}: .*got {re.escape(json.dumps(value))}$"):
        stage_config("prod", raw)


def test_client_base_url_and_sign_up_domains_are_normalised() -> None:
    # GIVEN a base URL with a path and trailing slash, and domains in mixed case
    raw = {
        "clientBaseUrl": "https://App.example.com:8443/ugc/",
        "signUpAllowedDomains": ["Example.COM", "mail.example.org"],
    }

    # WHEN loading
    config = stage_config("prod", raw)

    # THEN the URL loses only its trailing slash (links append "/path"), and domains are lowercase
    assert config.client_base_url == "https://App.example.com:8443/ugc"
    assert config.sign_up_allowed_domains == ("example.com", "mail.example.org")


def test_misspelt_key_is_refused_rather_than_ignored() -> None:
    # GIVEN a typo in a key
    raw = {"logRetentionDay": 7}

    # WHEN loading / THEN the error names the key instead of silently using the default
    with pytest.raises(ConfigError, match=r"context\.stages\.dev\.logRetentionDay: unknown key"):
        stage_config("dev", raw)


def test_null_retention_means_never_expire() -> None:
    # GIVEN logRetentionDays null
    # WHEN loading
    config = stage_config("prod", {"logRetentionDays": None})

    # THEN the config keeps logs forever
    assert config.log_retention_days is None


@pytest.mark.parametrize("stage", ["Prod", "dev_1", "", "x" * 21])
def test_stage_names_unusable_in_stack_names_are_refused(stage: str) -> None:
    # GIVEN a stage name CloudFormation or AWS resource names would not take (empty falls back to dev)
    context = {"stage": stage, "stages": {stage: {}, "dev": {}}}

    # WHEN loading
    if not stage:
        assert load_stage_config(context).stage == "dev"
        return
    # THEN it is refused, naming context.stage
    with pytest.raises(ConfigError, match=r"^context\.stage: "):
        load_stage_config(context)


def test_unreadable_cdk_json_is_reported_with_its_path(tmp_path: Path) -> None:
    # GIVEN a broken cdk.json
    path = tmp_path / "cdk.json"
    path.write_text("{not json")

    # WHEN reading its context / THEN the error names the file
    with pytest.raises(ConfigError, match=str(path)):
        file_context(path)
