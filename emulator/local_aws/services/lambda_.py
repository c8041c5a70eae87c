"""Lambda event source mappings (SQS): created, listed, read and deleted as Lambda's API does, and run
by the local AWS's pollers (`emulator.local_aws.event_sources`). moto would need Docker to run the
function, so the mappings live here; functions are addressed by name or ARN as elsewhere
(`emulator.local_aws.functions`). Only SQS sources are taken: nothing else here feeds a function."""

from __future__ import annotations

from typing import Any

from emulator.local_aws.event_sources import Mappings, SqsMapping, new_uuid
from emulator.local_aws.functions import function_arn, function_name
from emulator.local_aws.messages import AwsRequest, AwsResponse, ServiceError
from emulator.local_aws.registry import HandlerContext, Registry

SERVICE = "lambda"
# Lambda's limits for SQS sources.
_MAX_BATCH = 10_000
_MAX_STANDARD_BATCH_WITHOUT_WINDOW = 10
_CONCURRENCY = (2, 1000)


def install(registry: Registry) -> None:
    registry.add(SERVICE, "CreateEventSourceMapping", create)
    registry.add(SERVICE, "ListEventSourceMappings", list_mappings)
    registry.add(SERVICE, "GetEventSourceMapping", get)
    registry.add(SERVICE, "DeleteEventSourceMapping", delete)


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


def _not_found(uuid: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException", f"The resource you requested does not exist. (Service: Lambda; UUID: {uuid})", 404
    )


def _function(value: str, request: AwsRequest) -> tuple[str, str]:
    name = function_name(value) if value.startswith("arn:") else value
    if not name:
        raise _invalid(f"Invalid function name or ARN: {value}")
    return name, function_arn(request.region, request.account_id, name)


def create(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    source = str(params.get("EventSourceArn") or "")
    if not source.startswith("arn:aws:sqs:"):
        raise _invalid("Only SQS queues are event sources on the local AWS (EventSourceArn arn:aws:sqs:...)")
    name, arn = _function(str(params["FunctionName"]), request)
    batch_size = int(params.get("BatchSize") or 10)
    window = int(params.get("MaximumBatchingWindowInSeconds") or 0)
    if not 1 <= batch_size <= _MAX_BATCH or (batch_size > _MAX_STANDARD_BATCH_WITHOUT_WINDOW and window == 0):
        raise _invalid(
            f"Invalid batch size {batch_size}: 1-10 without a batching window, up to 10000 with one (SQS standard)"
        )
    concurrency = (params.get("ScalingConfig") or {}).get("MaximumConcurrency")
    if concurrency is not None and not _CONCURRENCY[0] <= int(concurrency) <= _CONCURRENCY[1]:
        raise _invalid(f"MaximumConcurrency must be between {_CONCURRENCY[0]} and {_CONCURRENCY[1]}")
    mapping = SqsMapping(
        uuid=new_uuid(),
        event_source_arn=source,
        function_arn=arn,
        function=name,
        batch_size=batch_size,
        maximum_concurrency=int(concurrency) if concurrency is not None else None,
        report_batch_item_failures="ReportBatchItemFailures" in (params.get("FunctionResponseTypes") or []),
        enabled=bool(params.get("Enabled", True)),
    )
    with ctx.state.store(Mappings) as mappings:
        if any(m.event_source_arn == source and m.function == name for m in mappings.by_uuid.values()):
            raise ServiceError(
                "ResourceConflictException",
                f'An event source mapping with SQS arn (" {source} ") and function (" {name} ") already exists.',
                409,
            )
        mappings.add(mapping)
    return AwsResponse.json(mapping.describe("Creating"), 202)


def list_mappings(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    source = request.params.get("EventSourceArn")
    name = _function(str(request.params["FunctionName"]), request)[0] if request.params.get("FunctionName") else None
    with ctx.state.store(Mappings) as mappings:
        found: list[dict[str, Any]] = [
            m.describe()
            for m in mappings.by_uuid.values()
            if (source is None or m.event_source_arn == source) and (name is None or m.function == name)
        ]
    return AwsResponse.json({"EventSourceMappings": found})


def get(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    uuid = str(request.params["UUID"])
    with ctx.state.store(Mappings) as mappings:
        mapping = mappings.by_uuid.get(uuid)
        if mapping is None:
            raise _not_found(uuid)
        return AwsResponse.json(mapping.describe())


def delete(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    uuid = str(request.params["UUID"])
    with ctx.state.store(Mappings) as mappings:
        mapping = mappings.by_uuid.pop(uuid, None)
    if mapping is None:
        raise _not_found(uuid)
    return AwsResponse.json(mapping.describe("Deleting"), 202)
