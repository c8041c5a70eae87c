"""Amazon product search for the AMAZON_PRODUCT overlay: Product Advertising API 5 `SearchItems`.

PA-API is not an AWS service botocore has a model for, but it speaks SigV4, so the request is built,
signed (`SigV4Auth`, service `ProductAdvertisingAPI`) and sent (`URLLib3Session`) with botocore's own
parts: no SDK to ship in the Lambda. Upstream behaviour this keeps or deliberately changes
(reference/upstream-demo-spec.md §1.7, §8 bug 12):

- The credentials secret is read once per container and cached (upstream read it on every request).
- New PA-API accounts get 1 request/second; a container spaces its requests itself (`RateLimiter`)
  rather than spending a call on a 429, and refuses once the wait would exceed a bound.
- Product links get the partner tag plus the link region code only when a region code is configured;
  without one they are left exactly as PA-API returned them (upstream always rewrote them).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError
from botocore.httpsession import URLLib3Session

from core.aws import http_session
from core.errors import ProductSearchFailed, ProductSearchThrottled, ValidationError
from core.text import check_printable

logger = logging.getLogger(__name__)

SEARCH_PATH = "/paapi5/searchitems"
TARGET = "com.amazon.paapi5.v1.ProductAdvertisingAPIv1.SearchItems"
SIGNING_NAME = "ProductAdvertisingAPI"
ITEM_COUNT = 10
MAX_KEYWORDS = 150  # the front end's limit (spec §1.7)
SEARCH_INTERVAL_SECONDS = 1.1
MAX_PAGE = 10  # PA-API serves ItemPage 1 to 10 only
RESOURCES = (
    "Offers.Listings.Price",
    "Offers.Listings.MerchantInfo",
    "Images.Primary.Small",
    "Images.Primary.Medium",
    "Images.Primary.Large",
    "ItemInfo.Title",
)
_TIMEOUT = 5  # seconds to connect and to read: well inside a resolver Lambda's timeout


@dataclass(frozen=True)
class Locale:
    host: str
    region: str
    marketplace: str


# PA-API 5's "Locale Reference": the marketplace's host, the region its requests are signed for, and
# the Marketplace value the request names.
LOCALES: dict[str, Locale] = {
    "Australia": Locale("webservices.amazon.com.au", "us-west-2", "www.amazon.com.au"),
    "Belgium": Locale("webservices.amazon.com.be", "eu-west-1", "www.amazon.com.be"),
    "Brazil": Locale("webservices.amazon.com.br", "us-east-1", "www.amazon.com.br"),
    "Canada": Locale("webservices.amazon.ca", "us-east-1", "www.amazon.ca"),
    "Egypt": Locale("webservices.amazon.eg", "eu-west-1", "www.amazon.eg"),
    "France": Locale("webservices.amazon.fr", "eu-west-1", "www.amazon.fr"),
    "Germany": Locale("webservices.amazon.de", "eu-west-1", "www.amazon.de"),
    "India": Locale("webservices.amazon.in", "eu-west-1", "www.amazon.in"),
    "Italy": Locale("webservices.amazon.it", "eu-west-1", "www.amazon.it"),
    "Japan": Locale("webservices.amazon.co.jp", "us-west-2", "www.amazon.co.jp"),
    "Mexico": Locale("webservices.amazon.com.mx", "us-east-1", "www.amazon.com.mx"),
    "Netherlands": Locale("webservices.amazon.nl", "eu-west-1", "www.amazon.nl"),
    "Poland": Locale("webservices.amazon.pl", "eu-west-1", "www.amazon.pl"),
    "Singapore": Locale("webservices.amazon.sg", "us-west-2", "www.amazon.sg"),
    "Saudi Arabia": Locale("webservices.amazon.sa", "eu-west-1", "www.amazon.sa"),
    "Spain": Locale("webservices.amazon.es", "eu-west-1", "www.amazon.es"),
    "Sweden": Locale("webservices.amazon.se", "eu-west-1", "www.amazon.se"),
    "Turkey": Locale("webservices.amazon.com.tr", "eu-west-1", "www.amazon.com.tr"),
    "United Arab Emirates": Locale("webservices.amazon.ae", "eu-west-1", "www.amazon.ae"),
    "United Kingdom": Locale("webservices.amazon.co.uk", "eu-west-1", "www.amazon.co.uk"),
    "United States": Locale("webservices.amazon.com", "us-east-1", "www.amazon.com"),
}
DEFAULT_LOCALE = "United States"
_BY_LOWER_NAME = {name.lower(): locale for name, locale in LOCALES.items()}
_TAG = re.compile(r"([?&]tag=)[^&#]*")


def resolve_locale(name: str) -> Locale:
    """The locale named `name` (case and surrounding blanks ignored); United States otherwise, logged
    so a misspelt country in the stage config is visible rather than silently wrong."""
    found = _BY_LOWER_NAME.get(name.strip().lower())
    if found is None:
        logger.warning("unknown or blank PRODUCT_API_LOCALE, using %s", DEFAULT_LOCALE, extra={"locale": name})
        return LOCALES[DEFAULT_LOCALE]
    return found


@dataclass(frozen=True)
class Product:
    asin: str
    title: str | None
    price: str | None  # PA-API's DisplayAmount, already formatted for the marketplace ("$49.99")
    image_url: str | None
    product_url: str | None


@dataclass(frozen=True)
class ProductPage:
    items: tuple[Product, ...]
    total_results: int
    page: int


@dataclass(frozen=True)
class ProductApiCredentials:
    access_key: str
    secret_key: str
    partner_tag: str


class RateLimiter:
    """Spaces calls at least `interval` seconds apart, waiting at most `max_wait` for a slot.

    A slot is reserved under the lock and slept for outside it, so concurrent callers queue in order
    instead of all waking at once. A caller whose slot is further than `max_wait` away is refused
    without reserving anything: its wait would only push everyone behind it later.
    """

    def __init__(
        self,
        interval: float = 1.0,
        max_wait: float = 2.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = interval
        self._max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            wait = slot - now
            if wait > self._max_wait:
                raise ProductSearchThrottled
            self._next = slot + self._interval
        if wait > 0:
            self._sleep(wait)


class ProductSearch:
    """`search(keywords, page)` against one marketplace, for the life of a container."""

    def __init__(
        self,
        secretsmanager: Any,
        secret_arn: str,
        *,
        locale: str = "",
        endpoint: str = "",
        link_region_code: str = "",
        limiter: RateLimiter | None = None,
        http: URLLib3Session | None = None,
    ) -> None:
        self._secretsmanager = secretsmanager
        self._secret_arn = secret_arn
        self.locale = resolve_locale(locale)
        # An endpoint (scheme://host[:port]) replaces the locale's host only: the request is still
        # signed for the locale's region and names its marketplace, so the local stack exercises the
        # same request a deployment sends.
        self._url = (endpoint.rstrip("/") or f"https://{self.locale.host}") + SEARCH_PATH
        self._link_region_code = link_region_code.strip()
        # PA-API counts arrivals: a margin over 1 s keeps network jitter from landing two calls inside
        # one second.
        self._limiter = limiter or RateLimiter(interval=SEARCH_INTERVAL_SECONDS)
        self._http = http or http_session(_TIMEOUT)
        self._credentials: ProductApiCredentials | None = None
        self._credentials_lock = threading.Lock()

    def search(self, keywords: str, page: int = 1) -> ProductPage:
        keywords = _valid_keywords(keywords)
        page = _valid_page(page)
        credentials = self._api_credentials()
        body = {
            "Keywords": keywords,
            "ItemPage": page,
            "ItemCount": ITEM_COUNT,
            "PartnerTag": credentials.partner_tag,
            "PartnerType": "Associates",
            "Marketplace": self.locale.marketplace,
            "Availability": "Available",
            "Resources": list(RESOURCES),
        }
        self._limiter.acquire()
        status, answer = self._post(body, credentials)
        if status == 429:
            logger.warning("PA-API throttled the search", extra={"errors": answer.get("Errors")})
            raise ProductSearchThrottled
        if _no_results(answer) and status in {200, 404}:
            # PA-API reports an empty search as an error entry rather than an empty list.
            return ProductPage(items=(), total_results=0, page=page)
        if status != 200 or not isinstance(answer.get("SearchResult"), dict):
            logger.error("PA-API search failed", extra={"status": status, "errors": answer.get("Errors")})
            raise ProductSearchFailed
        result: dict[str, Any] = answer["SearchResult"]
        tag = self._link_tag(credentials)
        items = tuple(_product(item, tag) for item in result.get("Items") or [] if isinstance(item, dict))
        total = result.get("TotalResultCount")
        return ProductPage(items=items, total_results=total if isinstance(total, int) else len(items), page=page)

    def _link_tag(self, credentials: ProductApiCredentials) -> str | None:
        return f"{credentials.partner_tag}-{self._link_region_code}" if self._link_region_code else None

    def _post(self, body: dict[str, Any], credentials: ProductApiCredentials) -> tuple[int, dict[str, Any]]:
        request = AWSRequest(
            method="POST",
            url=self._url,
            data=json.dumps(body).encode(),
            headers={
                "content-type": "application/json; charset=utf-8",
                "content-encoding": "amz-1.0",
                "x-amz-target": TARGET,
            },
        )
        SigV4Auth(
            Credentials(credentials.access_key, credentials.secret_key), SIGNING_NAME, self.locale.region
        ).add_auth(request)
        try:
            response = self._http.send(request.prepare())
        except BotoCoreError as exc:
            logger.error("PA-API unreachable", extra={"error": str(exc)})
            raise ProductSearchFailed from exc
        try:
            answer = json.loads(response.content or b"{}")
        except ValueError:
            answer = None
        return int(response.status_code), answer if isinstance(answer, dict) else {}

    def _api_credentials(self) -> ProductApiCredentials:
        # Read on first use and kept for the container's life; a failed read is not cached, so the
        # next request retries (a secret fixed after deployment is picked up without a redeploy).
        with self._credentials_lock:
            if self._credentials is None:
                self._credentials = self._read_secret()
            return self._credentials

    def _read_secret(self) -> ProductApiCredentials:
        try:
            raw = self._secretsmanager.get_secret_value(SecretId=self._secret_arn)["SecretString"]
            data = json.loads(raw)
        except (ClientError, BotoCoreError, KeyError, ValueError, TypeError) as exc:
            logger.error("product API secret unreadable", extra={"error": str(exc)})
            raise ProductSearchFailed from exc
        values = {
            key: data.get(key) if isinstance(data, dict) else None for key in ("accessKey", "secretKey", "partnerTag")
        }
        empty = sorted(key for key, value in values.items() if not isinstance(value, str) or not value.strip())
        if empty:
            logger.error("product API secret lacks keys", extra={"keys": empty})
            raise ProductSearchFailed
        return ProductApiCredentials(
            access_key=str(values["accessKey"]).strip(),
            secret_key=str(values["secretKey"]).strip(),
            partner_tag=str(values["partnerTag"]).strip(),
        )


def rewrite_tag(url: str, tag: str | None) -> str:
    """`url` with every `tag=` query value replaced by `tag`; unchanged when `tag` is None."""
    if tag is None:
        return url
    value = quote(tag, safe="")
    return _TAG.sub(lambda match: match.group(1) + value, url)


def _valid_keywords(keywords: object) -> str:
    if not isinstance(keywords, str) or not keywords.strip():
        raise ValidationError("keywords", "must not be empty")
    keywords = keywords.strip()
    if len(keywords) > MAX_KEYWORDS:
        raise ValidationError("keywords", f"must be at most {MAX_KEYWORDS} characters")
    return check_printable("keywords", keywords)


def _valid_page(page: object) -> int:
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise ValidationError("page", f"must be a whole number from 1 to {MAX_PAGE}")
    return page


def _no_results(answer: dict[str, Any]) -> bool:
    errors = answer.get("Errors")
    return (
        "SearchResult" not in answer
        and isinstance(errors, list)
        and any(isinstance(error, dict) and error.get("Code") == "NoResults" for error in errors)
    )


def _product(item: dict[str, Any], tag: str | None) -> Product:
    url = _dig(item, "DetailPageURL")
    return Product(
        asin=str(item.get("ASIN", "")),
        title=_dig(item, "ItemInfo", "Title", "DisplayValue"),
        price=_dig(item, "Offers", "Listings", 0, "Price", "DisplayAmount"),
        image_url=_dig(item, "Images", "Primary", "Large", "URL"),
        product_url=rewrite_tag(url, tag) if url is not None else None,
    )


def _dig(value: Any, *path: str | int) -> str | None:
    """The string at `path` in PA-API's nested answer, or None where anything on the way is missing
    (PA-API omits whatever resource an item lacks)."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or len(value) <= step:
                return None
        elif not isinstance(value, dict):
            return None
        value = value[step] if isinstance(step, int) else value.get(step)
    return value if isinstance(value, str) else None
