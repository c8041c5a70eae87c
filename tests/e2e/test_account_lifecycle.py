"""An account's whole life on the local stack, through the Python client: sign-up with the code the
local outbox shows, settings, moderation, deletion — and then proof that nothing of it remains."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from client.accounts import CognitoAccounts
from client.auth import CognitoAuth
from client.errors import AuthError, GraphQLErrors, TriggerRejected
from client.sdk import UGCClient
from emulator.local_aws.clients import client as aws_client
from tests.e2e.conftest import PASSWORD, all_rooms, sign_up
from tests.stacks import FullStack

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 256


def until(check: Any, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def chat_room(stack: FullStack, room_arn_id: str) -> dict[str, Any]:
    response = httpx.get(f"{stack.resources.endpoint}/_local/ivschat/rooms/{room_arn_id}")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def test_an_account_from_sign_up_to_deletion_leaves_nothing_behind(stack: FullStack, auth: CognitoAuth) -> None:
    # GIVEN a user who signed up, confirmed the e-mailed code and signed in
    owner, email, client = sign_up(stack, auth, "owner")
    # THEN PostConfirmation provisioned the channel and chat room
    me = client.execute("{ me { id username email channel { id playbackUrl } } }")["me"]
    assert (me["username"], me["email"]) == (owner, email)
    sub, channel_id = me["id"], me["channel"]["id"]

    # WHEN they change every setting
    prefs = client.execute(
        'mutation { updatePreferences(input: {color: "green", avatar: "tiger"}) { channel { color } } }'
    )
    assert prefs["updatePreferences"]["channel"]["color"] == "green"
    old_key = client.execute("{ me { streamKey } }")["me"]["streamKey"]
    new_key = client.execute("mutation { resetStreamKey { streamKey } }")["resetStreamKey"]["streamKey"]
    assert new_key != old_key
    keys = aws_client(stack.resources.endpoint, "ivs").list_stream_keys(
        channelArn=f"arn:aws:ivs:us-east-1:{stack.resources.account_id}:channel/{channel_id}"
    )["streamKeys"]
    assert len(keys) == 1  # the old key stopped working: it no longer exists
    config = client.execute(
        "mutation { updateChannelConfiguration(input: {type: STANDARD, latencyMode: NORMAL, isPrivate: true})"
        " { channelType latencyMode isPrivate channel { playbackUrl isPrivate } } }"
    )["updateChannelConfiguration"]
    assert config == {
        "channelType": "STANDARD",
        "latencyMode": "NORMAL",
        "isPrivate": True,
        "channel": {"playbackUrl": None, "isPrivate": True},
    }
    upload = client.execute(
        'mutation { createUploadUrl(kind: AVATAR, contentType: "image/png") { url fields maxBytes } }'
    )["createUploadUrl"]
    assert upload["maxBytes"] == 1_000_000
    posted = httpx.post(upload["url"], data=json.loads(upload["fields"]), files={"file": ("me.png", PNG, "image/png")})
    assert posted.status_code in (200, 201, 204), posted.text
    avatar = until(lambda: client.execute("{ me { channel { avatarUrl } } }")["me"]["channel"]["avatarUrl"])
    assert avatar and f"{sub}/avatar" in avatar

    # AND renames themselves: they sign in with the new name afterwards
    renamed = f"renamed{uuid.uuid4().hex[:6]}"
    assert client.execute("mutation R($u: String!) { changeUsername(username: $u) { username } }", {"u": renamed}) == {
        "changeUsername": {"username": renamed}
    }
    auth.sign_in(renamed, PASSWORD)
    client = UGCClient.for_user(stack.outputs, renamed, cache=auth.cache)
    assert client.execute("{ me { username } }")["me"]["username"] == renamed

    # AND moderates a viewer: a ban refuses chat and playback and cuts the connection at once
    viewer, _, viewer_client = sign_up(stack, auth, "viewer")
    viewer_client.execute("mutation F($u: String!) { follow(username: $u) { id } }", {"u": renamed})
    token = viewer_client.execute(
        "mutation T($c: ID!) { createChatToken(channelId: $c) { capabilities } }", {"c": channel_id}
    )
    assert token["createChatToken"]["capabilities"] == ["VIEW_MESSAGE", "SEND_MESSAGE"]
    viewer_sub = auth.session_for(viewer).claims()["sub"]
    banned = client.execute(
        "mutation B($u: String!) { banUser(username: $u) { bannedUsers { username } } }", {"u": viewer}
    )
    assert banned["banUser"]["bannedUsers"] == [{"username": viewer}]
    room_id = _room_id(stack, sub)
    assert viewer_sub in [d["userId"] for d in chat_room(stack, room_id)["disconnected"]]
    with pytest.raises(GraphQLErrors) as refused:
        viewer_client.execute("mutation T($c: ID!) { createChatToken(channelId: $c) { token } }", {"c": channel_id})
    assert refused.value.error_types == ["Forbidden"]
    page = viewer_client.execute(
        "query C($u: String!) { channel(username: $u) { viewerIsBanned playbackUrl } }", {"u": renamed}
    )
    assert page["channel"] == {"viewerIsBanned": True, "playbackUrl": None}
    client.execute("mutation U($u: String!) { unbanUser(username: $u) { bannedUsers { username } } }", {"u": viewer})
    assert viewer_client.execute("mutation T($c: ID!) { createChatToken(channelId: $c) { token } }", {"c": channel_id})

    # AND saves an overlay preset
    client.execute(
        'mutation { saveStreamActionPreset(input: {name: "hi", action: {notice: {title: "t", message: "m", duration: 10}}}) { id } }'
    )

    # WHEN the owner deletes the account
    assert client.execute("mutation { deleteAccount }") == {"deleteAccount": True}

    # THEN nothing of it remains: table, bucket, IVS, IVS Chat, Cognito; the user's partition holds only
    # the tombstone that refuses their still-unexpired tokens (no profile; removed by table TTL)
    dynamodb = aws_client(stack.resources.endpoint, "dynamodb")
    table = stack.resources.table_name
    left = dynamodb.query(
        TableName=table, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": f"USER#{sub}"}}
    )["Items"]
    assert [{k: v for k, v in i.items() if k not in ("createdAt", "expiresAt")} for i in left] == [
        {
            "PK": {"S": f"USER#{sub}"},
            "SK": {"S": "ACCOUNT"},
            "sub": {"S": sub},
            "username": {"S": ""},
            "status": {"S": "DELETED"},
        }
    ]
    assert 24 * 3600 < int(left[0]["expiresAt"]["N"]) - time.time() < 25 * 3600
    for pk, sk in (
        (f"USERNAME#{owner.lower()}", "USERNAME"),
        (f"USERNAME#{renamed}", "USERNAME"),
        (f"EMAIL#{email}", "EMAIL"),
    ):
        assert "Item" not in dynamodb.get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}})
    assert viewer_client.execute("{ following { items { id } } }") == {"following": {"items": []}}
    s3 = aws_client(stack.resources.endpoint, "s3")
    listed = s3.list_object_versions(Bucket=stack.resources.assets_bucket, Prefix=f"{sub}/")
    assert not listed.get("Versions") and not listed.get("DeleteMarkers")
    ivs = aws_client(stack.resources.endpoint, "ivs")
    assert ivs.list_channels(filterByName=f"ugc-live-local-{sub}")["channels"] == []
    assert [r for r in all_rooms(stack) if sub in r["name"]] == []
    cognito = aws_client(stack.resources.endpoint, "cognito-idp")
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=stack.resources.user_pool_id, Username=owner)
    with pytest.raises(AuthError):
        auth.sign_in(renamed, PASSWORD)


def _room_id(stack: FullStack, sub: str) -> str:
    return str(next(r["id"] for r in all_rooms(stack) if sub in r["name"]))


def test_refusals_name_the_rule_that_refused(stack: FullStack) -> None:
    accounts = CognitoAccounts(stack.outputs)
    with pytest.raises(TriggerRejected) as refused:
        accounts.sign_up("Settings", f"{uuid.uuid4().hex}@example.com", PASSWORD)
    assert refused.value.reason == "username: 'Settings' is reserved"


def test_twenty_concurrent_sign_ups_with_one_email_give_exactly_one_account(stack: FullStack) -> None:
    email = f"race.{uuid.uuid4().hex[:8]}@example.com"
    accounts = CognitoAccounts(stack.outputs)

    def attempt(i: int) -> str:
        try:
            accounts.sign_up(f"racer{i}{uuid.uuid4().hex[:4]}", email, PASSWORD)
        except TriggerRejected as exc:
            return exc.reason
        return "created"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("created") == 1
    assert set(outcomes) - {"created"} <= {
        "email: is already registered",
        "email: is being registered by another sign-up",
    }
    cognito = aws_client(stack.resources.endpoint, "cognito-idp")
    users = cognito.list_users(UserPoolId=stack.resources.user_pool_id, Filter=f'email = "{email}"')["Users"]
    assert len(users) == 1
