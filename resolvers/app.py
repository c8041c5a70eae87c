"""The GraphQL API Lambda (AppSync Direct Lambda resolver, single and batch invokes).

Domain errors propagate: AppSync reports their class name as `errorType` and their message. Any other
exception is logged here and replaced by `InternalFailure`, so internals never reach clients.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.errors import DomainError, InternalFailure
from resolvers import accounts, actions, channels, chat, follows, streams

logger = Logger()
app = AppSyncResolver()
app.include_router(accounts.router)
app.include_router(channels.router)
app.include_router(follows.router)
app.include_router(chat.router)
app.include_router(streams.router)
app.include_router(actions.router)


def _field(event: dict[str, Any] | list[dict[str, Any]]) -> str:
    first = event[0] if isinstance(event, list) and event else event
    info = first.get("info", {}) if isinstance(first, dict) else {}
    return f"{info.get('parentTypeName')}.{info.get('fieldName')}"


def handler(event: dict[str, Any] | list[dict[str, Any]], context: LambdaContext) -> Any:
    try:
        return app.resolve(event, context)
    except DomainError as exc:
        logger.info("refused", field=_field(event), error_type=type(exc).__name__, reason=str(exc))
        raise
    except Exception as exc:
        logger.exception("internal failure", field=_field(event))
        raise InternalFailure(context.aws_request_id) from exc
