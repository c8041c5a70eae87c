"""Lambda's SQS event source mappings, run locally: queue messages become invocations of the project's
functions, as Lambda's pollers deliver them.

A mapping is created with Lambda's own CreateEventSourceMapping (services/lambda_.py keeps it, as moto
would need Docker to run the function), so what consumes a queue is configured on the resources, as in
AWS. A server polls the queues that were sent to through it: its functions' environment names its
endpoint, so a message sent through another server belongs to that server's stack.

As Lambda does: a batch of up to BatchSize messages per invocation, at most MaximumConcurrency
invocations of one mapping at a time, messages deleted once the invocation succeeds, and with
ReportBatchItemFailures only the messages the function names stay in the queue. What stays becomes
visible again after the queue's visibility timeout, and SQS's redrive policy moves it to the
dead-letter queue after maxReceiveCount receives (moto applies the redrive policy itself).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from emulator.local_aws.state import LocalState

logger = logging.getLogger(__name__)

# How long an idle poller sleeps before looking again (messages that become visible again after a
# failure are picked up within this).
_IDLE_SECONDS = 0.5
# SQS's maximum per ReceiveMessage.
_RECEIVE_MAX = 10


@dataclass
class SqsMapping:
    """One event source mapping, as CreateEventSourceMapping configured it."""

    uuid: str
    event_source_arn: str
    function_arn: str
    function: str
    batch_size: int = 10
    maximum_concurrency: int | None = None
    report_batch_item_failures: bool = False
    enabled: bool = True
    last_modified: float = field(default_factory=time.time)

    def describe(self, state: str | None = None) -> dict[str, Any]:
        """EventSourceMappingConfiguration, as Lambda answers it."""
        described: dict[str, Any] = {
            "UUID": self.uuid,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": 0,
            "EventSourceArn": self.event_source_arn,
            "FunctionArn": self.function_arn,
            "LastModified": self.last_modified,
            "State": state or ("Enabled" if self.enabled else "Disabled"),
            "StateTransitionReason": "USER_INITIATED",
            "FunctionResponseTypes": ["ReportBatchItemFailures"] if self.report_batch_item_failures else [],
        }
        if self.maximum_concurrency is not None:
            described["ScalingConfig"] = {"MaximumConcurrency": self.maximum_concurrency}
        return described


class Mappings:
    """Every event source mapping of the process (a LocalState store)."""

    def __init__(self) -> None:
        self.by_uuid: dict[str, SqsMapping] = {}

    def add(self, mapping: SqsMapping) -> None:
        self.by_uuid[mapping.uuid] = mapping

    def for_queue(self, queue_arn: str) -> list[SqsMapping]:
        return [m for m in self.by_uuid.values() if m.event_source_arn == queue_arn and m.enabled]


def new_uuid() -> str:
    return str(uuid.uuid4())


def queue_arn_of(url: str, region: str, account_id: str) -> str:
    """The ARN of a queue from its URL (`<endpoint>/<account>/<name>`)."""
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{region}:{account or account_id}:{name}"


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One message as Lambda hands it to the function (message attributes in Lambda's lower camel case)."""
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType"),
        }
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def failed_ids(result: Any, batch: list[dict[str, Any]], mapping: SqsMapping) -> set[str]:
    """The messages that stay in the queue after an invocation that returned `result`.

    Without ReportBatchItemFailures a returned invocation succeeded for all. With it, the function names
    the failures; an answer Lambda cannot read (not the documented shape, or an id not in the batch)
    fails the whole batch, as Lambda does."""
    if not mapping.report_batch_item_failures or not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    ids = {record["messageId"] for record in batch}
    named: set[str] = set()
    for failure in failures if isinstance(failures, list) else [None]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in ids:
            return ids
        named.add(identifier)
    return named


Invoke = Callable[[str, dict[str, Any]], Any]


