"""Settings are validated once, name the variables they miss, and give deployments their environment."""

from __future__ import annotations

import pytest

from core.models import follow_order
from core.settings import RUNTIME_PROVIDED, Settings, SettingsError

ENV = {
    "STAGE": "dev",
    "AWS_REGION": "eu-west-1",
    "TABLE_NAME": "t",
    "USER_POOL_ID": "eu-west-1_x",
    "PAGINATION_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:p",
}


def test_a_complete_environment_validates() -> None:
    settings = Settings.from_env(ENV)
    assert settings.table_name == "t"
    assert settings.ivs_channel_type == "BASIC"


def test_missing_or_invalid_variables_are_named() -> None:
    with pytest.raises(SettingsError, match="TABLE_NAME") as caught:
        Settings.from_env({k: v for k, v in ENV.items() if k != "TABLE_NAME"})
    assert "IVS_CHANNEL_TYPE" not in str(caught.value)
    with pytest.raises(SettingsError, match="IVS_CHANNEL_TYPE"):
        Settings.from_env({**ENV, "IVS_CHANNEL_TYPE": "ULTRA"})


def test_to_env_round_trips_and_leaves_runtime_variables_to_lambda() -> None:
    settings = Settings.from_env(ENV)
    env = settings.to_env()
    assert not RUNTIME_PROVIDED & set(env)
    assert Settings.from_env({**env, "AWS_REGION": "eu-west-1"}) == settings
    assert set(env) | RUNTIME_PROVIDED == Settings.env_names()


def test_follow_order_ranks_live_channels_above_offline_ones() -> None:
    live_old = follow_order("2026-01-01T00:00:00.000Z", "2026-01-05T00:00:00.000Z")
    live_new = follow_order("2026-01-02T00:00:00.000Z", "2025-01-01T00:00:00.000Z")
    offline_recent = follow_order(None, "2026-02-01T00:00:00.000Z")
    offline_old = follow_order(None, "2026-01-01T00:00:00.000Z")
    assert sorted([offline_old, live_old, offline_recent, live_new], reverse=True) == [
        live_new,
        live_old,
        offline_recent,
        offline_old,
    ]
