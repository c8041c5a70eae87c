"""Ways to run the API for tests: in-process (the handler called with events the engine builds) and
over HTTP (the local AppSync served by uvicorn on loopback, Lambdas in worker processes)."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import uvicorn

from core.app import Core
from core.aws import Clients
from core.models import AccountItem, FollowItem, follow_order
from core.ranking import FollowRanking, RankJob
from core.table import follower_shard
from core.timefmt import now_iso
from emulator.appsync.invoke import InProcessInvoker
from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.local_aws.bootstrap import LocalResources
from emulator.seed import ensure_user
from emulator.stack import LOCAL_STAGE, LocalStack, engine_options, function_specs, local_settings
from infra.definitions import StageConfig

PASSWORD = "Passw0rd!"


@dataclass
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors") or [])

    def error_types(self) -> list[str | None]:
        return [e.get("errorType") for e in self.errors]


class Transport(Protocol):
    async def call(self, query: str, variables: Mapping[str, Any] | None, headers: Mapping[str, str]) -> Reply: ...


@dataclass
class Api:
    """One deployment of the API under test, with its own table, pool and users."""

    name: str
    stack: LocalStack
    transport: Transport
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def resources(self) -> LocalResources:
        return self.stack.resources

    def user(self, base: str) -> str:
        """A fresh Cognito user of this deployment (unique per call), signed in."""
        username = f"{base}{uuid.uuid4().hex[:8]}"
        ensure_user(self.stack, username, PASSWORD)
        self.tokens[username] = self.stack.sign_in(username, PASSWORD)["idToken"]
        return username

    async def as_user(self, username: str, query: str, variables: Mapping[str, Any] | None = None) -> Reply:
        return await self.transport.call(query, variables, {"authorization": self.tokens[username]})

    async def anonymous(self, query: str, variables: Mapping[str, Any] | None = None) -> Reply:
        return await self.transport.call(query, variables, {"x-api-key": self.resources.api_key})

    async def provisioned(self, base: str) -> str:
        username = self.user(base)
        reply = await self.as_user(username, "mutation { createResources { id } }")
        assert reply.errors == [], reply.body
        return username

    def core(self) -> Core:
        """The domain, for test set-up that later steps drive from IVS events (live state). Nothing
        consumes this deployment's `following` queue, so its re-ranking jobs run at once, in order."""
        core = local_core(self.resources)
        core.ranking = FollowRanking(
            core.table, lambda bodies: [core.ranking.run(RankJob.from_json(b)) for b in bodies]
        )
        return core


def local_core(resources: LocalResources) -> Core:
    """The domain of a deployment, as its functions build it, for test set-up and checks."""
    clients = Clients(resources.region, endpoint_url=resources.endpoint, credentials=LOCAL_CREDENTIALS)
    return Core(local_settings(resources), clients)


def ready_channel(core: Core) -> AccountItem:
    """A provisioned channel's account item, put straight into the table (no IVS channel behind it)."""
    sub = str(uuid.uuid4())
    account = AccountItem(
        sub=sub, username=f"c{sub[:8]}", created_at=now_iso(), status="READY", channel_id=f"ch{sub[:10]}"
    )
    core.table.client.put_item(TableName=core.table.name, Item=account.to_item())
    return account


def add_followers(core: Core, account: AccountItem, count: int, shard: int | None = None) -> list[str]:
    """Follows of `account` by new users, put straight into the table (all in one shard if given), ranked
    offline: the subs of the followers."""
    assert account.channel_id is not None
    subs: list[str] = []
    while len(subs) < count:
        sub = str(uuid.uuid4())
        if shard is not None and follower_shard(sub) != shard:
            continue
        followed_at = now_iso()
        item = FollowItem(sub, account.channel_id, account.sub, followed_at, follow_order(None, followed_at))
        core.table.client.put_item(TableName=core.table.name, Item=item.to_item())
        subs.append(sub)
    return subs


class InProcess:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    async def call(self, query: str, variables: Mapping[str, Any] | None, headers: Mapping[str, str]) -> Reply:
        response = await self.stack.execute(query, variables, headers=headers)
        return Reply(response.status, response.body)


class Http:
    def __init__(self, url: str) -> None:
        self.url = url

    async def call(self, query: str, variables: Mapping[str, Any] | None, headers: Mapping[str, str]) -> Reply:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(self.url, json={"query": query, "variables": variables}, headers=dict(headers))
        return Reply(response.status_code, response.json())


@contextmanager
def function_environment(
    resources: LocalResources, function: str = "api", composition_root: Any = None
) -> Iterator[None]:
    """This process becomes one warm container of `function`: its deployment's environment is set
    and the handler's composition root (a module with `_core`) is rebuilt from it, then restored."""
    import resolvers.context

    root = composition_root or resolvers.context
    env = dict(function_specs(resources)[function].environment)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    root._core = None
    try:
        yield
    finally:
        root._core = None
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def in_process_api(resources: LocalResources) -> Iterator[Api]:
    """The resolver handler in this process, with the environment its deployment gives it."""
    import resolvers.app

    with function_environment(resources):
        stack = LocalStack(
            resources, "http://in-process/graphql", invoker=InProcessInvoker({"api": resolvers.app.handler})
        )
        yield Api("in-process", stack, InProcess(stack))


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port in a background thread."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def http_api(resources: LocalResources, stage: StageConfig = LOCAL_STAGE) -> Iterator[Api]:
    """The local AppSync over real HTTP, with each Lambda in its own worker processes, enforcing the API
    options (limits, introspection) of `stage` as AppSync would."""
    holder: dict[str, LocalStack] = {}

    class Lazy:
        # The app is built inside the server's loop, so the worker processes belong to that loop.
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await holder["app"](scope, receive, send)  # type: ignore[operator]

    with served(Lazy()) as base:
        stack = LocalStack(resources, f"{base}/graphql", options=engine_options(stage))
        holder["app"] = stack.app()  # type: ignore[assignment]
        yield Api("http", stack, Http(f"{base}/graphql"))


@dataclass
class FullStack:
    """A whole local stack as `ugc dev` runs it: its own local AWS with Cognito triggers and S3
    events running the real functions in worker processes, and the local AppSync over HTTP."""

    aws: Any
    resources: LocalResources
    api: Api
    outputs: Any
    functions: Any  # the FunctionBridge: run any project function as the stack would


@contextmanager
def full_stack(prefix: str) -> Iterator[FullStack]:
    from client.outputs import AmplifyOutputs
    from emulator.lambda_runtime.bridge import FunctionBridge
    from emulator.local_aws.bootstrap import bootstrap
    from emulator.local_aws.server import LocalAwsServer

    with LocalAwsServer(port=0) as aws:
        resources = bootstrap(aws.endpoint, name_prefix=prefix)
        with http_api(resources) as api:
            # The functions publish to this local AppSync, so they start once it serves.
            bridge = FunctionBridge(function_specs(resources, api.stack.graphql_url))
            aws.set_functions(bridge)
            try:
                yield FullStack(aws, resources, api, AmplifyOutputs.from_dict(api.stack.outputs), bridge)
            finally:
                aws.set_functions(None)
                bridge.close()
