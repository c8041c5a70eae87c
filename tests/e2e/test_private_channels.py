"""Private channels on a whole local stack: playback tokens for the owner and followers only, checked
against the public key bootstrap imported into the local IVS."""

from __future__ import annotations

from typing import Any

import pytest

from client.auth import CognitoAuth
from client.errors import GraphQLErrors
from client.playback import local_playback_keys, verify_playback_token
from client.sdk import UGCClient
from tests.e2e.conftest import sign_up
from tests.stacks import FullStack

TOKEN = "mutation P($c: ID!) { createPlaybackToken(channelId: $c) { token expiresAt playbackUrl } }"
PRIVATE = "mutation { updateChannelConfiguration(input: {isPrivate: true}) { isPrivate } }"


def _error_types(client: UGCClient, channel_id: str) -> list[str]:
    with pytest.raises(GraphQLErrors) as raised:
        client.execute(TOKEN, {"c": channel_id})
    return [e.get("errorType") for e in raised.value.errors]


def test_only_owner_and_followers_get_tokens_that_verify_against_the_ivs_key(
    stack: FullStack, auth: CognitoAuth
) -> None:
    owner, _, owner_client = sign_up(stack, auth, "priv")
    _, _, fan_client = sign_up(stack, auth, "fan")
    _, _, stranger_client = sign_up(stack, auth, "stranger")
    channel_id = owner_client.execute("mutation { createResources { channel { id } } }")["createResources"]["channel"][
        "id"
    ]
    # Still public: no token is needed, and none is issued.
    assert _error_types(owner_client, channel_id) == ["ValidationError"]

    assert owner_client.execute(PRIVATE)["updateChannelConfiguration"]["isPrivate"] is True
    fan_client.execute("mutation F($u: String!) { follow(username: $u) { id } }", {"u": owner})

    keys = local_playback_keys(stack.outputs)
    for client in (owner_client, fan_client):
        issued = client.execute(TOKEN, {"c": channel_id})["createPlaybackToken"]
        verified = verify_playback_token(issued["token"], keys)
        assert verified.channel_arn.endswith(f":channel/{channel_id}")
        assert verified.claims["aws:access-control-allow-origin"] == "*"
        assert issued["playbackUrl"].endswith(f"?token={issued['token']}")
        assert issued["expiresAt"].endswith("Z")

    assert _error_types(stranger_client, channel_id) == ["Forbidden"]
    assert _error_types(UGCClient.anonymous(stack.outputs), channel_id) == ["Unauthorized"]
    page = UGCClient.anonymous(stack.outputs).execute(
        "query C($u: String!) { channel(username: $u) { isPrivate playbackUrl } }", {"u": owner}
    )["channel"]
    assert page == {"isPrivate": True, "playbackUrl": None}


def test_the_verify_command_checks_a_token_against_the_local_ivs_key(
    stack: FullStack, auth: CognitoAuth, tmp_path: Any, capsys: Any
) -> None:
    import json as jsonlib

    from client.cli import main

    _, _, client = sign_up(stack, auth, "verify")
    channel_id = client.execute("mutation { createResources { channel { id } } }")["createResources"]["channel"]["id"]
    client.execute(PRIVATE)
    token = client.execute(TOKEN, {"c": channel_id})["createPlaybackToken"]["token"]
    outputs = tmp_path / "amplify_outputs.json"
    outputs.write_text(jsonlib.dumps(stack.api.stack.outputs))
    # GIVEN a real token WHEN verified THEN valid for this channel, exit 0
    assert main(["--outputs", str(outputs), "verify-playback-token", token]) == 0
    assert (
        f"valid for channel arn:aws:ivs:us-east-1:{stack.resources.account_id}:channel/{channel_id}"
        in capsys.readouterr().out
    )
    # GIVEN a token altered in its signature THEN invalid, exit 1
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert main(["--outputs", str(outputs), "verify-playback-token", forged]) == 1
    assert "invalid:" in capsys.readouterr().out + capsys.readouterr().err
