"""IVS recording configurations, playback restriction policies and tags, which moto does not keep.

Recording configurations: Create, Get, List and Delete, answered as IVS answers them. A configuration is
ACTIVE when its bucket exists in the local S3 and CREATE_FAILED when it does not (IVS reports the same
once it has tried the bucket). Deleting one that a channel still uses is a ConflictException. Unset
options get IVS's defaults: thumbnails every 60 s, kept in sequence; every rendition recorded; no
reconnect window.

Playback restriction policies: Create, Get, List, Update and Delete. A policy holds the origins and
countries allowed to play, and whether the origin is enforced strictly. A channel names its policy in
CreateChannel or UpdateChannel (`playbackRestrictionPolicyArn`). moto keeps no such field on channels,
so it is kept here and added to the channel that GetChannel, CreateChannel and UpdateChannel answer with.
Deleting a policy that a channel uses is a ConflictException, as in IVS.

Tags: TagResource, UntagResource and ListTagsForResource for channels (moto's tags), stream keys,
recording configurations, playback restriction policies and playback key pairs. IVS's limit of 50
tags a resource is enforced (ValidationException).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from moto.ivs.models import ivs_backends
from moto.s3.models import s3_backends

from emulator.local_aws.messages import AwsRequest, AwsResponse, ServiceError
from emulator.local_aws.registry import Handler, HandlerContext, Registry
from emulator.local_aws.services.common import InvalidPageToken, page_offset
from emulator.local_aws.services.common import page_token as _token
from emulator.local_aws.services.common import random_id as _random

SERVICE = "ivs"
MAX_TAGS = 50
DEFAULT_PAGE = 50
# IVS's defaults for what CreateRecordingConfiguration leaves out.
DEFAULT_THUMBNAILS = {"recordingMode": "INTERVAL", "targetIntervalSeconds": 60, "storage": ["SEQUENTIAL"]}
DEFAULT_RENDITIONS = {"renditionSelection": "ALL"}


@dataclass
class IvsConfigs:
    """A LocalState store: recording configurations and restriction policies by ARN, the policy each
    channel names, and the tags of the resources moto does not tag."""

    recordings: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_policies: dict[str, str] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)


def install(registry: Registry) -> None:
    registry.add(SERVICE, "CreateRecordingConfiguration", create_recording_configuration)
    registry.add(SERVICE, "GetRecordingConfiguration", _getter(RECORDING))
    registry.add(SERVICE, "ListRecordingConfigurations", list_recording_configurations)
    registry.add(SERVICE, "DeleteRecordingConfiguration", _deleter(RECORDING))
    registry.add(SERVICE, "CreatePlaybackRestrictionPolicy", create_policy)
    registry.add(SERVICE, "GetPlaybackRestrictionPolicy", _getter(POLICY))
    registry.add(SERVICE, "ListPlaybackRestrictionPolicies", list_policies)
    registry.add(SERVICE, "UpdatePlaybackRestrictionPolicy", update_policy)
    registry.add(SERVICE, "DeletePlaybackRestrictionPolicy", _deleter(POLICY))
    registry.add(SERVICE, "GetChannel", get_channel)
    registry.add(SERVICE, "UpdateChannel", update_channel)
    registry.add(SERVICE, "ListChannels", list_channels)
    registry.add(SERVICE, "TagResource", tag_resource)
    registry.add(SERVICE, "UntagResource", untag_resource)
    registry.add(SERVICE, "ListTagsForResource", list_tags)


def _error(code: str, message: str, status: int) -> ServiceError:
    return ServiceError(code, message, status, fields={"exceptionMessage": message})


def _not_found(arn: str) -> ServiceError:
    return _error("ResourceNotFoundException", f"Resource: {arn} not found", 404)


def _check_tags(tags: dict[str, str]) -> dict[str, str]:
    if len(tags) > MAX_TAGS:
        raise _error("ValidationException", f"A resource can have at most {MAX_TAGS} tags", 400)
    return dict(tags)


def _page(items: list[dict[str, Any]], request: AwsRequest, key: str) -> AwsResponse:
    try:
        start = page_offset(request.params.get("nextToken"))
    except InvalidPageToken:
        raise _error("ValidationException", "nextToken is not valid", 400) from None
    size = int(request.params.get("maxResults") or DEFAULT_PAGE)
    body: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        body["nextToken"] = _token(start + size)
    return AwsResponse.json(body)


def _channels_using(request: AwsRequest, field_name: str, arn: str, configs: IvsConfigs) -> list[str]:
    channels = ivs_backends[request.account_id][request.region].channels
    if field_name == "playbackRestrictionPolicyArn":
        return [c for c, policy in configs.channel_policies.items() if policy == arn]
    return [c["arn"] for c in channels if c.get(field_name) == arn]


# --- recording configurations ---------------------------------------------------------------------
def create_recording_configuration(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    bucket = params["destinationConfiguration"]["s3"]["bucketName"]
    arn = f"arn:aws:ivs:{request.region}:{request.account_id}:recording-configuration/{_random(12)}"
    exists = bucket in s3_backends[request.account_id]["global"].buckets
    configuration = {
        "arn": arn,
        "name": params.get("name", ""),
        "destinationConfiguration": copy.deepcopy(params["destinationConfiguration"]),
        "state": "ACTIVE" if exists else "CREATE_FAILED",
        "recordingReconnectWindowSeconds": int(params.get("recordingReconnectWindowSeconds") or 0),
        "thumbnailConfiguration": {**DEFAULT_THUMBNAILS, **(params.get("thumbnailConfiguration") or {})},
        "renditionConfiguration": {**DEFAULT_RENDITIONS, **(params.get("renditionConfiguration") or {})},
    }
    with ctx.state.store(IvsConfigs) as configs:
        configs.recordings[arn] = configuration
        configs.tags[arn] = _check_tags(params.get("tags") or {})
        return AwsResponse.json({"recordingConfiguration": {**configuration, "tags": configs.tags[arn]}})


def recording_configuration(ctx: HandlerContext, arn: str) -> dict[str, Any] | None:
    """A recording configuration as GetRecordingConfiguration answers it (for the local recorder)."""
    with ctx.state.store(IvsConfigs) as configs:
        found = configs.recordings.get(arn)
        return copy.deepcopy(found) if found else None


def list_recording_configurations(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsConfigs) as configs:
        summaries = [
            {k: c[k] for k in ("arn", "name", "destinationConfiguration", "state")} | {"tags": configs.tags[c["arn"]]}
            for c in configs.recordings.values()
        ]
    return _page(summaries, request, "recordingConfigurations")


# --- playback restriction policies ----------------------------------------------------------------
def _policy_fields(params: Any, base: dict[str, Any]) -> dict[str, Any]:
    updated = dict(base)
    for key in ("allowedCountries", "allowedOrigins", "enableStrictOriginEnforcement", "name"):
        if key in params:
            updated[key] = copy.deepcopy(params[key])
    return updated


def create_policy(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    arn = f"arn:aws:ivs:{request.region}:{request.account_id}:playback-restriction-policy/{_random(12)}"
    base = {"arn": arn, "allowedCountries": [], "allowedOrigins": [], "enableStrictOriginEnforcement": False}
    policy = _policy_fields(request.params, base | {"name": ""})
    with ctx.state.store(IvsConfigs) as configs:
        configs.policies[arn] = policy
        configs.tags[arn] = _check_tags(request.params.get("tags") or {})
        return AwsResponse.json({"playbackRestrictionPolicy": {**policy, "tags": configs.tags[arn]}})


def list_policies(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsConfigs) as configs:
        summaries = [{**p, "tags": configs.tags[p["arn"]]} for p in configs.policies.values()]
    return _page(summaries, request, "playbackRestrictionPolicies")


def update_policy(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    arn = request.params["arn"]
    with ctx.state.store(IvsConfigs) as configs:
        if arn not in configs.policies:
            raise _not_found(arn)
        configs.policies[arn] = _policy_fields(request.params, configs.policies[arn])
        return AwsResponse.json({"playbackRestrictionPolicy": {**configs.policies[arn], "tags": configs.tags[arn]}})


# --- what both kinds share -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Kind:
    key: str  # the response's member, e.g. "recordingConfiguration"
    store: str  # the IvsConfigs field that holds them
    channel_field: str  # what a channel calls it
    title: str


RECORDING = _Kind("recordingConfiguration", "recordings", "recordingConfigurationArn", "Recording configuration")
POLICY = _Kind("playbackRestrictionPolicy", "policies", "playbackRestrictionPolicyArn", "Playback restriction policy")


def _of_kind(configs: IvsConfigs, kind: _Kind, arn: str) -> dict[str, dict[str, Any]]:
    """The store of `kind`, which must hold `arn` (ResourceNotFoundException otherwise)."""
    found: dict[str, dict[str, Any]] = getattr(configs, kind.store)
    if arn not in found:
        raise _not_found(arn)
    return found


def _getter(kind: _Kind) -> Handler:
    def get(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
        arn = request.params["arn"]
        with ctx.state.store(IvsConfigs) as configs:
            return AwsResponse.json({kind.key: {**_of_kind(configs, kind, arn)[arn], "tags": configs.tags[arn]}})

    return get


def _deleter(kind: _Kind) -> Handler:
    def delete(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
        arn = request.params["arn"]
        with ctx.state.store(IvsConfigs) as configs:
            found = _of_kind(configs, kind, arn)
            if _channels_using(request, kind.channel_field, arn, configs):
                raise _error("ConflictException", f"{kind.title} {arn} is in use by a channel", 409)
            del found[arn]
            configs.tags.pop(arn, None)
        return AwsResponse.empty(204)

    return delete


# --- channels: the policy they name ----------------------------------------------------------------
def bind_policy(ctx: HandlerContext, request: AwsRequest, channel_arn: str) -> str:
    """Record the policy a CreateChannel or UpdateChannel names (an empty ARN removes it); its ARN."""
    if "playbackRestrictionPolicyArn" not in request.params:
        with ctx.state.store(IvsConfigs) as configs:
            return configs.channel_policies.get(channel_arn, "")
    policy = request.params["playbackRestrictionPolicyArn"]
    with ctx.state.store(IvsConfigs) as configs:
        if policy and policy not in configs.policies:
            raise _not_found(policy)
        if policy:
            configs.channel_policies[channel_arn] = policy
        else:
            configs.channel_policies.pop(channel_arn, None)
        return policy


def with_policy(response: AwsResponse, policy: str) -> AwsResponse:
    """moto's channel answer with the channel's playback restriction policy added."""
    if not response.ok:
        return response
    body = response.json_body()
    body["channel"]["playbackRestrictionPolicyArn"] = policy
    return AwsResponse.json(body, response.status)


def check_policy(ctx: HandlerContext, request: AwsRequest) -> None:
    """Refuse a CreateChannel naming a policy that does not exist, before moto makes the channel."""
    policy = request.params.get("playbackRestrictionPolicyArn")
    if policy:
        with ctx.state.store(IvsConfigs) as configs:
            if policy not in configs.policies:
                raise _not_found(policy)


def get_channel(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    response = ctx.forward()
    with ctx.state.store(IvsConfigs) as configs:
        policy = configs.channel_policies.get(request.params["arn"], "")
    return with_policy(response, policy)


def update_channel(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    """As IVS: a live channel cannot be updated (stop its stream first)."""
    from emulator.local_aws.services.ivs import IvsStore  # a sibling service module: imported on use

    with ctx.state.store(IvsStore) as store:
        if request.params["arn"] in store.live:
            raise _error("ConflictException", f"Channel {request.params['arn']} is live; stop its stream first", 409)
    check_policy(ctx, request)
    response = ctx.forward()
    if not response.ok:
        return response
    return with_policy(response, bind_policy(ctx, request, request.params["arn"]))


def list_channels(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    """moto's summaries, each with the policy its channel names (as IVS's ChannelSummary has it)."""
    response = ctx.forward()
    if not response.ok:
        return response
    body = response.json_body()
    with ctx.state.store(IvsConfigs) as configs:
        for summary in body.get("channels", []):
            summary["playbackRestrictionPolicyArn"] = configs.channel_policies.get(summary["arn"], "")
    return AwsResponse.json(body, response.status)


def drop_channel(ctx: HandlerContext, channel_arn: str) -> None:
    with ctx.state.store(IvsConfigs) as configs:
        configs.channel_policies.pop(channel_arn, None)
        configs.tags.pop(channel_arn, None)


# --- tags ------------------------------------------------------------------------------------------
def _kind(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "ivs":
        raise _error("ValidationException", f"{arn} is not an IVS resource ARN", 400)
    return parts[5].split("/", 1)[0]


def _current_tags(request: AwsRequest, ctx: HandlerContext, arn: str, configs: IvsConfigs) -> dict[str, str]:
    kind = _kind(arn)
    if kind == "channel":
        backend = ivs_backends[request.account_id][request.region]
        channel = next((c for c in backend.channels if c["arn"] == arn), None)
        if channel is None:
            raise _not_found(arn)
        return dict(channel.get("tags") or {})
    if kind in ("stream-key", "playback-key"):
        from emulator.local_aws.services.ivs import IvsStore  # a sibling service module: imported on use

        with ctx.state.store(IvsStore) as store:
            record = store.stream_keys.get(arn) if kind == "stream-key" else store.playback_keys.get(arn)
            if record is None:
                raise _not_found(arn)
        return configs.tags.get(arn, dict(getattr(record, "tags", {}) or {}))
    if arn not in configs.recordings and arn not in configs.policies:
        raise _not_found(arn)
    return configs.tags.get(arn, {})


def _store_tags(request: AwsRequest, arn: str, tags: dict[str, str], configs: IvsConfigs) -> None:
    if _kind(arn) == "channel":
        backend = ivs_backends[request.account_id][request.region]
        channel = next(c for c in backend.channels if c["arn"] == arn)
        channel["tags"] = tags
    else:
        configs.tags[arn] = tags


def tag_resource(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    arn = request.params["resourceArn"]
    with ctx.state.store(IvsConfigs) as configs:
        tags = {**_current_tags(request, ctx, arn, configs), **dict(request.params["tags"])}
        _store_tags(request, arn, _check_tags(tags), configs)
    return AwsResponse.json({})


def untag_resource(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    arn = request.params["resourceArn"]
    with ctx.state.store(IvsConfigs) as configs:
        tags = _current_tags(request, ctx, arn, configs)
        for key in request.params["tagKeys"]:
            tags.pop(key, None)
        _store_tags(request, arn, tags, configs)
    return AwsResponse.json({})


def list_tags(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    arn = request.params["resourceArn"]
    with ctx.state.store(IvsConfigs) as configs:
        return AwsResponse.json({"tags": _current_tags(request, ctx, arn, configs)})
