"""EventBridge PutEvents, delivered: moto accepts the entries, the local bus runs the matching functions.

moto validates each entry and answers with EventBridge's shape (FailedEntryCount, and an EventId or
an ErrorCode per entry), but delivers only to logs, SQS and other buses. Here every accepted entry
on the default bus becomes the event JSON EventBridge gives targets and goes to the functions of the
matching `EVENT_RULES` (see `emulator.local_aws.eventbus`).

Unlike AWS, sources starting with "aws." are accepted: locally something has to play AWS services,
and the stream simulator sends IVS's events (source "aws.ivs") this way. The local IVS also records
those events into the stream session they name, as IVS lists a session's events in GetStreamSession.
"""

from __future__ import annotations

from datetime import UTC, datetime

from emulator.local_aws import eventbus
from emulator.local_aws.ivs_events import SOURCE as IVS_SOURCE
from emulator.local_aws.messages import AwsRequest, AwsResponse
from emulator.local_aws.registry import HandlerContext, Registry
from emulator.local_aws.services import ivs

SERVICE = "events"


def install(registry: Registry) -> None:
    registry.add(SERVICE, "PutEvents", put_events)


def put_events(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    response = ctx.forward()
    if not response.ok:
        return response
    received = datetime.now(UTC)
    results = response.json_body().get("Entries") or []
    # moto answers one result per entry, in order; failed entries have an ErrorCode and no EventId.
    for entry, result in zip(request.params.get("Entries") or [], results, strict=False):
        event_id = result.get("EventId")
        if not event_id or not eventbus.on_default_bus(entry):
            continue
        event = eventbus.event_json(
            entry, event_id=event_id, account_id=request.account_id, region=request.region, received=received
        )
        if event["source"] == IVS_SOURCE:
            ivs.record_event(ctx.state, event)
        eventbus.publish(ctx.functions, event)
    return response
