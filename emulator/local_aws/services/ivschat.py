"""Amazon IVS Chat (ivschat), which moto does not have: rooms, chat tokens and moderation.

boto3's `ivschat` client works unchanged (rest-json, routed by botocore's model). Rooms live here;
tokens are opaque random strings that nothing local accepts yet, so what a token and a moderation
call would have done is recorded instead, for tests and tools to observe:

    GET /_local/ivschat/rooms/<room id>
    → {"room": <GetRoom output>, "tokens": [{userId, capabilities, attributes, issuedAt}],
       "disconnected": [{userId, reason, at}], "deletedMessages": [{id, reason, at}],
       "events": [{id, eventName, attributes, at}]}

(404 for a room that does not exist or was deleted; times are ISO 8601 UTC.) Logging
configurations are not implemented: a call to them answers 501.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from emulator.local_aws.messages import AwsRequest, AwsResponse, HttpRequest, ServiceError
from emulator.local_aws.registry import HandlerContext, Registry
from emulator.local_aws.services.common import InvalidPageToken, page_offset
from emulator.local_aws.services.common import iso as _iso
from emulator.local_aws.services.common import now as _now
from emulator.local_aws.services.common import page_token as _token
from emulator.local_aws.services.common import random_id as _random

SERVICE = "ivschat"
ROOMS_PATH = "ivschat/rooms"
DEFAULT_MESSAGE_RATE = 10  # messages per second, CreateRoom's documented default
DEFAULT_MESSAGE_LENGTH = 500  # characters, CreateRoom's documented default
DEFAULT_SESSION_MINUTES = 60
# A token must be used to connect within a minute; the session it opens lasts sessionDurationInMinutes.
TOKEN_LIFETIME = timedelta(minutes=1)
MAX_ATTRIBUTES_BYTES = 1024
DEFAULT_LIST_LIMIT = 50
CAPABILITIES = frozenset({"SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"})


@dataclass(frozen=True)
class Room:
    arn: str
    id: str
    name: str
    create_time: datetime
    update_time: datetime
    maximum_message_rate_per_second: int
    maximum_message_length: int
    message_review_handler: dict[str, Any] | None
    tags: dict[str, str]
    logging_configuration_identifiers: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "arn": self.arn,
            "id": self.id,
            "name": self.name,
            "createTime": _iso(self.create_time),
            "updateTime": _iso(self.update_time),
            "tags": dict(self.tags),
            "loggingConfigurationIdentifiers": list(self.logging_configuration_identifiers),
        }
        if self.message_review_handler is not None:
            out["messageReviewHandler"] = dict(self.message_review_handler)
        return out

    def full(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "maximumMessageRatePerSecond": self.maximum_message_rate_per_second,
            "maximumMessageLength": self.maximum_message_length,
        }


@dataclass(frozen=True)
class IssuedToken:
    token: str
    user_id: str
    capabilities: tuple[str, ...]
    attributes: dict[str, str]
    issued_at: datetime
    token_expiration: datetime
    session_expiration: datetime


@dataclass
class RoomActivity:
    """What clients of the room would have seen happen."""

    tokens: list[IssuedToken] = field(default_factory=list)
    disconnected: list[dict[str, Any]] = field(default_factory=list)
    deleted_messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class IvsChatStore:
    # Insertion-ordered, so listings are stable and pagination tokens stay valid between pages.
    rooms: dict[str, Room] = field(default_factory=dict)
    activity: dict[str, RoomActivity] = field(default_factory=dict)

    def room(self, identifier: str) -> Room:
        found = self.rooms.get(identifier)
        if found is None:
            raise _not_found(identifier)
        return found


def install(registry: Registry) -> None:
    registry.add(SERVICE, "CreateRoom", create_room)
    registry.add(SERVICE, "GetRoom", get_room)
    registry.add(SERVICE, "UpdateRoom", update_room)
    registry.add(SERVICE, "DeleteRoom", delete_room)
    registry.add(SERVICE, "ListRooms", list_rooms)
    registry.add(SERVICE, "TagResource", tag_resource)
    registry.add(SERVICE, "UntagResource", untag_resource)
    registry.add(SERVICE, "ListTagsForResource", list_tags_for_resource)
    registry.add(SERVICE, "CreateChatToken", create_chat_token)
    registry.add(SERVICE, "DeleteMessage", delete_message)
    registry.add(SERVICE, "DisconnectUser", disconnect_user)
    registry.add(SERVICE, "SendEvent", send_event)
    for operation in (
        "CreateLoggingConfiguration",
        "GetLoggingConfiguration",
        "UpdateLoggingConfiguration",
        "DeleteLoggingConfiguration",
        "ListLoggingConfigurations",
    ):
        registry.add(SERVICE, operation, not_implemented)
    registry.add_local(ROOMS_PATH, room_activity)


# --- rooms ---------------------------------------------------------------------------------------
def create_room(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    room_id = _random(12)
    now = _now()
    room = Room(
        arn=f"arn:aws:ivschat:{request.region}:{request.account_id}:room/{room_id}",
        id=room_id,
        name=str(params.get("name") or ""),
        create_time=now,
        update_time=now,
        maximum_message_rate_per_second=int(params.get("maximumMessageRatePerSecond") or DEFAULT_MESSAGE_RATE),
        maximum_message_length=int(params.get("maximumMessageLength") or DEFAULT_MESSAGE_LENGTH),
        message_review_handler=_review_handler(params.get("messageReviewHandler")),
        tags=dict(params.get("tags") or {}),
        logging_configuration_identifiers=tuple(params.get("loggingConfigurationIdentifiers") or ()),
    )
    with ctx.state.store(IvsChatStore) as store:
        store.rooms[room.arn] = room
        store.activity[room.arn] = RoomActivity()
    return AwsResponse.json(room.full())


def get_room(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(request.params["identifier"])
    return AwsResponse.json(room.full())


def update_room(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(params["identifier"])
        changes: dict[str, Any] = {"update_time": _now()}
        if "name" in params:
            changes["name"] = str(params["name"])
        if "maximumMessageRatePerSecond" in params:
            changes["maximum_message_rate_per_second"] = int(params["maximumMessageRatePerSecond"])
        if "maximumMessageLength" in params:
            changes["maximum_message_length"] = int(params["maximumMessageLength"])
        if "messageReviewHandler" in params:
            changes["message_review_handler"] = _review_handler(params["messageReviewHandler"])
        if "loggingConfigurationIdentifiers" in params:
            changes["logging_configuration_identifiers"] = tuple(params["loggingConfigurationIdentifiers"])
        room = replace(room, **changes)
        store.rooms[room.arn] = room
    return AwsResponse.json(room.full())


def delete_room(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(request.params["identifier"])
        del store.rooms[room.arn]
        store.activity.pop(room.arn, None)
    return AwsResponse.empty(204)


def list_rooms(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    limit = int(params.get("maxResults") or DEFAULT_LIST_LIMIT)
    start = _offset(params.get("nextToken"))
    name = params.get("name")
    handler_uri = params.get("messageReviewHandlerUri")
    logging_id = params.get("loggingConfigurationIdentifier")
    with ctx.state.store(IvsChatStore) as store:
        rooms = [
            room
            for room in store.rooms.values()
            if (name is None or room.name == name)
            and (handler_uri is None or (room.message_review_handler or {}).get("uri") == handler_uri)
            and (logging_id is None or logging_id in room.logging_configuration_identifiers)
        ]
    out: dict[str, Any] = {"rooms": [room.summary() for room in rooms[start : start + limit]]}
    if start + limit < len(rooms):
        out["nextToken"] = _token(start + limit)
    return AwsResponse.json(out)


# --- tags ----------------------------------------------------------------------------------------
def tag_resource(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(request.params["resourceArn"])
        store.rooms[room.arn] = replace(room, tags={**room.tags, **request.params["tags"]})
    return AwsResponse.json({})


def untag_resource(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(request.params["resourceArn"])
        dropped = set(request.params["tagKeys"])
        store.rooms[room.arn] = replace(room, tags={k: v for k, v in room.tags.items() if k not in dropped})
    return AwsResponse.json({})


def list_tags_for_resource(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(request.params["resourceArn"])
    return AwsResponse.json({"tags": dict(room.tags)})


# --- tokens and moderation -----------------------------------------------------------------------
def create_chat_token(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    capabilities = tuple(params.get("capabilities") or ())
    unknown = sorted(set(capabilities) - CAPABILITIES)
    if unknown:
        # The model's enum check already refuses these; kept so the rule holds without the model.
        raise _invalid("capabilities", f"unknown capabilities: {', '.join(unknown)}")
    attributes = {str(k): str(v) for k, v in (params.get("attributes") or {}).items()}
    size = sum(len(k.encode()) + len(v.encode()) for k, v in attributes.items())
    if size > MAX_ATTRIBUTES_BYTES:
        raise _invalid("attributes", f"attributes are {size} bytes; the maximum is {MAX_ATTRIBUTES_BYTES} bytes total")
    minutes = int(params.get("sessionDurationInMinutes") or DEFAULT_SESSION_MINUTES)
    now = _now()
    issued = IssuedToken(
        token=secrets.token_urlsafe(48),
        user_id=params["userId"],
        capabilities=capabilities,
        attributes=attributes,
        issued_at=now,
        token_expiration=now + TOKEN_LIFETIME,
        session_expiration=now + timedelta(minutes=minutes),
    )
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(params["roomIdentifier"])
        store.activity[room.arn].tokens.append(issued)
    return AwsResponse.json(
        {
            "token": issued.token,
            "tokenExpirationTime": _iso(issued.token_expiration),
            "sessionExpirationTime": _iso(issued.session_expiration),
        }
    )


def delete_message(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    event_id = _random(12)
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(params["roomIdentifier"])
        store.activity[room.arn].deleted_messages.append(
            {"id": params["id"], "reason": params.get("reason"), "at": _iso(_now())}
        )
    # The id is that of the DeleteMessage event IVS Chat sends to the room's clients.
    return AwsResponse.json({"id": event_id})


def disconnect_user(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(params["roomIdentifier"])
        store.activity[room.arn].disconnected.append(
            {"userId": params["userId"], "reason": params.get("reason"), "at": _iso(_now())}
        )
    return AwsResponse.json({})


def send_event(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    params = request.params
    event_id = _random(12)
    with ctx.state.store(IvsChatStore) as store:
        room = store.room(params["roomIdentifier"])
        store.activity[room.arn].events.append(
            {
                "id": event_id,
                "eventName": params["eventName"],
                "attributes": dict(params.get("attributes") or {}),
                "at": _iso(_now()),
            }
        )
    return AwsResponse.json({"id": event_id})


def not_implemented(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    raise ServiceError("NotImplemented", f"the local AWS does not implement ivschat {request.operation}", 501)


# --- the local endpoint --------------------------------------------------------------------------
def room_activity(request: HttpRequest, ctx: HandlerContext) -> AwsResponse:
    room_id = request.path.rstrip("/").rsplit("/", 1)[-1]
    with ctx.state.store(IvsChatStore) as store:
        room = next((r for r in store.rooms.values() if r.id == room_id), None)
        if room is None:
            raise ServiceError("ResourceNotFoundException", f"no room with id {room_id}", 404)
        activity = store.activity[room.arn]
        out = {
            "room": room.full(),
            "tokens": [
                {
                    "userId": t.user_id,
                    "capabilities": list(t.capabilities),
                    "attributes": dict(t.attributes),
                    "issuedAt": _iso(t.issued_at),
                }
                for t in activity.tokens
            ],
            "disconnected": list(activity.disconnected),
            "deletedMessages": list(activity.deleted_messages),
            "events": list(activity.events),
        }
    return AwsResponse.json(out)


# --- helpers -------------------------------------------------------------------------------------
def _not_found(identifier: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException",
        f"Resource {identifier} not found",
        404,
        fields={"resourceId": identifier, "resourceType": "ROOM"},
    )


def _invalid(name: str, message: str) -> ServiceError:
    return ServiceError(
        "ValidationException",
        message,
        400,
        fields={"reason": "FIELD_VALIDATION_FAILED", "fieldList": [{"name": name, "message": message}]},
    )


def _review_handler(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not raw.get("uri"):
        return None
    # ALLOW is the documented default outcome when the handler cannot be reached.
    return {"uri": raw["uri"], "fallbackResult": raw.get("fallbackResult") or "ALLOW"}


def _offset(token: str | None) -> int:
    try:
        return page_offset(token)
    except InvalidPageToken as exc:
        raise ServiceError(
            "ValidationException", "The nextToken is not valid", 400, fields={"reason": "OTHER"}
        ) from exc
