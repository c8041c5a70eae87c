"""The local stack assembled from the same definitions as the deployed one: the SDL and resolver list
from `schema`, auth modes and functions from `infra.definitions`, settings from `function_settings`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from starlette.applications import Starlette

import schema
from core.settings import Settings
from emulator.appsync.auth import ApiKey, Authenticator, HttpRequest, IamPrincipal, UserPool
from emulator.appsync.engine import AppSyncEngine, EngineOptions, Response
from emulator.appsync.errors import RequestRejected
from emulator.appsync.events import RequestInfo
from emulator.appsync.invoke import Invoker
from emulator.appsync.model import ApiModel, AuthMode, Resolver
from emulator.appsync.server import create_app
from emulator.lambda_runtime.pool import FunctionSpec, WorkerInvoker, lambda_environment
from emulator.local_aws import LOCAL_CREDENTIALS
from emulator.local_aws.bootstrap import LocalResources
from emulator.local_aws.clients import client as aws_client
from emulator.outputs import amplify_outputs
from infra.definitions import API, FUNCTIONS, LOCAL_STAGE, StageConfig, function_env

CODE_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = CODE_ROOT / "schema.graphql"
# How long the local AppSync trusts its copy of the API's keys before asking the local AWS again.
API_KEY_CACHE_SECONDS = 2.0
API_KEY_MISS_SECONDS = 0.2


def api_model(sdl: str | None = None) -> ApiModel:
    """The API as deployed: the committed SDL, one resolver per Lambda field of the schema, and a local
    resolver per local field."""
    resolvers = {(f.type_name, f.field_name): Resolver(f.function, f.max_batch_size) for f in schema.lambda_fields()}
    resolvers.update(
        {(f.type_name, f.field_name): Resolver(returns_argument=f.argument) for f in schema.local_fields()}
    )
    return ApiModel(
        sdl if sdl is not None else SCHEMA_FILE.read_text(),
        resolvers,
        AuthMode(API.default_auth),
        tuple(AuthMode(mode) for mode in API.additional_auth),
    )


def local_settings(resources: LocalResources, graphql_url: str = "") -> Settings:
    """The settings of the local stack's functions: the resources' (as CDK gives them), with the API's URL."""
    return replace(resources.function_settings(LOCAL_STAGE), graphql_url=graphql_url)


def function_specs(resources: LocalResources, graphql_url: str = "") -> dict[str, FunctionSpec]:
    settings = local_settings(resources, graphql_url)
    return {
        name: FunctionSpec(
            name=name,
            handler=definition.handler,
            environment=lambda_environment(
                function_name=f"ugc-local-{name}",
                function_env=function_env(definition, settings),
                region=resources.region,
                credentials=LOCAL_CREDENTIALS,
                endpoint_url=resources.endpoint,
                code_root=CODE_ROOT,
                memory_mb=definition.memory_mb,
            ),
            timeout_seconds=definition.timeout_seconds,
            memory_mb=definition.memory_mb,
        )
        for name, definition in FUNCTIONS.items()
    }


class _ApiKeys:
    """The API's keys as the local AWS's AppSync holds them, so creating or deleting a key there
    takes effect here: a miss re-reads the list (at most every 0.2 s), a hit trusts it for 2 s."""

    def __init__(self, resources: LocalResources) -> None:
        self._appsync = aws_client(resources.endpoint, "appsync")
        self._api_id = resources.api_id
        self._keys: dict[str, ApiKey] = {}
        self._fetched = -1e9

    def _refresh(self) -> None:
        listed = self._appsync.list_api_keys(apiId=self._api_id)["apiKeys"]
        self._keys = {k["id"]: ApiKey(k["id"], float(k["expires"]) if k.get("expires") else None) for k in listed}
        self._fetched = time.monotonic()

    def __call__(self, key: str) -> ApiKey | None:
        age = time.monotonic() - self._fetched
        if age > API_KEY_CACHE_SECONDS or (key not in self._keys and age > API_KEY_MISS_SECONDS):
            self._refresh()
        return self._keys.get(key)


def authenticator(resources: LocalResources) -> Authenticator:
    principal = IamPrincipal(
        secret_access_key=LOCAL_CREDENTIALS[1],
        account_id=resources.account_id,
        user_arn=f"arn:aws:iam::{resources.account_id}:user/ugc-local-backend",
        principal_id="AIDALOCALUGCBACKEND01",
    )
    return Authenticator(
        modes=(AuthMode(API.default_auth), *(AuthMode(m) for m in API.additional_auth)),
        region=resources.region,
        user_pool=UserPool(resources.user_pool_issuer, resources.jwks_url, frozenset({resources.user_pool_client_id})),
        api_keys=_ApiKeys(resources),
        iam={LOCAL_CREDENTIALS[0]: principal},
    )


def engine_options(stage: StageConfig) -> EngineOptions:
    """The API settings of a stage that the local AppSync enforces, as CDK gives them to AppSync."""
    return EngineOptions(
        introspection=stage.api_introspection,
        query_depth_limit=stage.api_query_depth_limit,
        resolver_count_limit=stage.api_resolver_count_limit,
    )


class LocalStack:
    def __init__(
        self,
        resources: LocalResources,
        graphql_url: str,
        invoker: Invoker | None = None,
        options: EngineOptions | None = None,
        ca_certificate: str | None = None,
    ) -> None:
        self.resources = resources
        self.graphql_url = graphql_url
        self.invoker = invoker or WorkerInvoker(function_specs(resources))
        self.model = api_model()
        self.engine = AppSyncEngine(self.model, self.invoker, options or engine_options(LOCAL_STAGE))
        self.authenticator = authenticator(resources)
        self.outputs = amplify_outputs(
            region=resources.region,
            user_pool_id=resources.user_pool_id,
            user_pool_client_id=resources.user_pool_client_id,
            graphql_url=graphql_url,
            api_key=resources.api_key,
            stage=LOCAL_STAGE.stage,
            aws_endpoint_url=resources.endpoint,
            aws_credentials=LOCAL_CREDENTIALS,
            ca_certificate=ca_certificate,
        )
        self._cognito = aws_client(resources.endpoint, "cognito-idp")

    def app(self, demo_users: list[str] | None = None, demo_password: str | None = None) -> Starlette:
        return create_app(
            self.engine,
            self.authenticator,
            self.outputs,
            sign_in=self.sign_in,
            demo_users=demo_users,
            demo_password=demo_password,
        )

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """Cognito USER_PASSWORD_AUTH against the local pool; PermissionError when refused."""
        try:
            out = self._cognito.initiate_auth(
                ClientId=self.resources.user_pool_client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as exc:
            raise PermissionError(exc.response["Error"].get("Message", "sign-in refused")) from exc
        result = out["AuthenticationResult"]
        return {
            "idToken": result["IdToken"],
            "accessToken": result["AccessToken"],
            "refreshToken": result.get("RefreshToken"),
            "expiresIn": result["ExpiresIn"],
        }

    async def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, *, headers: Mapping[str, str]
    ) -> Response:
        """Run an operation through authentication and the engine without HTTP (seed, tools)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            auth = self.authenticator.authenticate(
                HttpRequest(method="POST", url=self.graphql_url, headers=lowered, body=b"", source_ips=["127.0.0.1"])
            )
        except RequestRejected as exc:
            return Response(exc.status, exc.body())
        request = RequestInfo.from_pairs(list(lowered.items()), "127.0.0.1", None)
        return await self.engine.execute(query, dict(variables or {}), None, auth, request)

    async def close(self) -> None:
        close = getattr(self.invoker, "close", None)
        if close is not None:
            await close()
