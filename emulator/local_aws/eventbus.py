"""The local EventBridge default bus: each event goes to the functions whose rules match it.

The rules are `infra.definitions.EVENT_RULES`, the ones CDK creates on the default bus, so what the
local bus delivers cannot drift from what is deployed. (They are not created in moto: moto would try
to deliver to their Lambda targets itself and fail, as it delivers to logs, SQS and buses only.)

Patterns are matched with moto's `EventPattern`, the matcher of moto's own rules: exact values (an
event array matches when any element does), nested keys such as `detail.event_name`, `prefix`,
`suffix`, `anything-but`, `numeric`, `exists`, `equals-ignore-case`, `wildcard` and `$or`.

Delivery is asynchronous, as EventBridge's: the function runs on the server's event worker after
PutEvents has answered, and a failure is logged with the event rather than returned (EventBridge
would retry it for a while, then drop it).
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from moto.events.models import EventPattern

from emulator.local_aws.functions import Functions
from emulator.local_aws.ivs_events import event_time, parse_event_time
from infra.definitions import EVENT_RULES, EventRule

if TYPE_CHECKING:
    from moto.events.utils import EventMessageType

logger = logging.getLogger(__name__)

DEFAULT_BUS = "default"


def event_json(
    entry: Mapping[str, Any], *, event_id: str | None, account_id: str, region: str, received: datetime | None = None
) -> dict[str, Any]:
    """The event EventBridge hands targets for one PutEvents entry (boto3's field names).

    `time` is the entry's Time, else when the bus received it; `detail` is the parsed Detail.
    """
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account_id,
        "time": event_time(_moment(entry.get("Time"), received)),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
    }


def on_default_bus(entry: Mapping[str, Any]) -> bool:
    """Whether the entry goes to the default bus, the only one with rules here."""
    bus = str(entry.get("EventBusName") or DEFAULT_BUS)
    return bus == DEFAULT_BUS or bus.endswith(f":event-bus/{DEFAULT_BUS}")


def matching_functions(event: Mapping[str, Any], rules: Mapping[str, EventRule] = EVENT_RULES) -> list[str]:
    """The functions of the rules `event` matches, each once, in rule order."""
    names: list[str] = []
    for rule in rules.values():
        pattern = _pattern(json.dumps(rule.pattern, sort_keys=True))
        if rule.function not in names and pattern.matches_event(cast("EventMessageType", dict(event))):
            names.append(rule.function)
    return names


def publish(functions: Functions, event: dict[str, Any], rules: Mapping[str, EventRule] = EVENT_RULES) -> list[str]:
    """Queue `event` for every function whose rule matches; the names queued (none without an invoker)."""
    names = matching_functions(event, rules)
    if not names:
        return []
    if not functions.available:
        # Plain moto, as before the runtime is plugged in: there is nothing to run the targets on.
        logger.debug("local EventBridge: no function invoker", extra={"event_id": event["id"], "functions": names})
        return []
    for name in names:
        functions.invoke_async(name, event)
    return names


@functools.cache
def _pattern(pattern: str) -> EventPattern:
    # Parsed once per pattern; moto's parser also rejects malformed patterns, as PutRule would.
    return EventPattern.load(pattern)


def _moment(value: Any, received: datetime | None) -> datetime:
    """An entry's Time as botocore sends it (epoch seconds), as a datetime, or as ISO 8601 text."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        return parse_event_time(value)
    return received or datetime.now(UTC)
