"""Resolver tests call the Lambda handler with recorded AppSync events, against the local AWS."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.appsync.invoke import LambdaContext
from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import function_environment

EVENTS = Path(__file__).parent / "events"
Handler = Callable[[Any], Any]


@pytest.fixture(scope="module")
def handler(local_aws: LocalAwsServer) -> Iterator[Handler]:
    """`resolvers.app.handler` with its deployment environment, as one warm Lambda container."""
    import resolvers.app

    def call(event: Any) -> Any:
        return resolvers.app.handler(event, LambdaContext(function_name="api", aws_request_id=str(uuid.uuid4())))

    with function_environment(bootstrap(local_aws.endpoint, name_prefix="resolvers")):
        yield call


def recorded(name: str, **placeholders: str) -> Any:
    """A recorded event with `<viewer>`, `<viewer sub>` and `<star>` replaced (None = anonymous)."""
    text = (EVENTS / f"{name}.json").read_text()
    for key, value in placeholders.items():
        text = text.replace(f"<{key.replace('_', ' ')}>", value)
    return json.loads(text)


def anonymous(event: Any) -> Any:
    for item in event if isinstance(event, list) else [event]:
        item["identity"] = None
    return event
