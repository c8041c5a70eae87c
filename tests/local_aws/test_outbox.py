"""The local outbox: what Cognito would have mailed, served at GET /_local/outbox."""

from __future__ import annotations

import uuid

import pytest
import requests
from werkzeug.test import Client

from emulator.local_aws import outbox
from emulator.local_aws.gateway import Gateway
from emulator.local_aws.registry import Registry
from emulator.local_aws.state import LocalState


def mail(to, username, code="123456", source="CustomMessage_SignUp"):
    return outbox.Mail(
        to=to, username=username, trigger_source=source, subject="Code", message=f"code {code}", code=code
    )


@pytest.fixture
def gateway():
    """A gateway with only the outbox installed, on its own state, in front of a stand-in moto."""
    state = LocalState()
    registry = Registry()
    outbox.install(registry)

    def moto(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    return Client(Gateway(moto, registry, state)), state


def test_messages_are_listed_oldest_first_and_filtered(gateway):
    # GIVEN three messages for two users
    client, state = gateway
    outbox.send(state, mail("alice@example.com", "Alice", "111111"))
    outbox.send(state, mail("bob@example.com", "bob", "222222"))
    outbox.send(state, mail("alice@example.com", "Alice", "333333", "CustomMessage_ForgotPassword"))

    # WHEN the outbox is read whole, by user name in another case, and by e-mail
    everything = client.get("/_local/outbox").get_json()
    alice = client.get("/_local/outbox", query_string={"username": "ALICE"}).get_json()
    bob = client.get("/_local/outbox", query_string={"email": "Bob@Example.com"}).get_json()

    # THEN the newest message is last and each filter keeps its user's messages
    assert [m["code"] for m in everything] == ["111111", "222222", "333333"]
    assert [m["code"] for m in alice] == ["111111", "333333"]
    assert [m["code"] for m in bob] == ["222222"]
    assert set(everything[0]) == {"time", "to", "username", "triggerSource", "subject", "message", "code"}
    assert everything[0]["time"].endswith("Z")


def test_each_message_is_logged_on_one_line(gateway, capsys):
    # GIVEN / WHEN a message is sent
    _, state = gateway
    outbox.send(state, mail("carol@example.com", "carol", "424242"))

    # THEN stderr shows who got which code
    line = capsys.readouterr().err.strip()
    assert line.startswith("[mail] to carol@example.com: your code is 424242 (CustomMessage_SignUp")


def test_reset_empties_the_outbox(gateway):
    # GIVEN a message in the outbox
    client, state = gateway
    outbox.send(state, mail("dave@example.com", "dave"))

    # WHEN moto is reset through the gateway
    assert client.post("/moto-api/reset").status_code == 200

    # THEN the outbox is empty
    assert client.get("/_local/outbox").get_json() == []


def test_the_outbox_is_served_by_the_local_aws(local_aws, local_aws_client, local_resources):
    # GIVEN a sign-up in the bootstrapped pool
    username = f"mail{uuid.uuid4().hex[:8]}"
    local_aws_client("cognito-idp").sign_up(
        ClientId=local_resources.user_pool_client_id,
        Username=username,
        Password="Corr3ct-Horse!",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )

    # WHEN the running server's outbox is read for that user
    response = requests.get(f"{local_aws.endpoint}/_local/outbox", params={"username": username}, timeout=5)

    # THEN the verification code is there
    assert response.status_code == 200
    (message,) = response.json()
    assert message["triggerSource"] == "CustomMessage_SignUp"
    assert message["to"] == f"{username}@example.com"
