"""Storage: the single DynamoDB table, built from `core.table.TABLE` (the definition the local stack uses too)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from core.table import TABLE, TableDefinition

_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _key(name: str) -> dynamodb.Attribute:
    # Every key attribute of the table is a string (see core.table).
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, retain: bool, definition: TableDefinition = TABLE
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=_key(definition.partition_key),
            sort_key=_key(definition.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # A retained stage's table also refuses deletion outside CloudFormation.
            deletion_protection=retain,
            time_to_live_attribute=definition.ttl_attribute,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
        for index in definition.indexes:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_key(index.partition_key),
                sort_key=_key(index.sort_key) if index.sort_key else None,
                projection_type=_PROJECTIONS[index.projection],
                non_key_attributes=list(index.non_key_attributes) if index.projection == "INCLUDE" else None,
            )
