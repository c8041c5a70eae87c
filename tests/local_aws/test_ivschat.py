"""The local IVS Chat through boto3's unchanged `ivschat` client, and what it records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from botocore.exceptions import ClientError, ParamValidationError

from core.chat import DELETE, DISCONNECT, SEND, VIEW, Chat


@pytest.fixture
def ivschat(local_aws_client):
    return local_aws_client("ivschat")


@pytest.fixture
def room(ivschat):
    return ivschat.create_room(name=f"room-{uuid.uuid4().hex[:8]}", tags={"project": "ugc"})


@pytest.fixture
def activity(local_aws):
    def read(room_id):
        return requests.get(f"{local_aws.endpoint}/_local/ivschat/rooms/{room_id}", timeout=5)

    return read


def test_room_lifecycle_follows_ivs_chat(ivschat, room):
    # GIVEN a room just created
    # THEN it has an IVS Chat ARN, its id, and the documented defaults
    assert room["arn"] == f"arn:aws:ivschat:us-east-1:123456789012:room/{room['id']}"
    assert len(room["id"]) == 12
    assert (room["maximumMessageRatePerSecond"], room["maximumMessageLength"]) == (10, 500)
    assert isinstance(room["createTime"], datetime)

    # WHEN it is read, found by name, updated and tagged
    fetched = ivschat.get_room(identifier=room["arn"])
    listed = ivschat.list_rooms(name=room["name"])["rooms"]
    updated = ivschat.update_room(identifier=room["arn"], maximumMessageLength=200)
    ivschat.tag_resource(resourceArn=room["arn"], tags={"stage": "local"})

    # THEN each answer describes the same room
    assert fetched["arn"] == room["arn"]
    assert [r["arn"] for r in listed] == [room["arn"]]
    assert updated["maximumMessageLength"] == 200
    assert updated["updateTime"] >= room["updateTime"]
    assert ivschat.list_tags_for_resource(resourceArn=room["arn"])["tags"] == {"project": "ugc", "stage": "local"}

    # WHEN it is deleted
    response = ivschat.delete_room(identifier=room["arn"])

    # THEN IVS Chat's 204 comes back and the room is gone
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ivschat.exceptions.ResourceNotFoundException) as raised:
        ivschat.get_room(identifier=room["arn"])
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert raised.value.response["resourceType"] == "ROOM"


def test_list_rooms_pages(ivschat):
    # GIVEN three rooms with the same name
    name = f"paged-{uuid.uuid4().hex[:8]}"
    arns = [ivschat.create_room(name=name)["arn"] for _ in range(3)]

    # WHEN they are listed two at a time
    first = ivschat.list_rooms(name=name, maxResults=2)
    second = ivschat.list_rooms(name=name, maxResults=2, nextToken=first["nextToken"])

    # THEN the pages hold all three in creation order, and the last has no nextToken
    assert [r["arn"] for r in first["rooms"] + second["rooms"]] == arns
    assert "nextToken" not in second


def test_chat_tokens_are_issued_and_recorded(ivschat, room, activity):
    # GIVEN a room
    before = datetime.now(UTC) - timedelta(seconds=1)

    # WHEN a moderator's token is created
    out = ivschat.create_chat_token(
        roomIdentifier=room["arn"],
        userId="alice",
        capabilities=["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
        attributes={"displayName": "Alice"},
        sessionDurationInMinutes=30,
    )

    # THEN the token is valid for a minute and the session for the duration asked
    assert out["token"]
    assert before + timedelta(minutes=1) <= out["tokenExpirationTime"] <= datetime.now(UTC) + timedelta(minutes=1)
    assert out["sessionExpirationTime"] - out["tokenExpirationTime"] == timedelta(minutes=29)
    # AND the local endpoint records who got which capabilities
    recorded = activity(room["id"]).json()
    assert recorded["room"]["arn"] == room["arn"]
    (token,) = recorded["tokens"]
    assert token["userId"] == "alice"
    assert token["capabilities"] == ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
    assert token["attributes"] == {"displayName": "Alice"}
    assert token["issuedAt"].endswith("Z")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"capabilities": ["VIEW_MESSAGE"]}, "enum value set"),
        ({"attributes": {"bio": "x" * 1100}}, "1024 bytes"),
        ({"sessionDurationInMinutes": 181}, "less than or equal to 180"),
    ],
    ids=["unknown-capability", "attributes-over-1KB", "session-over-180-minutes"],
)
def test_invalid_chat_token_requests_are_validation_errors(ivschat, room, arguments, problem):
    # GIVEN a room
    # WHEN a token is asked for with an argument IVS Chat refuses
    with pytest.raises(ivschat.exceptions.ValidationException) as raised:
        ivschat.create_chat_token(roomIdentifier=room["arn"], userId="bob", **arguments)

    # THEN the message says what is wrong
    assert problem in raised.value.response["Error"]["Message"]


def test_a_session_shorter_than_a_minute_is_refused_by_boto3_itself(ivschat, room):
    # GIVEN / WHEN a zero-minute session is asked for
    # THEN botocore's own check (the model's min) refuses it before sending
    with pytest.raises(ParamValidationError):
        ivschat.create_chat_token(roomIdentifier=room["arn"], userId="bob", sessionDurationInMinutes=0)


def test_moderation_is_recorded(ivschat, room, activity):
    # GIVEN a room
    # WHEN a message is deleted and a user disconnected
    deleted = ivschat.delete_message(roomIdentifier=room["arn"], id="abcDEF123456", reason="spam")
    ivschat.disconnect_user(roomIdentifier=room["arn"], userId="mallory", reason="banned")

    # THEN the delete event has an id, and the local endpoint shows both actions
    assert len(deleted["id"]) == 12
    recorded = activity(room["id"]).json()
    assert [(d["id"], d["reason"]) for d in recorded["deletedMessages"]] == [("abcDEF123456", "spam")]
    assert [(d["userId"], d["reason"]) for d in recorded["disconnected"]] == [("mallory", "banned")]


def test_calls_for_an_unknown_room_are_not_found(ivschat, activity):
    # GIVEN a well-formed ARN of a room that does not exist
    arn = "arn:aws:ivschat:us-east-1:123456789012:room/doesNotExist"

    # WHEN tokens or moderation are asked for it
    # THEN IVS Chat says the room is not found, and so does the local endpoint
    for call in (
        lambda: ivschat.create_chat_token(roomIdentifier=arn, userId="bob"),
        lambda: ivschat.disconnect_user(roomIdentifier=arn, userId="bob", reason="x"),
        lambda: ivschat.delete_message(roomIdentifier=arn, id="abcDEF123456"),
    ):
        with pytest.raises(ivschat.exceptions.ResourceNotFoundException):
            call()
    assert activity("doesNotExist").status_code == 404


def test_logging_configurations_are_not_implemented(ivschat):
    # GIVEN / WHEN a logging configuration call is made
    # THEN the local AWS says plainly it does not implement it
    with pytest.raises(ClientError) as raised:
        ivschat.list_logging_configurations()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_core_chat_adapter_works_unchanged_against_the_local_aws(ivschat, activity):
    # GIVEN the project's chat adapter on a client for the local AWS
    chat = Chat(ivschat)
    name = f"adapter-{uuid.uuid4().hex[:8]}"

    # WHEN it creates a room, finds it, issues a token and moderates
    arn = chat.create_room(name, {"owner": "alice"})
    token = chat.token(arn, "bob", (VIEW, SEND, DELETE, DISCONNECT), {"color": "blue"})
    chat.disconnect(arn, "mallory", "banned")

    # THEN the room is found by name, the token carries the view capability, and IVS Chat got the rest
    assert chat.find_room(name) == arn
    assert token.capabilities == (VIEW, SEND, DELETE, DISCONNECT)
    recorded = activity(arn.rsplit("/", 1)[-1]).json()
    assert recorded["tokens"][0]["capabilities"] == [SEND, DELETE, DISCONNECT]
    assert recorded["disconnected"][0]["userId"] == "mallory"
