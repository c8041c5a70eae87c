"""The contract suite runs once per way of serving the API: in-process and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.local_aws.bootstrap import bootstrap
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import Api, http_api, in_process_api


@pytest.fixture(scope="session", params=["in-process", "http"])
def api(request: pytest.FixtureRequest, local_aws: LocalAwsServer) -> Iterator[Api]:
    # Each transport gets its own deployment (table, pool, key), so global lists such as
    # liveChannels only hold what that transport's tests created.
    resources = bootstrap(local_aws.endpoint, name_prefix=f"contract-{request.param}")
    factory = in_process_api if request.param == "in-process" else http_api
    with factory(resources) as deployed:
        yield deployed
