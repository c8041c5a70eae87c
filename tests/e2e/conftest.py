"""A whole local stack per test module, and users who signed up through it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from client.accounts import CognitoAccounts
from client.auth import CognitoAuth, TokenCache
from client.outbox import latest_code
from client.sdk import UGCClient
from core.chat import Chat
from emulator.local_aws.clients import client as aws_client
from tests.stacks import FullStack, full_stack

PASSWORD = "Sup3r-secret!"


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[FullStack]:
    with full_stack(f"e2e-{uuid.uuid4().hex[:6]}") as running:
        yield running


@pytest.fixture
def auth(stack: FullStack, tmp_path: Path) -> CognitoAuth:
    return CognitoAuth(stack.outputs, cache=TokenCache(tmp_path / "tokens.json"))


def sign_up(stack: FullStack, auth: CognitoAuth, base: str) -> tuple[str, str, UGCClient]:
    """Sign up, confirm with the code the local outbox shows, sign in: (username, e-mail, client)."""
    username, email = f"{base}{uuid.uuid4().hex[:6]}", f"{base}.{uuid.uuid4().hex[:6]}@example.com"
    accounts = CognitoAccounts(stack.outputs)
    assert accounts.sign_up(username, email, PASSWORD).user_confirmed is False
    code = latest_code(stack.outputs, username)
    assert code is not None and len(code) == 6
    accounts.confirm_sign_up(username, code)
    auth.sign_in(username, PASSWORD)
    return username, email, UGCClient.for_user(stack.outputs, username, cache=auth.cache)


def all_rooms(stack: FullStack) -> list[dict[str, Any]]:
    """Every IVS Chat room of the local AWS, through every page (other tests' rooms share it)."""
    return list(Chat(aws_client(stack.resources.endpoint, "ivschat")).rooms())
