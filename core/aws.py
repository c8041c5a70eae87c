"""AWS clients, created lazily so a cold start pays only for the services the first request uses.

Built on botocore directly: boto3's import adds ~30 ms of modules (s3transfer and more) that
the Lambdas never use (bench/README.md). Endpoints come from the standard `AWS_ENDPOINT_URL*`
variables, so the same code talks to AWS or to the local AWS with no branches here.
"""

from __future__ import annotations

import socket
from functools import cached_property
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.httpsession import URLLib3Session

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


def http_session(timeout: int) -> URLLib3Session:
    """For requests this code signs and sends itself (AppSync publishes, PA-API). Kept alive between
    requests, so Nagle is off, as botocore sets it for its own clients: headers and body leave in
    separate writes, and on a reused connection the body would wait out the peer's delayed ACK (~40 ms)."""
    nodelay = (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # botocore-stubs types socket_options as strings; botocore passes them to socket.setsockopt.
    return URLLib3Session(timeout=timeout, socket_options=[nodelay])  # type: ignore[list-item]


class Clients:
    def __init__(
        self,
        region: str,
        *,
        endpoint_url: str | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self._region = region
        # None lets botocore read AWS_ENDPOINT_URL[_<SERVICE>] (how Lambdas reach the local AWS).
        self._endpoint_url = endpoint_url
        self._session = botocore.session.get_session()
        if credentials:
            self._session.set_credentials(*credentials)

    @property
    def session(self) -> botocore.session.Session:
        """The one botocore session (credentials, loaded models) every client and signer here shares."""
        return self._session

    def _client(self, service: str) -> Any:
        return self._session.create_client(
            service, region_name=self._region, config=_CONFIG, endpoint_url=self._endpoint_url
        )

    @cached_property
    def dynamodb(self) -> Any:
        return self._client("dynamodb")

    @cached_property
    def ivs(self) -> Any:
        return self._client("ivs")

    @cached_property
    def secretsmanager(self) -> Any:
        return self._client("secretsmanager")

    @cached_property
    def cognito(self) -> Any:
        return self._client("cognito-idp")

    @cached_property
    def ivschat(self) -> Any:
        return self._client("ivschat")

    @cached_property
    def s3(self) -> Any:
        return self._client("s3")

    @cached_property
    def cloudwatch(self) -> Any:
        return self._client("cloudwatch")

    @cached_property
    def sqs(self) -> Any:
        return self._client("sqs")
