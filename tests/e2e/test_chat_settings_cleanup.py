"""Chat roles, settings refusals, sign-in of deleted accounts and the unconfirmed-user cleanup, on a
whole local stack (Cognito triggers and S3 events run the real functions)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from moto.cognitoidp.models import cognitoidp_backends

from client.accounts import CognitoAccounts
from client.auth import CognitoAuth
from client.errors import GraphQLErrors, TriggerRejected
from client.sdk import UGCClient
from core.app import Core
from core.aws import Clients
from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.local_aws.clients import client as aws_client
from emulator.stack import local_settings
from tests.e2e.conftest import PASSWORD, all_rooms, sign_up
from tests.stacks import FullStack


def signed_up(stack: FullStack, auth: CognitoAuth, base: str) -> tuple[str, UGCClient]:
    username, _, client = sign_up(stack, auth, base)
    return username, client


def errors_of(client: UGCClient, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    with pytest.raises(GraphQLErrors) as raised:
        client.execute(query, variables)
    return list(raised.value.errors)


TOKEN = "mutation T($c: ID!) { createChatToken(channelId: $c) { token capabilities tokenExpirationTime } }"


def test_chat_tokens_grant_by_role_and_carry_the_profile(stack: FullStack, auth: CognitoAuth) -> None:
    owner, owner_client = signed_up(stack, auth, "host")
    _, viewer_client = signed_up(stack, auth, "fan")
    channel = owner_client.execute("{ me { id channel { id } } }")["me"]
    channel_id = channel["channel"]["id"]
    anonymous = UGCClient.anonymous(stack.outputs).execute(TOKEN, {"c": channel_id})["createChatToken"]
    viewer = viewer_client.execute(TOKEN, {"c": channel_id})["createChatToken"]
    own = owner_client.execute(TOKEN, {"c": channel_id})["createChatToken"]
    assert anonymous["capabilities"] == ["VIEW_MESSAGE"]
    assert viewer["capabilities"] == ["VIEW_MESSAGE", "SEND_MESSAGE"]
    assert own["capabilities"] == ["VIEW_MESSAGE", "SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
    room = next(r for r in all_rooms(stack) if channel["id"] in r["name"])
    issued = httpx.get(f"{stack.resources.endpoint}/_local/ivschat/rooms/{room['id']}").json()["tokens"]
    owner_token = next(t for t in issued if t["userId"] == channel["id"])
    assert owner_token["attributes"]["displayName"] == owner
    assert {"avatar", "color"} <= set(owner_token["attributes"])


def test_only_the_owner_moderates_their_own_room(stack: FullStack, auth: CognitoAuth) -> None:
    owner, owner_client = signed_up(stack, auth, "mod")
    assert owner_client.execute('mutation { deleteChatMessage(messageId: "AbCdEf123456", reason: "spam") }') == {
        "deleteChatMessage": True
    }
    malformed = errors_of(owner_client, 'mutation { deleteChatMessage(messageId: "m-1") }')
    assert (malformed[0]["errorType"], malformed[0]["message"].split(":")[0]) == ("ValidationError", "messageId")
    assert (
        errors_of(owner_client, "mutation B($u: String!) { banUser(username: $u) { id } }", {"u": owner})[0][
            "errorType"
        ]
        == "ValidationError"
    )
    unknown = errors_of(owner_client, 'mutation { banUser(username: "nobody-zz") { id } }')
    assert unknown[0]["errorType"] == "NotFound"
    missing = errors_of(UGCClient.anonymous(stack.outputs), TOKEN, {"c": "no-such-channel"})
    assert missing[0]["errorType"] == "NotFound"


@pytest.mark.parametrize(
    "mutation, field",
    [
        ('mutation { createUploadUrl(kind: AVATAR, contentType: "image/gif") { url } }', "contentType:"),
        ('mutation { changeUsername(username: "no") { id } }', "username:"),
        ('mutation { changeUsername(username: "Register") { id } }', "username:"),
        ("mutation { updateChannelConfiguration(input: {}) { id } }", "input:"),
    ],
)
def test_settings_refusals_name_the_field_and_change_nothing(
    stack: FullStack, auth: CognitoAuth, mutation: str, field: str
) -> None:
    _username, client = signed_up(stack, auth, "set")
    before = client.execute("{ me { username channelType isPrivate } }")
    errors = errors_of(client, mutation)
    assert errors[0]["errorType"] == "ValidationError"
    assert errors[0]["message"].startswith(field)
    assert client.execute("{ me { username channelType isPrivate } }") == before


def test_a_name_held_by_anyone_cannot_be_taken_by_rename(stack: FullStack, auth: CognitoAuth) -> None:
    taken, _ = signed_up(stack, auth, "first")
    _, client = signed_up(stack, auth, "second")
    errors = errors_of(client, "mutation R($u: String!) { changeUsername(username: $u) { id } }", {"u": taken.upper()})
    assert errors[0]["message"] == f"username: '{taken.upper()}' is taken"


def test_uploads_beyond_the_size_limit_are_refused_by_s3(stack: FullStack, auth: CognitoAuth) -> None:
    _, client = signed_up(stack, auth, "big")
    upload = client.execute('mutation { createUploadUrl(kind: AVATAR, contentType: "image/jpeg") { url fields } }')[
        "createUploadUrl"
    ]
    fields = json.loads(upload["fields"])
    too_big = httpx.post(upload["url"], data=fields, files={"file": ("a.jpg", b"x" * 1_000_001, "image/jpeg")})
    assert too_big.status_code == 400
    wrong_type = httpx.post(upload["url"], data={**fields, "Content-Type": "image/png"}, files={"file": ("a", b"x")})
    assert wrong_type.status_code == 403


def test_an_account_being_deleted_cannot_sign_in_and_a_retry_completes_the_deletion(
    stack: FullStack, auth: CognitoAuth
) -> None:
    # GIVEN a deletion that failed half-way (the S3 step raised after the account was marked DELETING)
    username, client = signed_up(stack, auth, "gone")
    sub = auth.session_for(username).claims()["sub"]
    core = Core(
        local_settings(stack.resources),
        Clients(stack.resources.region, endpoint_url=stack.resources.endpoint, credentials=LOCAL_CREDENTIALS),
    )

    def failing_assets() -> Any:
        raise ConnectionError("S3 was unreachable")

    core.deletion._assets = failing_assets
    from core.accounts import Caller

    with pytest.raises(ConnectionError):
        core.deletion.delete_account(Caller(sub=sub, username=username, email=f"{username}@example.com"))
    # THEN sign-in is refused by name, and the channel is gone from lookups
    with pytest.raises(Exception, match="PreAuthentication failed with error this account is being deleted"):
        auth.sign_in(username, PASSWORD)
    page = UGCClient.anonymous(stack.outputs).execute(
        "query C($u: String!) { channel(username: $u) { id } }", {"u": username}
    )
    assert page == {"channel": None}
    # WHEN the user retries deleteAccount (their token is still valid) THEN it completes
    assert client.execute("mutation { deleteAccount }") == {"deleteAccount": True}
    cognito = aws_client(stack.resources.endpoint, "cognito-idp")
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=stack.resources.user_pool_id, Username=username)


def test_cleanup_deletes_day_old_unconfirmed_sign_ups_and_frees_their_email(stack: FullStack) -> None:
    # GIVEN a sign-up never confirmed, created 25 hours ago
    username, email = f"late{uuid.uuid4().hex[:6]}", f"late.{uuid.uuid4().hex[:6]}@example.com"
    accounts = CognitoAccounts(stack.outputs)
    accounts.sign_up(username, email, PASSWORD)
    pool = cognitoidp_backends[stack.resources.account_id][stack.resources.region].user_pools[
        stack.resources.user_pool_id
    ]
    pool.users[username].create_date = datetime.now(UTC) - timedelta(hours=25)
    with pytest.raises(TriggerRejected, match="already registered"):
        accounts.sign_up(f"other{uuid.uuid4().hex[:6]}", email, PASSWORD)
    # WHEN the scheduled cleanup runs (as EventBridge would invoke it)
    result = stack.functions("cleanup", {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})
    # THEN the user is gone and the e-mail can be registered again
    assert result["deletedUsers"] >= 1
    cognito = aws_client(stack.resources.endpoint, "cognito-idp")
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=stack.resources.user_pool_id, Username=username)
    assert accounts.sign_up(f"again{uuid.uuid4().hex[:6]}", email, PASSWORD).user_confirmed is False
