"""Work queues: one SQS queue per `infra.definitions.QUEUES` entry, with its dead-letter queue, consumed by
its function through an event source mapping (the local AWS builds the same from the same definitions)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.definitions import QUEUES, QueueDefinition


class Queues(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, definitions: Mapping[str, QueueDefinition] = QUEUES
    ) -> None:
        super().__init__(scope, construct_id)
        self._definitions = dict(definitions)
        self.by_name: dict[str, sqs.Queue] = {}
        self.dead_letters: dict[str, sqs.Queue] = {}
        for name, definition in self._definitions.items():
            retention = Duration.days(definition.retention_days)
            dead = sqs.Queue(
                self,
                f"{name}DeadLetters",
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                # The longest SQS keeps a message: time for an operator to look, fix, and redrive.
                retention_period=Duration.days(14),
            )
            self.dead_letters[name] = dead
            self.by_name[name] = sqs.Queue(
                self,
                name,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=retention,
                visibility_timeout=Duration.seconds(definition.visibility_timeout_seconds),
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=definition.max_receive_count, queue=dead),
            )

    def connect(self, functions: Mapping[str, lambda_.Function]) -> None:
        """Each queue's function consumes it; it may also send to it (a job sends the next page's job)."""
        for name, definition in self._definitions.items():
            queue = self.by_name[name]
            functions[definition.function].add_event_source(
                sources.SqsEventSource(
                    queue,
                    batch_size=definition.batch_size,
                    max_concurrency=definition.max_concurrency,
                    report_batch_item_failures=True,
                )
            )
