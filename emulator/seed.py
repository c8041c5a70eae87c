"""Demo data for the local stack: four users with channels and follows, two of them live.

Created through the real paths (Cognito admin API, then `createResources` and `follow` through the
local AppSync with each user's JWT), so the demo data is exactly what real use produces. Idempotent.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from core.app import Core
from core.aws import Clients
from core.timefmt import iso
from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.local_aws.clients import client as aws_client
from emulator.stack import LocalStack, local_settings

DEMO_PASSWORD = "Passw0rd!"  # noqa: S105 - the documented password of the local demo users
DEMO_USERS: tuple[str, ...] = ("alice", "bob", "carol", "dave")
DEMO_FOLLOWS: dict[str, tuple[str, ...]] = {
    "alice": ("bob", "carol"),
    "bob": ("alice",),
    "carol": ("alice", "bob", "dave"),
    "dave": ("alice", "bob", "carol"),
}
# Minutes since each live demo channel went live (when flagged live without a demo stream).
DEMO_LIVE: dict[str, int] = {"bob": 35, "carol": 8}
# Demo broadcasts run for a day; `ugc dev` ends them when it stops.
DEMO_STREAM_SECONDS = 24 * 3600

_PROVISION = "mutation { createResources { id channel { id } } }"
_FOLLOW = "mutation Follow($u: String!) { follow(username: $u) { id } }"


class SeedError(RuntimeError):
    pass


def ensure_user(stack: LocalStack, username: str, password: str = DEMO_PASSWORD) -> None:
    cognito = aws_client(stack.resources.endpoint, "cognito-idp")
    pool = stack.resources.user_pool_id
    try:
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": f"{username}@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "UsernameExistsException":
            raise
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)


async def _run(stack: LocalStack, token: str, query: str, variables: dict[str, str] | None = None) -> None:
    response = await stack.execute(query, variables, headers={"authorization": token})
    if response.status != 200 or response.body.get("errors"):
        raise SeedError(f"seeding failed: {response.body}")


async def seed(stack: LocalStack, now: datetime | None = None, *, mark_live: bool = True) -> None:
    """Users, channels and follows; `mark_live` flags the live demo channels directly (used when no
    demo streams run: `ugc dev --no-demo-streams`)."""
    tokens: dict[str, str] = {}
    for username in DEMO_USERS:
        ensure_user(stack, username)
        tokens[username] = stack.sign_in(username, DEMO_PASSWORD)["idToken"]
        await _run(stack, tokens[username], _PROVISION)
    for follower, followed in DEMO_FOLLOWS.items():
        for username in followed:
            await _run(stack, tokens[follower], _FOLLOW, {"u": username})
    if not mark_live:
        return
    core = Core(
        local_settings(stack.resources),
        Clients(stack.resources.region, endpoint_url=stack.resources.endpoint, credentials=LOCAL_CREDENTIALS),
    )
    moment = now or datetime.now(UTC)
    for username in DEMO_USERS:
        account = core.accounts.by_username(username)
        if account is None or account.channel_id is None:
            raise SeedError(f"demo user {username} has no channel")
        minutes = DEMO_LIVE.get(username)
        live_since = iso(moment - timedelta(minutes=minutes)) if minutes is not None else None
        if account.live_since is None or live_since is None:
            core.channels.set_live(account.channel_id, live_since)


# How long `demo_streams` waits for the directory to list the demo streams.
LIVE_LISTED_SECONDS = 30.0


def demo_streams(stack: LocalStack) -> list[Any]:
    """Simulated broadcasts of the live demo users, so the directory, channel pages and dashboards
    have real sessions, events and metrics from the first minute. Stop them with `.stop()`."""
    from emulator.simulator import StreamProfile, StreamSimulator, target_for_channel

    core = Core(
        local_settings(stack.resources),
        Clients(stack.resources.region, endpoint_url=stack.resources.endpoint, credentials=LOCAL_CREDENTIALS),
    )
    simulators = []
    for username in DEMO_LIVE:
        account = core.accounts.by_username(username)
        if account is None or account.channel_id is None:
            raise SeedError(f"demo user {username} has no channel")
        target = target_for_channel(stack.resources.endpoint, account.channel_id, username=username)
        simulator = StreamSimulator(target, StreamProfile(duration=DEMO_STREAM_SECONDS))
        simulator.start()
        simulators.append(simulator)
    _wait_until_listed(core, LIVE_LISTED_SECONDS)
    return simulators


def _wait_until_listed(core: Core, timeout: float) -> None:
    """Until the directory lists every demo stream: their Stream Start events mark the channels live a
    moment after the broadcasts start, through the stream-events function."""
    deadline = time.monotonic() + timeout
    while set(DEMO_LIVE) - {a.username for a in core.channels.live(None, None).items}:
        if time.monotonic() > deadline:
            raise SeedError(f"the demo streams were not listed live within {timeout:g} s")
        time.sleep(0.1)
