"""Per-stage configuration: `cdk.json` `context.stages.<stage>`, validated into a `StageConfig`.

The stage is picked with `-c stage=dev|prod` (default dev). Every key is checked here, once, so a
typo or a value AWS would refuse fails at synth time with the key's full path in the message instead
of half-way through a deployment. No aws_cdk import: the local stack may read the same file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.products import LOCALES
from core.settings import ChannelType
from infra.definitions import StageConfig

DEFAULT_STAGE = "dev"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = PROJECT_ROOT / "cdk.json"

# The only retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ARCHITECTURES = ("x86_64", "arm64")
API_LOG_LEVELS = ("NONE", "ERROR", "ALL")
# A stage names the stack (UGC-<stage>) and AWS resources, so keep it to what all of them accept.
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
# A DNS name of at least two labels (what an e-mail address ends with), case-insensitive.
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)


_EMAIL = re.compile(r"^[^@\s]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)
_REGION_CODE = re.compile(r"^[A-Za-z0-9]{0,8}$")


class ConfigError(ValueError):
    """cdk.json does not describe a usable stage."""


def _int_in(low: int, high: int) -> Callable[[object], object]:
    def parse(value: object) -> object:
        # bool is an int subclass; `true` for a number is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected an integer from {low} to {high}")
        return value

    return parse


def _one_of(choices: tuple[str, ...]) -> Callable[[object], object]:
    def parse(value: object) -> object:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value

    return parse


def _channel_type(value: object) -> object:
    return ChannelType(str(_one_of(tuple(t.value for t in ChannelType))(value)))


def _log_retention(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, bool) or value not in LOG_RETENTION_DAYS:
        raise ValueError(f"expected null (never expire) or one of {sorted(LOG_RETENTION_DAYS)}")
    return value


def _bool(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _base_url(value: object) -> object:
    """An absolute http(s) URL without query or fragment, returned without a trailing slash so that
    links built as `f"{base}/path"` come out right either way it was written."""
    if not isinstance(value, str) or re.search(r"\s", value):
        raise ValueError("expected an http:// or https:// URL")
    try:
        parts = urlsplit(value)
        # Reading the port is what checks it: urlsplit itself accepts "host:abc" and "host:99999".
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise ValueError("expected an http:// or https:// URL") from None
    if parts.scheme not in {"http", "https"} or not host:
        raise ValueError("expected an http:// or https:// URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("expected a base URL without query, fragment or credentials")
    return value.rstrip("/")


def _domains(value: object) -> object:
    # A list in cdk.json; the functions get it comma-separated (core.settings), which the pattern keeps
    # unambiguous: a domain has no comma.
    if not isinstance(value, list) or not all(isinstance(d, str) and _DOMAIN.fullmatch(d) for d in value):
        raise ValueError('expected a list of e-mail domain names (e.g. ["example.com"])')
    return tuple(d.lower() for d in value)


def _product_locale(value: object) -> object:
    """A PA-API marketplace by country name, written as core.products spells it; blank is United States.
    Upstream fell back to the US for a misspelt name; a deployment should say so instead."""
    if not isinstance(value, str):
        raise ValueError("expected a country name")
    if not value.strip():
        return ""
    by_lower = {name.lower(): name for name in LOCALES}
    found = by_lower.get(value.strip().lower())
    if found is None:
        raise ValueError(f"expected blank (United States) or one of {', '.join(sorted(LOCALES))}")
    return found


def _link_region_code(value: object) -> object:
    # The suffix of an Associates tracking id ("20" in "mytag-20"): it goes into every product link's tag.
    if not isinstance(value, str) or not _REGION_CODE.fullmatch(value):
        raise ValueError('expected blank or a short code of letters and digits, e.g. "20"')
    return value


def _email(value: object) -> object:
    if not isinstance(value, str) or not _EMAIL.fullmatch(value):
        raise ValueError("expected an e-mail address")
    return value


RENDITIONS = ("SD", "HD", "FULL_HD", "LOWEST_RESOLUTION")


def _renditions(value: object) -> object:
    if not isinstance(value, list) or not all(r in RENDITIONS for r in value) or len(set(value)) != len(value):
        raise ValueError(f"expected a list of distinct renditions among {', '.join(RENDITIONS)} (empty: all)")
    return tuple(value)


def _origins(value: object) -> object:
    # IVS takes up to 5 origins, each an origin (scheme and host, no path) or "*".
    if not isinstance(value, list) or len(value) > 5:
        raise ValueError(
            'expected a list of at most 5 origins, e.g. ["https://app.example.com"] (empty: clientBaseUrl\'s)'
        )
    for origin in value:
        if origin != "*" and (not isinstance(origin, str) or _base_url(origin) != origin or urlsplit(origin).path):
            raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], nothing after)")
    return tuple(value)


def _countries(value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in value):
        raise ValueError('expected a list of ISO 3166-1 alpha-2 country codes, e.g. ["US", "GB"] (empty: all)')
    return tuple(value)


def _optional(parse: Callable[[object], object]) -> Callable[[object], object]:
    return lambda value: None if value is None else parse(value)


@dataclass(frozen=True)
class _Key:
    field: str
    parse: Callable[[object], object]


# cdk.json key -> StageConfig field. Keys left out take the StageConfig default.
_KEYS: dict[str, _Key] = {
    "ivsChannelType": _Key("ivs_channel_type", _channel_type),
    # AppSync refuses an API key that expires in less than a day or more than 365 days.
    "apiKeyExpiryDays": _Key("api_key_expiry_days", _int_in(1, 365)),
    "logRetentionDays": _Key("log_retention_days", _log_retention),
    "retainData": _Key("retain_data", _bool),
    "lambdaArchitecture": _Key("lambda_architecture", _one_of(ARCHITECTURES)),
    # Lambda's own limits.
    "lambdaMemoryMb": _Key("lambda_memory_mb", _optional(_int_in(128, 10240))),
    "logLevel": _Key("log_level", _one_of(LOG_LEVELS)),
    # Links in e-mails point here, and the assets bucket accepts browser uploads (CORS) from its origin.
    "clientBaseUrl": _Key("client_base_url", _base_url),
    "enableUserAutoVerify": _Key("enable_user_auto_verify", _bool),
    "signUpAllowedDomains": _Key("sign_up_allowed_domains", _domains),
    # AppSync's own ranges (0 turns the limit off).
    "apiQueryDepthLimit": _Key("api_query_depth_limit", _int_in(0, 75)),
    "apiResolverCountLimit": _Key("api_resolver_count_limit", _int_in(0, 10000)),
    "apiIntrospection": _Key("api_introspection", _bool),
    "apiLogLevel": _Key("api_log_level", _one_of(API_LOG_LEVELS)),
    "apiXray": _Key("api_xray", _bool),
    # AppSync accepts 1-2000 (BatchGetItem reads are chunked to DynamoDB's 100 keys, so any size works).
    "apiMaxBatchSize": _Key("api_max_batch_size", _optional(_int_in(1, 2000))),
    # WAF's own range for a rate-based rule.
    "wafRateLimit": _Key("waf_rate_limit", _optional(_int_in(100, 2_000_000_000))),
    "alarms": _Key("alarms", _bool),
    "alarmEmail": _Key("alarm_email", _optional(_email)),
    "playbackKeyVersion": _Key("playback_key_version", _int_in(1, 9999)),
    "recording": _Key("recording", _bool),
    # IVS's own ranges.
    "recordingThumbnailIntervalSeconds": _Key("recording_thumbnail_interval_seconds", _int_in(1, 60)),
    "recordingRenditions": _Key("recording_renditions", _renditions),
    "recordingRetentionDays": _Key("recording_retention_days", _optional(_int_in(1, 36500))),
    "playbackAllowedOrigins": _Key("playback_allowed_origins", _origins),
    "playbackAllowedCountries": _Key("playback_allowed_countries", _countries),
    "playbackStrictOrigin": _Key("playback_strict_origin", _bool),
    "enableAmazonProductStreamAction": _Key("enable_amazon_product_stream_action", _bool),
    "productApiLocale": _Key("product_api_locale", _product_locale),
    "productLinkRegionCode": _Key("product_link_region_code", _link_region_code),
}


def stage_config(stage: str, raw: object) -> StageConfig:
    """One stage's options, from its `context.stages.<stage>` object."""
    where = f"context.stages.{stage}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be an object")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        spec = _KEYS.get(key)
        if spec is None:
            raise ConfigError(f"{where}.{key}: unknown key (known: {', '.join(sorted(_KEYS))})")
        try:
            values[spec.field] = spec.parse(value)
        except ValueError as exc:
            raise ConfigError(f"{where}.{key}: {exc}, got {json.dumps(value)}") from None
    config = StageConfig(stage=stage, **values)
    if config.alarm_email and not config.alarms:
        raise ConfigError(f"{where}.alarmEmail: set only with alarms: true (it subscribes to the alarm topic)")
    return config


def load_stage_config(context: Mapping[str, object]) -> StageConfig:
    """The chosen stage's config from CDK context (`stage` and `stages`, as `cdk.json` and `-c` give them)."""
    stage = context.get("stage") or DEFAULT_STAGE
    if not isinstance(stage, str) or not _STAGE_NAME.match(stage):
        raise ConfigError(f"context.stage: expected a lowercase stage name, got {json.dumps(stage)}")
    stages = context.get("stages")
    if not isinstance(stages, Mapping):
        raise ConfigError("context.stages: missing or not an object (is cdk.json at the project root?)")
    if stage not in stages:
        raise ConfigError(f"context.stage: unknown stage {stage!r} (cdk.json defines: {', '.join(stages)})")
    return stage_config(stage, stages[stage])


def file_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The `context` of cdk.json: what the CDK CLI would pass, for runs without the CLI."""
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    context = document.get("context", {}) if isinstance(document, dict) else None
    if not isinstance(context, dict):
        raise ConfigError(f"{path}: `context` must be an object")
    return context
