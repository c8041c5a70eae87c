"""PA-API product search (core.products) against the local AWS's PA-API (services/paapi.py).

Each test signs with its own access key (its own secret), because the local PA-API, like Amazon's,
allows one request per second per key and the session's server outlives every test.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSRequest
from botocore.httpsession import URLLib3Session

from core.app import Core
from core.aws import Clients
from core.errors import ProductSearchFailed, ProductSearchThrottled, ValidationError
from core.products import LOCALES, SEARCH_PATH, TARGET, ProductSearch, RateLimiter, resolve_locale, rewrite_tag
from core.settings import Settings, SettingsError
from emulator.local_aws import LOCAL_CREDENTIALS, LOCAL_PRODUCT_API_CREDENTIALS
from emulator.local_aws.bootstrap import LocalResources
from emulator.local_aws.server import LocalAwsServer
from emulator.local_aws.services.paapi import catalogue

PARTNER_TAG = "teststore"


class CountingSecrets:
    """A Secrets Manager client that counts GetSecretValue calls."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.reads = 0

    def get_secret_value(self, **kwargs: Any) -> Any:
        self.reads += 1
        return self._inner.get_secret_value(**kwargs)


def matching(keywords: str) -> list[dict[str, Any]]:
    terms = keywords.lower().split()
    return [item for item in catalogue() if all(term in item["title"].lower() for term in terms)]


@pytest.fixture
def secrets(local_aws_client: Callable[[str], Any]) -> CountingSecrets:
    return CountingSecrets(local_aws_client("secretsmanager"))


@pytest.fixture
def make_secret(local_aws_client: Callable[[str], Any]) -> Callable[..., str]:
    def make(**values: str) -> str:
        secret = {
            "accessKey": f"AKIATEST{uuid.uuid4().hex[:12].upper()}",
            "secretKey": "test-secret",
            "partnerTag": PARTNER_TAG,
            **values,
        }
        created = local_aws_client("secretsmanager").create_secret(
            Name=f"product-api-{uuid.uuid4().hex}", SecretString=json.dumps(secret)
        )
        return str(created["ARN"])

    return make


@pytest.fixture
def make_search(
    local_aws: LocalAwsServer, secrets: CountingSecrets, make_secret: Callable[..., str]
) -> Callable[..., ProductSearch]:
    def make(**kwargs: Any) -> ProductSearch:
        kwargs.setdefault("endpoint", local_aws.endpoint)
        return ProductSearch(secrets, make_secret(), **kwargs)

    return make


def test_core_searches_the_local_catalogue_with_the_bootstrapped_secret(local_resources: LocalResources) -> None:
    settings = local_resources.function_settings()
    assert settings.enable_amazon_product_stream_action
    assert settings.product_api_endpoint == local_resources.endpoint
    core = Core(
        settings, Clients(settings.region, endpoint_url=local_resources.endpoint, credentials=LOCAL_CREDENTIALS)
    )
    assert core.products() is core.products()  # one per container: it holds the rate limiter

    page = core.products().search("Microphone")

    expected = matching("microphone")
    assert page.page == 1
    assert page.total_results == len(expected) > 1
    assert [item.asin for item in page.items] == [item["asin"] for item in expected]
    first = page.items[0]
    assert first.title == expected[0]["title"]
    assert first.price == expected[0]["displayAmount"]
    assert first.image_url is not None
    assert first.image_url.startswith("https://images.example.com/")
    # No region code configured: the link keeps the tag PA-API put there (the secret's partner tag).
    assert first.product_url == expected[0]["url"].replace(
        "tag=catalogue-20", f"tag={LOCAL_PRODUCT_API_CREDENTIALS['partnerTag']}"
    )


def test_core_needs_the_secret_setting() -> None:
    settings = Settings(stage="t", region="us-east-1", table_name="t", pagination_secret_arn="p")
    with pytest.raises(SettingsError, match="PRODUCT_API_SECRET_ARN"):
        Core(settings, Clients("us-east-1")).products()


def test_pages_hold_ten_items_and_past_the_end_is_empty(make_search: Callable[..., ProductSearch]) -> None:
    expected = [item["asin"] for item in matching("with")]
    assert 10 < len(expected) <= 20
    search = make_search()

    first, second, past = search.search("with", 1), search.search("WITH", 2), search.search("with", 3)

    assert [item.asin for item in first.items] == expected[:10]
    assert [item.asin for item in second.items] == expected[10:]
    assert first.total_results == second.total_results == len(expected)
    assert (second.page, past.page, past.items, past.total_results) == (2, 3, (), 0)


def test_a_search_without_matches_is_an_empty_page(make_search: Callable[..., ProductSearch]) -> None:
    page = make_search().search("zeppelin")
    assert (page.items, page.total_results, page.page) == ((), 0, 1)


def test_requests_are_spaced_one_second_apart(make_search: Callable[..., ProductSearch]) -> None:
    search = make_search()
    search.search("camera")
    started = time.monotonic()
    search.search("light")
    assert time.monotonic() - started >= 0.9


def test_the_local_quota_answers_429_as_throttled_when_the_limiter_is_bypassed(
    make_search: Callable[..., ProductSearch],
) -> None:
    search = make_search(limiter=RateLimiter(interval=0))
    search.search("camera")
    with pytest.raises(ProductSearchThrottled):
        search.search("camera")