class EventSources:
    """The pollers of one local AWS server: one thread that receives, and a pool per mapping that invokes."""

    def __init__(self, state: LocalState, invoke: Invoke, available: Callable[[], bool]) -> None:
        self._state = state
        self._invoke = invoke
        self._available = available
        self._client_factory: Callable[[], Any] | None = None
        self._client: Any = None
        self._lock = threading.Condition()
        self._queues: dict[str, str] = {}  # url -> arn, the queues sent to through this server
        self._in_flight: dict[str, int] = {}  # mapping uuid -> invocations running
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def attach(self, client_factory: Callable[[], Any]) -> None:
        """How to reach the server's own SQS (known once it listens)."""
        self._client_factory = client_factory

    def notify(self, queue_url: str, region: str, account_id: str) -> None:
        """A message was sent to `queue_url` through this server: poll it."""
        with self._lock:
            self._queues.setdefault(queue_url, queue_arn_of(queue_url, region, account_id))
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="local-aws-event-sources", daemon=True)
                self._thread.start()
        self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no invocation runs and no visible message waits in a polled queue (without an
        invoker, nothing would deliver them: that is idle too)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                running = any(self._in_flight.values())
                queues = dict(self._queues)
            if not running and (not self._available() or self._client_factory is None):
                return True
            if not running and not any(map(self._visible, queues)):
                with self._lock:
                    if not any(self._in_flight.values()):
                        return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
            pools, self._pools = dict(self._pools), {}
        self._wake.set()
        if thread is not None:
            thread.join(timeout=5)
        for pool in pools.values():
            pool.shutdown(wait=True)

    # --- the poller ---------------------------------------------------------------------------------
    def _sqs(self) -> Any:
        if self._client is None and self._client_factory is not None:
            self._client = self._client_factory()
        return self._client

    def _visible(self, url: str) -> bool:
        attributes = self._sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"].get("ApproximateNumberOfMessages", "0")) > 0

    def _run(self) -> None:
        while not self._closed:
            self._wake.clear()
            try:
                worked = self._poll_once()
            except Exception:
                logger.exception("local event source poll failed")
                worked = False
            if not worked:
                self._wake.wait(_IDLE_SECONDS)

    def _poll_once(self) -> bool:
        if not self._available() or self._sqs() is None:
            return False
        worked = False
        with self._lock:
            queues = dict(self._queues)
        for url, arn in queues.items():
            with self._state.store(Mappings) as mappings:
                active = mappings.for_queue(arn)
            for mapping in active:
                worked |= self._receive(mapping, url)
        return worked

    def _receive(self, mapping: SqsMapping, url: str) -> bool:
        limit = mapping.maximum_concurrency or 1000
        with self._lock:
            if self._in_flight.get(mapping.uuid, 0) >= limit or self._closed:
                return False
        out = self._sqs().receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(mapping.batch_size, _RECEIVE_MAX),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = out.get("Messages") or []
        if not messages:
            return False
        region = mapping.event_source_arn.split(":")[3]
        batch = [lambda_record(m, mapping.event_source_arn, region) for m in messages]
        with self._lock:
            self._in_flight[mapping.uuid] = self._in_flight.get(mapping.uuid, 0) + 1
            pool = self._pools.get(mapping.uuid)
            if pool is None:
                pool = self._pools[mapping.uuid] = ThreadPoolExecutor(limit, thread_name_prefix="local-aws-sqs")
        pool.submit(self._deliver, mapping, url, batch)
        return True

    def _deliver(self, mapping: SqsMapping, url: str, batch: list[dict[str, Any]]) -> None:
        try:
            try:
                result = self._invoke(mapping.function, {"Records": batch})
            except Exception as exc:
                # The whole batch stays: it comes back after the visibility timeout, and its receive count
                # takes it to the dead-letter queue in the end.
                logger.warning(
                    "local SQS event source: function failed",
                    extra={"function": mapping.function, "queue": mapping.event_source_arn, "error": str(exc)},
                )
                return
            failed = failed_ids(result, batch, mapping)
            done = [r for r in batch if r["messageId"] not in failed]
            if done:
                self._sqs().delete_message_batch(
                    QueueUrl=url,
                    Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(done)],
                )
        except Exception:
            logger.exception("local SQS event source: delivery failed", extra={"function": mapping.function})
        finally:
            with self._lock:
                self._in_flight[mapping.uuid] -= 1
            self._wake.set()
