"""Which IVS channel a user streams to: the API names the channel, the local IVS gives its ARN."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from client.errors import ConfigError
from emulator.local_aws.clients import client
from emulator.simulator.local import SimulationError
from emulator.simulator.stream import SimulationTarget

if TYPE_CHECKING:
    from client.outputs import AmplifyOutputs

CHANNEL_QUERY = "query SimulatedChannel($username: String!) { channel(username: $username) { id username } }"
# Runs a GraphQL document with variables and returns the response's data.
GraphQL = Callable[[str, dict[str, Any]], dict[str, Any]]


def local_endpoint(outputs: AmplifyOutputs) -> str:
    endpoint = outputs.aws_endpoint_url
    if not endpoint:
        raise ConfigError(
            f"{outputs.source} describes a deployed stack (no custom.ugc.aws_endpoint_url); "
            "`ugc simulate` plays IVS on the local stack only (start it with `ugc dev`)"
        )
    return endpoint.rstrip("/")


def find_target(outputs: AmplifyOutputs, username: str, graphql: GraphQL | None = None) -> SimulationTarget:
    """The channel `username` broadcasts on, looked up with the stack's API key (as an anonymous viewer)."""
    endpoint = local_endpoint(outputs)
    if graphql is None:
        from client.sdk import UGCClient

        with UGCClient.anonymous(outputs) as api:
            data = api.execute(CHANNEL_QUERY, {"username": username})
    else:
        data = graphql(CHANNEL_QUERY, {"username": username})
    channel = data.get("channel")
    if not channel:
        raise SimulationError(f"there is no user {username!r}")
    return target_for_channel(endpoint, str(channel["id"]), username=username)


def target_for_channel(endpoint: str, channel_id: str, *, username: str | None = None) -> SimulationTarget:
    """The channel with IVS id `channel_id` on the local IVS (its ARN carries the account and region)."""
    ivs = client(endpoint, "ivs")
    for page in ivs.get_paginator("list_channels").paginate():
        for channel in page["channels"]:
            if channel["arn"].rsplit("/", 1)[-1] == channel_id:
                return SimulationTarget(
                    endpoint=endpoint,
                    channel_arn=channel["arn"],
                    channel_name=channel.get("name") or "",
                    channel_type=channel.get("type") or "BASIC",
                )
    who = f"{username}'s channel" if username else "the channel"
    raise SimulationError(f"the local IVS has no channel {channel_id!r} ({who}; was it provisioned?)")
