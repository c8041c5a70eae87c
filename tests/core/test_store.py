"""The table adapter against the local AWS's DynamoDB."""

from __future__ import annotations

from typing import Any

from core.store import BATCH_GET_LIMIT, Table


class CountingClient:
    """The DynamoDB client, counting BatchGetItem requests and the keys in each."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.batch_sizes: list[int] = []

    def batch_get_item(self, **kwargs: Any) -> Any:
        self.batch_sizes.append(sum(len(r["Keys"]) for r in kwargs["RequestItems"].values()))
        return self._client.batch_get_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_batch_get_reads_any_number_of_keys_in_requests_of_at_most_100(local_resources, local_aws_client) -> None:
    # GIVEN 250 items (a stage may batch up to 2000 fields into one resolver call)
    dynamodb = local_aws_client("dynamodb")
    table = Table(CountingClient(dynamodb), local_resources.table_name)
    keys = [{"PK": {"S": "TEST#batch"}, "SK": {"S": f"ITEM#{i:04d}"}} for i in range(250)]
    for key in keys[::2]:
        dynamodb.put_item(TableName=local_resources.table_name, Item={**key, "n": {"N": "1"}})

    # WHEN reading all 250 keys, half of which exist
    found = table.batch_get(keys)

    # THEN every existing item comes back, in three requests of 100, 100 and 50 keys
    assert sorted(item["SK"]["S"] for item in found) == [k["SK"]["S"] for k in keys[::2]]
    assert table.client.batch_sizes == [BATCH_GET_LIMIT, BATCH_GET_LIMIT, 50]
    # AND no keys means no request
    assert table.batch_get([]) == []
    assert len(table.client.batch_sizes) == 3
