"""Thin typed access to the single table: every list read is a Query or a BatchGetItem."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from core.errors import Conflict

# Keys per BatchGetItem request (DynamoDB's limit).
BATCH_GET_LIMIT = 100


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def cancellation_codes(exc: ClientError) -> list[str]:
    """Per-item reasons of a cancelled transaction ("None" where that item was fine)."""
    reasons = exc.response.get("CancellationReasons") or []
    return [str(r.get("Code", "None")) for r in reasons]


class Table:
    def __init__(self, client: Any, name: str, sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.name = name
        self._sleep = sleep

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> dict[str, Any] | None:
        out = self.client.get_item(
            TableName=self.name, Key={"PK": {"S": pk}, "SK": {"S": sk}}, ConsistentRead=consistent
        )
        item: dict[str, Any] | None = out.get("Item")
        return item

    def query(self, **kwargs: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One Query call: one page of items and the key to continue from."""
        out = self.client.query(TableName=self.name, **kwargs)
        return out.get("Items", []), out.get("LastEvaluatedKey")

    def query_all(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a Query, page by page (for background fan-out, never on a request path)."""
        start: dict[str, Any] | None = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            items, start = self.query(**kwargs, **extra)
            yield from items
            if not start:
                return

    def batch_get(
        self, keys: list[dict[str, Any]], attempts: int = 5, *, consistent: bool = False
    ) -> list[dict[str, Any]]:
        """BatchGetItem for any number of keys: one request per 100 (DynamoDB's limit per call; batch
        resolvers get up to a stage's maxBatchSize of fields at once), retrying unprocessed keys
        (throttling) with backoff."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            found.extend(self._batch_get_page(keys[start : start + BATCH_GET_LIMIT], attempts, consistent))
        return found

    def _batch_get_page(self, keys: list[dict[str, Any]], attempts: int, consistent: bool) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        pending: dict[str, Any] = {self.name: {"Keys": keys, "ConsistentRead": consistent}}
        for attempt in range(attempts):
            out = self.client.batch_get_item(RequestItems=pending)
            found.extend(out.get("Responses", {}).get(self.name, []))
            pending = out.get("UnprocessedKeys") or {}
            if not pending:
                return found
            self._sleep(0.05 * 2**attempt)
        raise Conflict("the table is busy; try again")

    def transact(self, items: list[dict[str, Any]]) -> None:
        self.client.transact_write_items(TransactItems=items)
