"""Stage options beyond the API's own (see test_infra_api_options): product search, the WAF rate limit and
the batch size. Validated by infra.config, applied by the constructs; the `full` test stage turns each on."""

from __future__ import annotations

import json

import pytest

import schema
from infra.config import ConfigError, file_context, load_stage_config, stage_config
from infra.definitions import FUNCTIONS, OUTPUTS
from tests.infra.infra_synth import Synth

PRODUCT_SECRET = "SecretsProductApiCredentials"


def test_cdk_json_rate_limits_prod_only_and_leaves_product_search_off() -> None:
    context = file_context()
    dev = load_stage_config({**context, "stage": "dev"})
    prod = load_stage_config({**context, "stage": "prod"})

    assert dev.waf_rate_limit is None and prod.waf_rate_limit is not None
    assert not dev.enable_amazon_product_stream_action and not prod.enable_amazon_product_stream_action


def test_product_options_are_read_and_the_locale_normalised() -> None:
    config = stage_config(
        "qa",
        {"enableAmazonProductStreamAction": True, "productApiLocale": "united kingdom", "productLinkRegionCode": "21"},
    )

    assert config.enable_amazon_product_stream_action
    # Written as core.products names the marketplace, whatever the case in cdk.json
    assert config.product_api_locale == "United Kingdom"
    assert config.product_link_region_code == "21"
    # AND blank means the United States marketplace and untouched links
    assert stage_config("qa", {"productApiLocale": "", "productLinkRegionCode": ""}).product_api_locale == ""


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("productApiLocale", "Atlantis"),
        ("productApiLocale", "UK"),
        ("productApiLocale", 44),
        ("productLinkRegionCode", 20),
        ("productLinkRegionCode", "-20"),
        ("productLinkRegionCode", "a b"),
        ("enableAmazonProductStreamAction", "true"),
        ("wafRateLimit", 99),
        ("wafRateLimit", 2_000_000_001),
        ("wafRateLimit", "1000"),
        ("apiMaxBatchSize", 0),
        ("apiMaxBatchSize", 2001),
        ("apiMaxBatchSize", 1.5),
        ("playbackKeyVersion", 0),
        ("playbackKeyVersion", "2"),
        ("playbackKeyVersion", 10000),
    ],
)
def test_bad_stage_options_fail_naming_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"context\.stages\.qa\.{key}: expected.*got {json.dumps(value)}"):
        stage_config("qa", {key: value})


def test_product_search_gets_a_credentials_secret_only_where_it_is_on(each_stage: Synth) -> None:
    config = each_stage.config
    secrets = [k for k in each_stage.resources("AWS::SecretsManager::Secret") if k.startswith(PRODUCT_SECRET)]
    (api,) = [
        f
        for f in each_stage.properties("AWS::Lambda::Function").values()
        if f.get("Handler") == FUNCTIONS["api"].handler
    ]
    env = api["Environment"]["Variables"]
    outputs = each_stage.template.to_json()["Outputs"]

    if not config.enable_amazon_product_stream_action:
        # THEN no secret, no output, and the API is told the feature is off
        assert secrets == []
        assert OUTPUTS.product_api_secret_arn not in outputs
        assert (env["ENABLE_AMAZON_PRODUCT_STREAM_ACTION"], env["PRODUCT_API_SECRET_ARN"]) == ("false", "")
        return
    # THEN one secret, empty until the operator fills it (no credential is in the template), and its ARN is
    # both the API's PRODUCT_API_SECRET_ARN and a stack output telling the operator where to put them
    (secret,) = secrets
    value = each_stage.properties("AWS::SecretsManager::Secret")[secret]["SecretString"]
    assert json.loads(value) == {"accessKey": "", "secretKey": "", "partnerTag": ""}
    assert env["ENABLE_AMAZON_PRODUCT_STREAM_ACTION"] == "true"
    assert env["PRODUCT_API_SECRET_ARN"] == {"Ref": secret}
    assert outputs[OUTPUTS.product_api_secret_arn]["Value"] == {"Ref": secret}
    assert (env["PRODUCT_API_LOCALE"], env["PRODUCT_LINK_REGION_CODE"]) == (
        config.product_api_locale,
        config.product_link_region_code,
    )
    # AND it is no local endpoint: in AWS the locale picks PA-API's host
    assert env["PRODUCT_API_ENDPOINT"] == ""


def test_a_waf_rate_limit_puts_a_web_acl_on_the_api(each_stage: Synth) -> None:
    limit = each_stage.config.waf_rate_limit
    acls = each_stage.properties("AWS::WAFv2::WebACL")
    associations = each_stage.properties("AWS::WAFv2::WebACLAssociation")

    if limit is None:
        # THEN no web ACL where the stage sets no limit
        assert (acls, associations) == ({}, {})
        return
    # THEN a regional web ACL that allows by default and blocks an IP over the limit (per 5 minutes)
    ((acl_id, acl),) = acls.items()
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    (rule,) = acl["Rules"]
    assert rule["Action"] == {"Block": {}}
    assert rule["Statement"]["RateBasedStatement"] == {"Limit": limit, "AggregateKeyType": "IP"}
    # AND it is associated with the stack's API
    (association,) = associations.values()
    assert association["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert association["ResourceArn"] == {"Fn::GetAtt": [each_stage.only_id("AWS::AppSync::GraphQLApi"), "Arn"]}


def test_batch_resolvers_take_the_stage_batch_size_and_others_stay_single(each_stage: Synth) -> None:
    # GIVEN the fields the schema batches, and the stage's override
    override = each_stage.config.api_max_batch_size
    batched = {(f.type_name, f.field_name): f.max_batch_size for f in schema.lambda_fields() if f.max_batch_size}
    assert batched, "the schema batches no field: the test would prove nothing"

    for resolver in each_stage.properties("AWS::AppSync::Resolver").values():
        key = (resolver["TypeName"], resolver["FieldName"])
        # THEN a batched field's maxBatchSize is the stage's (when set) or its own; other fields have none
        expected = (override or batched[key]) if key in batched else None
        assert resolver.get("MaxBatchSize") == expected, key
