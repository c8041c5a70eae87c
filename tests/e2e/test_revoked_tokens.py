"""A Cognito ID token outlives its account by up to its validity (AppSync checks only its signature and
expiry). These tests keep a user's token across the deletion of their account, or while it is being
deleted, and prove every call that would read or change their records is refused with `Unauthorized`,
that nothing is created, and that the name they held is free again."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from client.accounts import CognitoAccounts
from client.auth import CognitoAuth
from client.errors import AuthError, GraphQLErrors
from client.sdk import UGCClient
from emulator.local_aws.clients import client as aws_client
from tests.e2e.conftest import PASSWORD, sign_up
from tests.stacks import FullStack

# Every Lambda-resolved field a signed-in user may call that reads or writes the caller's own records.
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("createResources", "mutation { createResources { username streamKey channel { id } } }", {}),
    ("updatePreferences", 'mutation { updatePreferences(input: {color: "green"}) { id } }', {}),
    ("changeUsername", "mutation R($u: String!) { changeUsername(username: $u) { id } }", {"u": "NEWNAME"}),
    ("resetStreamKey", "mutation { resetStreamKey { streamKey } }", {}),
    ("updateChannelConfiguration", "mutation { updateChannelConfiguration(input: {isPrivate: true}) { id } }", {}),
    ("createUploadUrl", 'mutation { createUploadUrl(kind: AVATAR, contentType: "image/png") { url } }', {}),
    ("follow", "mutation F($u: String!) { follow(username: $u) { id } }", {"u": "TARGET"}),
    ("unfollow", "mutation F($u: String!) { unfollow(username: $u) { id } }", {"u": "TARGET"}),
    (
        "sendStreamAction",
        'mutation { sendStreamAction(input: {notice: {title: "t", message: "m"}}) { id } }',
        {},
    ),
    ("stopStreamAction", "mutation { stopStreamAction { id } }", {}),
    (
        "saveStreamActionPreset",
        'mutation { saveStreamActionPreset(input: {name: "p", action: {celebration: true}}) { id } }',
        {},
    ),
    ("deleteStreamActionPreset", 'mutation { deleteStreamActionPreset(id: "x") { id } }', {}),
    ("createChatToken", "mutation T($c: ID!) { createChatToken(channelId: $c) { token } }", {"c": "TARGET_CHANNEL"}),
    ("banUser", "mutation B($u: String!) { banUser(username: $u) { id } }", {"u": "TARGET"}),
    ("unbanUser", "mutation B($u: String!) { unbanUser(username: $u) { id } }", {"u": "TARGET"}),
    ("deleteChatMessage", 'mutation { deleteChatMessage(messageId: "abcdefABCDEF") }', {}),
    (
        "createPlaybackToken",
        "mutation P($c: ID!) { createPlaybackToken(channelId: $c) { token } }",
        {"c": "TARGET_CHANNEL"},
    ),
    ("me", "{ me { id } }", {}),
    ("following", "{ following { items { id } } }", {}),
    ("streamSessions", "{ streamSessions { items { id } } }", {}),
    ("streamSession", 'query { streamSession(id: "s") { id } }', {}),
]


def _bind(variables: dict[str, Any], target: str, target_channel: str) -> dict[str, Any]:
    values = {"NEWNAME": f"new{uuid.uuid4().hex[:8]}", "TARGET": target, "TARGET_CHANNEL": target_channel}
    return {k: values.get(v, v) for k, v in variables.items()}


def _target(stack: FullStack, auth: CognitoAuth) -> tuple[str, str]:
    """A private channel for the follow, chat and playback calls to aim at: (username, channel id)."""
    name, _, owner = sign_up(stack, auth, "target")
    owner.execute("mutation { updateChannelConfiguration(input: {isPrivate: true}) { id } }")
    return name, owner.execute("{ me { channel { id } } }")["me"]["channel"]["id"]


def _refused(client: UGCClient, name: str, query: str, variables: dict[str, Any]) -> list[str | None]:
    with pytest.raises(GraphQLErrors) as refused:
        client.execute(query, variables or None)
    return refused.value.error_types


def test_a_deleted_accounts_token_is_refused_everywhere_and_recreates_nothing(
    stack: FullStack, auth: CognitoAuth
) -> None:
    # GIVEN a user who follows a channel, and that channel's owner
    target, target_channel = _target(stack, auth)
    name, email, client = sign_up(stack, auth, "gone")
    client.execute("mutation F($u: String!) { follow(username: $u) { id } }", {"u": target})
    sub = client.execute("{ me { id } }")["me"]["id"]
    refresh = auth.session_for(name).tokens.refresh_token
    # WHEN they delete their account, keeping the ID token they hold
    assert client.execute("mutation { deleteAccount }") == {"deleteAccount": True}

    # THEN every call with that token is refused as Unauthorized
    refusals = {
        field: _refused(client, field, query, _bind(variables, target, target_channel))
        for field, query, variables in CALLS
    }
    assert refusals == {field: ["Unauthorized"] for field, _, _ in CALLS}
    # AND deleting again is refused too (there is nothing left to delete)
    assert _refused(client, "deleteAccount", "mutation { deleteAccount }", {}) == ["Unauthorized"]
    # AND nothing was created: no channel page, no IVS channel, no follow, the follower count is back to 0
    anonymous = UGCClient.anonymous(stack.outputs)
    assert anonymous.execute("query C($u: String!) { channel(username: $u) { id } }", {"u": name}) == {"channel": None}
    channel = anonymous.execute("query C($u: String!) { channel(username: $u) { followerCount } }", {"u": target})
    assert channel == {"channel": {"followerCount": 0}}
    ivs = aws_client(stack.resources.endpoint, "ivs")
    assert ivs.list_channels(filterByName=f"ugc-live-local-{sub}")["channels"] == []
    # AND the refresh token they held was revoked
    cognito = aws_client(stack.resources.endpoint, "cognito-idp")
    with pytest.raises(cognito.exceptions.ClientError):
        cognito.initiate_auth(
            ClientId=stack.resources.user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
    # AND the name and e-mail are free for a new sign-up
    again = CognitoAccounts(stack.outputs).sign_up(name, email, PASSWORD)
    assert again.user_sub != sub


def test_an_account_being_deleted_refuses_its_token_until_deletion_finishes(
    stack: FullStack, auth: CognitoAuth
) -> None:
    # GIVEN a provisioned user whose deletion stopped half-way (the account is still DELETING)
    target, target_channel = _target(stack, auth)
    name, _, client = sign_up(stack, auth, "half")
    sub = client.execute("{ me { id } }")["me"]["id"]
    dynamodb = aws_client(stack.resources.endpoint, "dynamodb")
    dynamodb.update_item(
        TableName=stack.resources.table_name,
        Key={"PK": {"S": f"USER#{sub}"}, "SK": {"S": "ACCOUNT"}},
        UpdateExpression="SET #s = :d",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":d": {"S": "DELETING"}},
    )
    # WHEN they call the API with the token they hold
    refusals = {
        field: _refused(client, field, query, _bind(variables, target, target_channel))
        for field, query, variables in CALLS
    }
    # THEN every call is refused, and no provisioning undoes the DELETING mark
    assert refusals == {field: ["Unauthorized"] for field, _, _ in CALLS}
    item = dynamodb.get_item(
        TableName=stack.resources.table_name, Key={"PK": {"S": f"USER#{sub}"}, "SK": {"S": "ACCOUNT"}}
    )["Item"]
    assert item["status"] == {"S": "DELETING"}
    # AND deleteAccount still finishes the deletion (the documented way to complete a failed one)
    assert client.execute("mutation { deleteAccount }") == {"deleteAccount": True}
    with pytest.raises(AuthError):
        auth.sign_in(name, PASSWORD)


DISABLE = "mutation D($u: String!) { disableAccount(username: $u) }"
ENABLE = "mutation E($u: String!) { enableAccount(username: $u) }"


def test_an_operator_disables_an_account_and_enables_it_again(stack: FullStack, auth: CognitoAuth) -> None:
    # GIVEN a user with a channel, holding a token and a refresh token
    target, target_channel = _target(stack, auth)
    name, _, client = sign_up(stack, auth, "unruly")
    old_key = client.execute("{ me { streamKey } }")["me"]["streamKey"]
    refresh = auth.session_for(name).tokens.refresh_token
    operator = UGCClient.with_iam(stack.outputs)
    anonymous = UGCClient.anonymous(stack.outputs)
    # AND users cannot disable anyone themselves
    assert _refused(client, "disableAccount", DISABLE, {"u": target}) == ["Unauthorized"]

    # WHEN an operator disables the account (IAM)
    assert operator.execute(DISABLE, {"u": name}) == {"disableAccount": True}

    # THEN every call with the token the user holds is refused
    refusals = {
        field: _refused(client, field, query, _bind(variables, target, target_channel))
        for field, query, variables in CALLS
    }
    assert refusals == {field: ["Unauthorized"] for field, _, _ in CALLS}
    assert _refused(client, "deleteAccount", "mutation { deleteAccount }", {}) == ["Unauthorized"]
    # AND sign-in and the refresh token are refused, and the channel page is gone
    with pytest.raises(AuthError):
        auth.sign_in(name, PASSWORD)
    cognito = aws_client(stack.resources.endpoint, "cognito-idp")
    with pytest.raises(cognito.exceptions.ClientError):
        cognito.initiate_auth(
            ClientId=stack.resources.user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
    assert anonymous.execute("query C($u: String!) { channel(username: $u) { id } }", {"u": name}) == {"channel": None}
    # AND disabling again changes nothing
    assert operator.execute(DISABLE, {"u": name}) == {"disableAccount": False}

    # WHEN the operator enables it again
    assert operator.execute(ENABLE, {"u": name}) == {"enableAccount": True}

    # THEN the user signs in and uses the API again, with a new stream key (the old one was replaced)
    auth.sign_in(name, PASSWORD)
    client = UGCClient.for_user(stack.outputs, name, cache=auth.cache)
    me = client.execute("{ me { username streamKey } }")["me"]
    assert me["username"] == name and me["streamKey"] != old_key
    assert anonymous.execute("query C($u: String!) { channel(username: $u) { username } }", {"u": name}) == {
        "channel": {"username": name}
    }
    assert operator.execute(ENABLE, {"u": name}) == {"enableAccount": False}
    # AND an unknown name is a clear error
    with pytest.raises(GraphQLErrors) as unknown:
        operator.execute(DISABLE, {"u": f"nobody{uuid.uuid4().hex[:6]}"})
    assert unknown.value.error_types == ["NotFound"]
