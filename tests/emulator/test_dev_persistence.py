"""`ugc dev` keeps its state in its data folder: what a user did is there after a hard kill (SIGKILL) and a
restart, with the same endpoints, ids and keys, so the frontend's configuration and the tokens it holds
keep working; a broadcast the kill interrupted ends; --reset starts afresh."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from client.accounts import CognitoAccounts
from client.auth import CognitoAuth, TokenCache
from client.errors import UGCError
from client.outbox import latest_code
from client.outputs import load_outputs
from client.sdk import UGCClient
from emulator.seed import DEMO_USERS
from tests import dev_server

PASSWORD = "Sup3r-secret!"
ME = "{ me { username channel { avatarUrl followerCount } } }"
FOLLOWING = "{ following { items { username } } }"
SESSIONS = "{ streamSessions { items { id isLive recording { status } } } }"


def test_a_hard_killed_stack_restarts_with_everything_and_old_tokens_still_work(tmp_path: Path) -> None:
    folder = tmp_path / "stack"
    folder.mkdir()
    server = dev_server.start(folder, "--no-demo-streams")
    broadcast: subprocess.Popen[bytes] | None = None
    try:
        outputs = load_outputs(server.outputs_path)
        before = server.outputs_path.read_text()
        # GIVEN a user who signed up, follows a demo user, uploaded an avatar and broadcast once
        username, email = f"keep{uuid.uuid4().hex[:6]}", f"keep.{uuid.uuid4().hex[:6]}@example.com"
        CognitoAccounts(outputs).sign_up(username, email, PASSWORD)
        code = latest_code(outputs, username)
        assert code is not None
        CognitoAccounts(outputs).confirm_sign_up(username, code)
        auth = CognitoAuth(outputs, cache=TokenCache(tmp_path / "tokens.json"))
        auth.sign_in(username, PASSWORD)
        client = UGCClient.for_user(outputs, username, cache=auth.cache)
        client.execute("mutation { createResources { id } }")
        followed = sorted(DEMO_USERS)[0]
        client.execute("mutation F($u: String!) { follow(username: $u) { id } }", {"u": followed})
        upload = client.execute('mutation { createUploadUrl(kind: AVATAR, contentType: "image/jpeg") { url fields } }')
        fields = json.loads(upload["createUploadUrl"]["fields"])
        posted = httpx.post(upload["createUploadUrl"]["url"], data=fields, files={"file": ("a.jpg", b"\xff\xd8jpeg")})
        assert posted.status_code in (201, 204), posted.text
        simulated = subprocess.run(
            dev_server.simulate_command(server.outputs_path, username, 2),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert simulated.returncode == 0, simulated.stderr
        seen = dev_server.wait_for(
            lambda: (
                (r := client.execute(SESSIONS)["streamSessions"]["items"])
                and r[0]["recording"]
                and r[0]["recording"]["status"] == "AVAILABLE"
                and client.execute(ME)["me"]["channel"]["avatarUrl"]
                and (client.execute(ME), r)
            ),
            30,
            "the broadcast's recording and the avatar",
        )
        me, sessions = seen
        following = client.execute(FOLLOWING)
        # AND who is broadcasting when the stack is killed
        broadcast = subprocess.Popen(
            dev_server.simulate_command(server.outputs_path, username, 120),
            stderr=subprocess.DEVNULL,
        )
        dev_server.wait_for(lambda: username in server.live_channels(), 30, f"{username} live")
        time.sleep(2.5)  # past the state's next save (every second)
    finally:
        # WHEN the stack is killed hard
        dev_server.kill(server)
        if broadcast is not None:
            broadcast.kill()
            broadcast.wait()

    # AND started again on the same folder and ports
    again = dev_server.start(folder, "--no-demo-streams", ports=(server.port, server.aws_port))
    try:
        # THEN the client configuration did not change
        assert again.outputs_path.read_text() == before
        # AND the tokens issued before still work, and everything the user did is there
        client = UGCClient.for_user(
            load_outputs(again.outputs_path), username, cache=TokenCache(tmp_path / "tokens.json")
        )
        assert client.execute(ME) == me
        assert client.execute(FOLLOWING) == following
        assert client.execute(SESSIONS)["streamSessions"]["items"][-len(sessions) :] == sessions
        # AND the broadcast the kill interrupted has ended, as IVS ends one whose encoder went away
        dev_server.wait_for(lambda: username not in again.live_channels(), 30, f"{username} offline")
        interrupted = client.execute(SESSIONS)["streamSessions"]["items"][0]
        assert interrupted["isLive"] is False and interrupted["id"] not in {s["id"] for s in sessions}
        assert httpx.get(me["me"]["channel"]["avatarUrl"]).content == b"\xff\xd8jpeg"
        # AND the user signs in again with the same password
        CognitoAuth(load_outputs(again.outputs_path), cache=TokenCache(tmp_path / "other.json")).sign_in(
            username, PASSWORD
        )
    finally:
        dev_server.kill(again)

    # WHEN started with --reset THEN that state is forgotten: a new user pool, where the user's tokens are refused
    fresh = dev_server.start(folder, "--no-demo-streams", "--reset", ports=(server.port, server.aws_port))
    try:
        assert load_outputs(fresh.outputs_path).auth.user_pool_id != outputs.auth.user_pool_id
        with pytest.raises(UGCError):
            UGCClient.for_user(
                load_outputs(fresh.outputs_path), username, cache=TokenCache(tmp_path / "tokens.json")
            ).execute(ME)
    finally:
        dev_server.kill(fresh)
