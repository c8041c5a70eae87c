"""SQS sends, observed: moto queues the message, then the server that took it polls that queue for the
Lambda event source mappings on it (see `emulator.local_aws.event_sources`)."""

from __future__ import annotations

from emulator.local_aws.messages import AwsRequest, AwsResponse
from emulator.local_aws.registry import HandlerContext, Registry

SERVICE = "sqs"


def install(registry: Registry) -> None:
    registry.add(SERVICE, "SendMessage", sent)
    registry.add(SERVICE, "SendMessageBatch", sent)


def sent(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    response = ctx.forward()
    if response.ok and ctx.event_sources is not None:
        ctx.event_sources.notify(str(request.params["QueueUrl"]), request.region, request.account_id)
    return response
