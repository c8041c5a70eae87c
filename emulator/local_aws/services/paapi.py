"""Product Advertising API 5 `SearchItems`, served from an offline catalogue.

PA-API is not an AWS service (moto and botocore know nothing of it), but it is called with SigV4, so
the gateway already knows the caller from the credential scope; an intercept claims
`POST /paapi5/searchitems` before operation routing. The local stack points `core.products` here with
`PRODUCT_API_ENDPOINT`, so the Lambda sends the very request it sends to Amazon.

What it checks, with PA-API's status codes and error shape (`{"__type": ..., "Errors": [{Code,
Message}]}`):

- the SigV4 Authorization header is present and well formed, for service `ProductAdvertisingAPI`
  and the region of the requested marketplace (401 IncompleteSignature / InvalidSignature). The
  signature itself is not recomputed: the local credentials are made up and public.
- `X-Amz-Target` names SearchItems (400 UnknownOperation), and the body is valid: non-empty
  Keywords, ItemPage 1-10, ItemCount 1-10, a PartnerTag, PartnerType Associates, a known Marketplace
  (400 InvalidParameterValue / MissingParameter).
- 1 request per second per access key, PA-API's quota for new accounts (429 TooManyRequests). Only
  accepted requests use the quota.

Items match when every word of Keywords occurs in their title (case-insensitively), in catalogue
order; a search without matches answers `Errors: [NoResults]` as PA-API does. Only the requested
Resources appear in an item, and `DetailPageURL` carries the request's PartnerTag.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from core.products import LOCALES, SEARCH_PATH, TARGET
from emulator.local_aws.messages import AwsResponse, HttpRequest
from emulator.local_aws.registry import HandlerContext, Registry

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "products.json"
SIGNING_SERVICE = "productadvertisingapi"  # as the gateway reports the scope's service: lower case
MIN_INTERVAL_SECONDS = 1.0
MAX_PAGE = 10
MAX_ITEM_COUNT = 10

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=[^/,\s]+/\d{8}/[^/]+/[^/]+/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;-]+),\s*Signature=[0-9a-f]{64}$"
)
_REGION_OF_MARKETPLACE = {locale.marketplace: locale.region for locale in LOCALES.values()}
_TAG = re.compile(r"([?&]tag=)[^&#]*")


@dataclass
class ProductApiQuota:
    """When each access key last had a request accepted (time.monotonic)."""

    accepted: dict[str, float] = field(default_factory=dict)


class PaapiError(Exception):
    def __init__(self, status: int, kind: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.code = code
        self.message = message

    def response(self) -> AwsResponse:
        return AwsResponse.json(
            {
                "__type": f"com.amazon.paapi5#{self.kind}",
                "Errors": [{"Code": self.code, "Message": self.message}],
            },
            self.status,
        )


def install(registry: Registry) -> None:
    registry.intercept("paapi5 SearchItems", _wants, search_items)


def _wants(request: HttpRequest) -> bool:
    return request.method == "POST" and request.path.rstrip("/") == SEARCH_PATH


@cache
def catalogue() -> tuple[dict[str, Any], ...]:
    items = json.loads(CATALOGUE.read_text(encoding="utf-8"))["items"]
    return tuple(items)


def search_items(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    try:
        body = _validated(request)
        _take_quota(request.access_key, ctx)
    except PaapiError as error:
        return error.response()
    terms = body["Keywords"].lower().split()
    matches = [item for item in catalogue() if all(term in item["title"].lower() for term in terms)]
    page, count = body["ItemPage"], body["ItemCount"]
    shown = matches[(page - 1) * count : page * count]
    if not shown:
        return AwsResponse.json(
            {
                "Errors": [
                    {
                        "__type": "com.amazon.paapi5#ErrorData",
                        "Code": "NoResults",
                        "Message": "No results found for your request.",
                    }
                ]
            }
        )
    resources = set(body.get("Resources") or [])
    return AwsResponse.json(
        {
            "SearchResult": {
                "Items": [_item(item, resources, body["PartnerTag"]) for item in shown],
                "SearchURL": f"https://{body['Marketplace']}/s?k={'+'.join(terms)}",
                "TotalResultCount": len(matches),
            }
        }
    )


def _validated(request: HttpRequest) -> dict[str, Any]:
    authorization = request.headers.get("authorization", "")
    signed = _AUTHORIZATION.match(authorization)
    if signed is None or not request.headers.get("x-amz-date"):
        raise PaapiError(
            401,
            "IncompleteSignatureException",
            "IncompleteSignature",
            "The request signature did not include all of the required components.",
        )
    if not {"host", "x-amz-date"} <= set(signed.group(1).split(";")):
        raise PaapiError(
            401, "InvalidSignatureException", "InvalidSignature", "The request has not been correctly signed."
        )
    if request.headers.get("x-amz-target") != TARGET:
        raise PaapiError(
            400,
            "UnknownOperationException",
            "UnknownOperation",
            "The operation requested is invalid. Please verify that the operation name is typed correctly.",
        )
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _invalid("The request body is not a JSON object.")
    for name in ("Keywords", "PartnerTag", "PartnerType", "Marketplace"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise PaapiError(
                400, "ValidationException", "MissingParameter", f"The request must contain the parameter {name}."
            )
    region = _REGION_OF_MARKETPLACE.get(body["Marketplace"])
    if region is None:
        raise _invalid(f"The value {body['Marketplace']} provided in the request for Marketplace is invalid.")
    if request.service != SIGNING_SERVICE or request.region != region:
        raise PaapiError(
            401,
            "InvalidSignatureException",
            "InvalidSignature",
            f"Credential should be scoped to service ProductAdvertisingAPI in region {region}.",
        )
    if body["PartnerType"] != "Associates":
        raise _invalid("The value provided in the request for PartnerType is invalid.")
    body.setdefault("ItemPage", 1)
    body.setdefault("ItemCount", 10)
    for name, limit in (("ItemPage", MAX_PAGE), ("ItemCount", MAX_ITEM_COUNT)):
        value = body[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise _invalid(f"The value {value} provided in the request for {name} is invalid. Valid values: 1-{limit}.")
    return body


def _invalid(message: str) -> PaapiError:
    return PaapiError(400, "ValidationException", "InvalidParameterValue", message)


def _take_quota(access_key: str, ctx: HandlerContext) -> None:
    now = time.monotonic()
    with ctx.state.store(ProductApiQuota) as quota:
        last = quota.accepted.get(access_key)
        if last is not None and now - last < MIN_INTERVAL_SECONDS:
            raise PaapiError(
                429,
                "TooManyRequestsException",
                "TooManyRequests",
                "The request was denied due to request throttling. Please verify the number of requests made "
                "per second to the Amazon Product Advertising API.",
            )
        quota.accepted[access_key] = now


def _item(item: dict[str, Any], resources: set[str], partner_tag: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "ASIN": item["asin"],
        "DetailPageURL": _TAG.sub(lambda match: match.group(1) + partner_tag, item["url"]),
    }
    if "ItemInfo.Title" in resources:
        answer["ItemInfo"] = {
            "Title": {"DisplayValue": item["title"], "Label": "Title", "Locale": "en_US"},
        }
    images = {
        size: {"URL": item["image"].replace(".jpg", f"._SL{pixels}_.jpg"), "Height": pixels, "Width": pixels}
        for size, pixels in (("Small", 75), ("Medium", 160), ("Large", 500))
        if f"Images.Primary.{size}" in resources
    }
    if images:
        answer["Images"] = {"Primary": images}
    listing: dict[str, Any] = {"Id": f"{item['asin']}-listing", "ViolatesMAP": False}
    if "Offers.Listings.Price" in resources:
        listing["Price"] = {
            "Amount": item["amount"],
            "Currency": item["currency"],
            "DisplayAmount": item["displayAmount"],
        }
    if "Offers.Listings.MerchantInfo" in resources:
        listing["MerchantInfo"] = {"Id": "ATVPDKIKX0DER", "Name": item["merchant"]}
    if len(listing) > 2:
        answer["Offers"] = {"Listings": [listing]}
    return answer