def test_the_limiter_refuses_a_wait_beyond_its_bound() -> None:
    now = [100.0]
    slept: list[float] = []
    limiter = RateLimiter(1.0, max_wait=1.5, clock=lambda: now[0], sleep=slept.append)
    limiter.acquire()
    limiter.acquire()  # waits its turn: one second
    with pytest.raises(ProductSearchThrottled):
        limiter.acquire()  # two seconds away
    now[0] += 1.0
    limiter.acquire()  # the refused call reserved nothing
    assert slept == [1.0, 1.0]


@pytest.mark.parametrize(
    ("keywords", "page", "field"),
    [
        ("", 1, "keywords"),
        ("   ", 1, "keywords"),
        ("x" * 151, 1, "keywords"),
        ("mic", 0, "page"),
        ("mic", 11, "page"),
        ("mic", True, "page"),
    ],
)
def test_bad_input_is_refused_naming_the_field_before_any_call(
    make_search: Callable[..., ProductSearch], secrets: CountingSecrets, keywords: str, page: int, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_search().search(keywords, page)
    assert caught.value.field == field
    assert secrets.reads == 0


def test_150_characters_of_keywords_are_accepted(make_search: Callable[..., ProductSearch]) -> None:
    assert make_search().search("x" * 150).items == ()


def test_the_secret_is_read_once_per_instance(
    make_search: Callable[..., ProductSearch], secrets: CountingSecrets
) -> None:
    search = make_search(limiter=RateLimiter(interval=0))
    search.search("tripod")
    time.sleep(1.0)  # the local quota
    search.search("tripod")
    assert secrets.reads == 1


def test_a_secret_with_an_empty_key_fails_safely(
    local_aws: LocalAwsServer, secrets: CountingSecrets, make_secret: Callable[..., str]
) -> None:
    search = ProductSearch(secrets, make_secret(partnerTag=" "), endpoint=local_aws.endpoint)
    with pytest.raises(ProductSearchFailed) as caught:
        search.search("tripod")
    assert "partnerTag" not in str(caught.value)


def test_an_unreachable_api_fails_safely(secrets: CountingSecrets, make_secret: Callable[..., str]) -> None:
    search = ProductSearch(secrets, make_secret(), endpoint="http://127.0.0.1:9")
    with pytest.raises(ProductSearchFailed):
        search.search("tripod")


def test_unknown_or_blank_locales_fall_back_to_the_united_states(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="core.products"):
        assert resolve_locale("Narnia") == LOCALES["United States"]
        assert resolve_locale("") == LOCALES["United States"]
    assert len([r for r in caplog.records if "PRODUCT_API_LOCALE" in r.getMessage()]) == 2
    assert resolve_locale(" united kingdom ") == LOCALES["United Kingdom"]
    assert ProductSearch(None, "arn", locale="Japan").locale.region == "us-west-2"


def test_a_locale_signs_for_its_region_and_names_its_marketplace(make_search: Callable[..., ProductSearch]) -> None:
    # The local PA-API refuses a signature scoped to another region than the marketplace's.
    page = make_search(locale="Germany").search("headset")
    assert page.total_results == len(matching("headset")) > 0


def test_links_get_partner_tag_and_region_code_only_when_a_code_is_configured(
    make_search: Callable[..., ProductSearch],
) -> None:
    tagged = make_search(link_region_code="21").search("ring light").items[0]
    assert tagged.product_url is not None
    assert f"?tag={PARTNER_TAG}-21&" in tagged.product_url

    untouched = make_search().search("ring light").items[0]
    assert untouched.product_url is not None
    assert f"?tag={PARTNER_TAG}&" in untouched.product_url

    url = "https://www.amazon.com/dp/B0X?th=1&tag=old-20&psc=1"
    assert rewrite_tag(url, "new-21") == "https://www.amazon.com/dp/B0X?th=1&tag=new-21&psc=1"
    assert rewrite_tag(url, None) == url


def test_the_local_api_refuses_unsigned_requests(local_aws: LocalAwsServer) -> None:
    request = AWSRequest(
        method="POST",
        url=local_aws.endpoint + SEARCH_PATH,
        data=b"{}",
        headers={"x-amz-target": TARGET, "content-encoding": "amz-1.0"},
    )
    response = URLLib3Session().send(request.prepare())
    assert response.status_code == 401
    assert json.loads(response.content)["Errors"][0]["Code"] == "IncompleteSignature"


def test_the_feature_flag_is_a_boolean_setting() -> None:
    env = {"STAGE": "t", "AWS_REGION": "us-east-1", "TABLE_NAME": "t", "PAGINATION_SECRET_ARN": "p"}
    assert Settings.from_env({**env, "ENABLE_AMAZON_PRODUCT_STREAM_ACTION": "true"}).enable_amazon_product_stream_action
    assert not Settings.from_env(env).enable_amazon_product_stream_action
    with pytest.raises(SettingsError, match="ENABLE_AMAZON_PRODUCT_STREAM_ACTION"):
        Settings.from_env({**env, "ENABLE_AMAZON_PRODUCT_STREAM_ACTION": "maybe"})
