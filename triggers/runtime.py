"""What every trigger Lambda shares: one composition root per container, and the single place where
unexpected exceptions become `InternalFailure` (domain errors keep their class and message)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from core.app import Core
from core.errors import DomainError, InternalFailure
from core.settings import Settings

logger = Logger()
_core: Core | None = None


def core() -> Core:
    global _core  # noqa: PLW0603 - one composition root per Lambda container
    if _core is None:
        _core = Core(Settings.from_env(os.environ))
    return _core


def guarded(handle: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any], Any], Any]:
    def handler(event: dict[str, Any], context: Any) -> Any:
        try:
            return handle(event)
        except DomainError as exc:
            logger.info("refused", error_type=type(exc).__name__, reason=str(exc))
            raise
        except Exception as exc:
            logger.exception("internal failure")
            raise InternalFailure(getattr(context, "aws_request_id", "unknown")) from exc

    return handler
