"""Overlay fields: send/stop, presets, and product search for the Amazon product overlay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler.appsync import Router

from core.errors import Forbidden
from core.views import account_json
from resolvers.context import caller, core

router = Router()


def _me() -> str:
    return caller(router.current_event).sub


@router.resolver(type_name="Mutation", field_name="sendStreamAction")
def send_stream_action(input: dict[str, Any]) -> dict[str, Any]:
    return core().actions.send(_me(), input).json(datetime.now(UTC))


@router.resolver(type_name="Mutation", field_name="stopStreamAction")
def stop_stream_action() -> dict[str, Any] | None:
    stopped = core().actions.stop(_me())
    return stopped.json(datetime.now(UTC), stopped=True) if stopped else None


@router.resolver(type_name="Mutation", field_name="saveStreamActionPreset")
def save_stream_action_preset(input: dict[str, Any]) -> dict[str, Any]:
    return account_json(core().actions.save_preset(_me(), input.get("name", ""), input.get("action") or {}))


@router.resolver(type_name="Mutation", field_name="deleteStreamActionPreset")
def delete_stream_action_preset(id: str) -> dict[str, Any]:
    return account_json(core().actions.delete_preset(_me(), id))


@router.resolver(type_name="Account", field_name="streamActionPresets")
def stream_action_presets() -> list[dict[str, Any]]:
    return core().actions.presets(_me())


@router.resolver(type_name="Query", field_name="searchProducts")
def search_products(keywords: str, page: int | None = None) -> dict[str, Any]:
    if not core().settings.enable_amazon_product_stream_action:
        raise Forbidden("product search is not enabled on this stack (enableAmazonProductStreamAction)")
    core().accounts.check_active(_me())
    result = core().products().search(keywords, page or 1)
    return {
        "items": [
            {"asin": p.asin, "title": p.title, "price": p.price, "imageUrl": p.image_url, "productUrl": p.product_url}
            for p in result.items
        ],
        "totalResults": result.total_results,
        "page": result.page,
    }
