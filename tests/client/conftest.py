"""Real components for the client tests: Cognito in the local AWS (moto in server mode), a tiny
HTTP server that records requests and answers like AppSync, so every header can be inspected, and
another that plays the parts of the local AWS that moto lacks (the outbox, Cognito triggers)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from requests.structures import CaseInsensitiveDict

from client.outputs import AmplifyOutputs, load_outputs
from emulator.local_aws import LOCAL_CREDENTIALS, LOCAL_REGION
from emulator.local_aws.clients import client as local_aws_client
from emulator.local_aws.server import LocalAwsServer

# The served real-time API the subscription tests share with tests/appsync.
from tests.appsync.conftest import api, shared_api  # noqa: F401 - pytest fixtures

REGION = LOCAL_REGION
LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY = LOCAL_CREDENTIALS
API_KEY = "da2-localtestkey"
PASSWORD = "Corr3ct-Horse!"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's token cache, outputs or AWS profile, or leaks into them."""
    monkeypatch.setenv("UGC_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("UGC_OUTPUTS", "UGC_PASSWORD", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)


@dataclass(frozen=True)
class LocalCognito:
    endpoint_url: str
    user_pool_id: str
    client_id: str
    admin: Any = field(repr=False)
    password: str = PASSWORD

    def add_user(self, username: str, password: str = PASSWORD, email: str | None = None) -> str:
        """A confirmed user with a verified e-mail and a permanent password, as after sign-up."""
        attributes = [
            {"Name": "email", "Value": email or f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ]
        self.admin.admin_create_user(
            UserPoolId=self.user_pool_id,
            Username=username,
            UserAttributes=attributes,
            MessageAction="SUPPRESS",
        )
        self.admin.admin_set_user_password(
            UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=True
        )
        return username


@pytest.fixture
def cognito(local_aws: LocalAwsServer) -> LocalCognito:
    """A fresh user pool and public app client (no secret, USER_PASSWORD_AUTH allowed) per test, in
    the suite's shared local AWS (tests/conftest.py)."""
    admin = local_aws_client(local_aws.endpoint, "cognito-idp")
    # E-mail verification, as the project's pool has: codes go to the (local) outbox.
    pool_id = admin.create_user_pool(
        PoolName=f"ugc-{uuid.uuid4().hex[:8]}",
        AutoVerifiedAttributes=["email"],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    )["UserPool"]["Id"]
    client_id = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    local = LocalCognito(local_aws.endpoint, pool_id, client_id, admin)
    local.add_user("alice")
    return local


@dataclass
class Recorded:
    method: str
    path: str
    headers: CaseInsensitiveDict[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"data": {"ok": True}})
    content_type: str = "application/json"


class FakeAppSync:
    """Records every request; POST answers with `reply`, GET /amplify_outputs.json with `outputs`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.reply = Reply()
        self.outputs: dict[str, Any] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append(Recorded("POST", self.path, CaseInsensitiveDict(self.headers.items()), body))
                payload = fake.reply.body
                self._send(fake.reply.status, payload if isinstance(payload, str) else json.dumps(payload))

            def do_GET(self) -> None:
                if self.path == "/amplify_outputs.json":
                    self._send(200, json.dumps(fake.outputs))
                else:
                    self._send(404, "not found", "text/plain")

            def _send(self, status: int, text: str, content_type: str | None = None) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type or fake.reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self.url = f"{self.base_url}/graphql"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def last(self) -> Recorded:
        assert self.requests, "no request reached the server"
        return self.requests[-1]


@pytest.fixture
def appsync() -> Iterator[FakeAppSync]:
    server = FakeAppSync()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def outputs_doc(cognito: LocalCognito, appsync: FakeAppSync) -> dict[str, Any]:
    """What the local stack writes to amplify_outputs.json (tests may edit it before it is written)."""
    graphql_url = appsync.url
    return {
        "version": "1.4",
        "auth": {
            "aws_region": REGION,
            "user_pool_id": cognito.user_pool_id,
            "user_pool_client_id": cognito.client_id,
            "standard_required_attributes": ["email"],
            "username_attributes": [],
            "user_verification_types": ["email"],
            "mfa_configuration": "NONE",
            "mfa_methods": [],
            "unauthenticated_identities_enabled": False,
        },
        "data": {
            "url": graphql_url,
            "aws_region": REGION,
            "api_key": API_KEY,
            "default_authorization_type": "AMAZON_COGNITO_USER_POOLS",
            "authorization_types": ["API_KEY", "AWS_IAM"],
        },
        "custom": {
            "ugc": {
                "stage": "local",
                "aws_endpoint_url": cognito.endpoint_url,
                "graphiql_url": graphql_url,
                "aws_credentials": {"access_key_id": LOCAL_ACCESS_KEY, "secret_access_key": LOCAL_SECRET_KEY},
            }
        },
    }


@pytest.fixture
def outputs_file(tmp_path: Path, outputs_doc: dict[str, Any], appsync: FakeAppSync) -> Path:
    """amplify_outputs.json in the working directory, as `ugc dev` leaves it."""
    document = outputs_doc
    appsync.outputs = document
    path = tmp_path / "amplify_outputs.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def outputs(outputs_file: Path) -> AmplifyOutputs:
    return load_outputs(outputs_file)


def use_stack(tmp_path: Path, outputs_doc: dict[str, Any], aws_endpoint_url: str | None) -> Path:
    """Rewrite amplify_outputs.json for another local AWS endpoint, or (None) for a deployed stack."""
    document = json.loads(json.dumps(outputs_doc))
    if aws_endpoint_url is None:
        del document["custom"]
    else:
        document["custom"]["ugc"]["aws_endpoint_url"] = aws_endpoint_url
    path = tmp_path / "amplify_outputs.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


class FakeLocalAws:
    """The local AWS's additions to moto, played from canned data: `GET /_local/outbox` serves
    `mails` (filtered like the real one), and Cognito calls (JSON protocol, `X-Amz-Target`) answer
    from `cognito[operation] = (status, body)`, e.g. a trigger's `UserLambdaValidationException`."""

    def __init__(self) -> None:
        self.mails: list[dict[str, Any]] = []
        self.outbox_reply: Reply | None = None
        self.cognito: dict[str, tuple[int, dict[str, Any]]] = {}
        self.outbox_queries: list[dict[str, list[str]]] = []
        self.cognito_calls: list[tuple[str, dict[str, Any]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != "/_local/outbox":
                    self._send(404, {"message": "not found"})
                    return
                query = parse_qs(url.query)
                fake.outbox_queries.append(query)
                if fake.outbox_reply is not None:
                    self._send(fake.outbox_reply.status, fake.outbox_reply.body)
                    return
                mails = [
                    mail
                    for mail in fake.mails
                    if mail.get("username") in query.get("username", [mail.get("username")])
                    and mail.get("to") in query.get("email", [mail.get("to")])
                ]
                self._send(200, mails)

            def do_POST(self) -> None:
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.cognito_calls.append((operation, body))
                status, reply = fake.cognito.get(
                    operation, (400, {"__type": "InvalidAction", "message": f"{operation} is not canned"})
                )
                self._send(status, reply, "application/x-amz-json-1.1")

            def _send(self, status: int, payload: Any, content_type: str = "application/json") -> None:
                data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        host, port = self._server.server_address[:2]
        self.endpoint = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def add_mail(self, **fields: Any) -> dict[str, Any]:
        """Store a message as the local Cognito's CustomMessage trigger would (newest last)."""
        username = fields.get("username", "alice")
        mail = {
            "time": "2030-01-02T03:04:05Z",
            "to": f"{username}@example.com",
            "username": username,
            "triggerSource": "CustomMessage_SignUp",
            "subject": "Confirm your account",
            "message": "Your code is 123456",
            "code": "123456",
            **fields,
        }
        self.mails.append(mail)
        return mail

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake_aws() -> Iterator[FakeLocalAws]:
    server = FakeLocalAws()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_aws_outputs(tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: FakeLocalAws) -> AmplifyOutputs:
    """The local stack's outputs, with every AWS call going to `fake_aws`."""
    return load_outputs(use_stack(tmp_path, outputs_doc, fake_aws.endpoint))
