"""boto3 sessions and clients for the local AWS, with the local credentials and region."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

from emulator.local_aws import LOCAL_CREDENTIALS, LOCAL_REGION

# Local calls either work at once or are bugs: retrying hides them and slows tests down.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=30)

# Clients share one session so its loader parses each service model once (most of the cost of a
# client); a session is not safe to create clients from concurrently, hence the lock.
_shared_lock = threading.Lock()
_shared: boto3.Session | None = None


def boto_session() -> boto3.Session:
    """A new session with the local credentials and region. A session cannot carry an endpoint that
    beats `AWS_ENDPOINT_URL*` in the environment, so build clients with `client()`."""
    access_key, secret_key = LOCAL_CREDENTIALS
    return boto3.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=LOCAL_REGION)


def client(endpoint: str, service: str) -> Any:
    """A boto3 client for `service` (botocore's name, e.g. "ivs", "cognito-idp") at `endpoint`."""
    global _shared  # noqa: PLW0603 - one lazily-created session per process is the point
    with _shared_lock:
        if _shared is None:
            _shared = boto_session()
        return _shared.client(  # type: ignore[call-overload]
            service, endpoint_url=endpoint, region_name=LOCAL_REGION, config=_CONFIG
        )
