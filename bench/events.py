"""Stream events processed per second through the local stack: IVS events put on the local
EventBridge bus are delivered to the stream events function (worker processes), which records them,
updates live state and publishes to the local AppSync. Measured from the first PutEvents to the
moment every event is stored."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from core.app import Core
from core.aws import Clients
from core.models import AccountItem
from core.timefmt import now_iso
from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.local_aws.clients import client
from emulator.stack import local_settings
from tests.stacks import full_stack

NAMES = [
    ("IVS Stream State Change", "Session Created"),
    ("IVS Stream State Change", "Stream Start"),
    ("IVS Stream Health Change", "Starvation Start"),
    ("IVS Stream Health Change", "Starvation End"),
    ("IVS Stream State Change", "Stream End"),
    ("IVS Stream State Change", "Session Ended"),
]


def _entries(channel_arn: str, session: str, start: datetime) -> list[dict[str, Any]]:
    return [
        {
            "Source": "aws.ivs",
            "DetailType": detail_type,
            "Resources": [channel_arn],
            "Time": start + timedelta(seconds=i),
            "Detail": json.dumps({"event_name": name, "channel_name": "bench", "stream_id": session}),
        }
        for i, (detail_type, name) in enumerate(NAMES)
    ]


def measure(channels: int = 20) -> dict[str, float]:
    with full_stack(f"bench-ev-{uuid.uuid4().hex[:6]}") as stack:
        resources = stack.resources
        core = Core(
            local_settings(resources),
            Clients(resources.region, endpoint_url=resources.endpoint, credentials=LOCAL_CREDENTIALS),
        )
        events = client(resources.endpoint, "events")
        entries: list[dict[str, Any]] = []
        sessions = []
        for i in range(channels):
            sub = str(uuid.uuid4())
            account = AccountItem(sub=sub, username=f"b{i}{sub[:6]}", created_at=now_iso(), status="READY",
                                  channel_id=f"bench{sub[:8]}")  # fmt: skip
            core.table.client.put_item(TableName=core.table.name, Item=account.to_item())
            session = f"st-{uuid.uuid4().hex[:12]}"
            sessions.append(session)
            arn = f"arn:aws:ivs:{resources.region}:{resources.account_id}:channel/{account.channel_id}"
            entries += _entries(arn, session, datetime.now(UTC))
        # Warm the function's worker first, so the rate is not a cold-start figure.
        stack.functions("streams", {"detail-type": "other"})
        started = time.perf_counter()
        for batch in range(0, len(entries), 10):
            events.put_events(Entries=entries[batch : batch + 10])
        # PutEvents queues every delivery before it answers; the local AWS says when the last one ran.
        # (Polling the table instead loaded the shared local AWS enough to halve the figure.)
        if not stack.aws.wait_for_events(300):
            raise RuntimeError("events not all processed in 300 s")
        elapsed = time.perf_counter() - started
        stored = sum(len(core.sessions.events(s)) for s in sessions)
        if stored != len(entries):
            raise RuntimeError(f"{stored} of {len(entries)} events stored")
    return {"events": len(entries), "seconds": elapsed, "per_second": len(entries) / elapsed}


def main() -> None:
    result = measure()
    print("| events | seconds | events per second |\n|---|---|---|")
    print(f"| {result['events']} | {result['seconds']:.1f} | {result['per_second']:.0f} |")


if __name__ == "__main__":
    main()
