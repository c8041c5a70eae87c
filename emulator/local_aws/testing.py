"""pytest fixtures for any test that needs the local AWS.

A conftest makes them available with `from emulator.local_aws.testing import local_aws, ...`.
The server is session-scoped: starting moto is cheap, but bootstrapping once keeps suites fast, and
moto's state is process-wide anyway, so tests isolate themselves with unique names instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.clients import client
from emulator.local_aws.server import LocalAwsServer

AwsClientFactory = Callable[[str], Any]


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAwsServer]:
    """A running local AWS on a free loopback port."""
    with LocalAwsServer(port=0) as server:
        yield server


@pytest.fixture(scope="session")
def local_resources(local_aws: LocalAwsServer) -> LocalResources:
    """The project's resources, bootstrapped once into the session's local AWS."""
    return bootstrap(local_aws.endpoint)


@pytest.fixture(scope="session")
def local_aws_client(local_aws: LocalAwsServer) -> AwsClientFactory:
    """`local_aws_client("ivs")`: a boto3 client for the session's local AWS."""

    def make(service: str) -> Any:
        return client(local_aws.endpoint, service)

    return make
