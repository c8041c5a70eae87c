"""Executes GraphQL requests the way AppSync does, over an `ApiModel` and an `Invoker`."""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
)
from graphql.error import GraphQLSyntaxError
from graphql.utilities import get_operation_ast

from emulator.appsync.errors import FieldError, field_unauthorized, format_error, lambda_error, malformed
from emulator.appsync.events import AuthContext, RequestInfo, build_event, event_arguments
from emulator.appsync.invoke import Invoker
from emulator.appsync.model import ApiModel, Resolver
from emulator.appsync.subscriptions import MAX_PAYLOAD_BYTES, SubscriptionHub
from emulator.appsync.validation import appsync_validate

REQUEST_TIMEOUT_SECONDS = 30.0
# Parsed and validated documents kept, by query text: clients send the same few operations over and over,
# and a thousand subscribers of one subscription share one document rather than holding a thousand.
DOCUMENT_CACHE_SIZE = 512
MAX_BATCH_SIZE = 2000
# Resolvers one request may run when the API sets no resolverCountLimit.
DEFAULT_RESOLVER_COUNT_LIMIT = 10_000
ENVELOPE_KEYS = frozenset({"data", "errorMessage", "errorType"})


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]


class OperationRefused(Exception):
    """A request's document cannot run: AppSync's response to it."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.body)
        self.response = response


@dataclass(frozen=True)
class EngineOptions:
    request_timeout: float = REQUEST_TIMEOUT_SECONDS
    introspection: bool = True
    max_subscription_payload_bytes: int = MAX_PAYLOAD_BYTES
    # AppSync's queryDepthLimit (0: none) and resolverCountLimit (0: AppSync's 10,000).
    query_depth_limit: int = 0
    resolver_count_limit: int = 0

    @property
    def resolvers_allowed(self) -> int:
        return self.resolver_count_limit or DEFAULT_RESOLVER_COUNT_LIMIT


class _BatchLoader:
    """Gathers the pending resolutions of one batched field in one request (DataLoader style) and
    invokes the Lambda with a list of events, at most `max_batch_size` at a time."""

    def __init__(self, invoker: Invoker, resolver: Resolver) -> None:
        self._invoker = invoker
        self._resolver = resolver
        self._queue: list[tuple[dict[str, Any], asyncio.Future[Any]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def load(self, event: dict[str, Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._queue:
            loop.call_soon(self._dispatch)
        self._queue.append((event, future))
        return future

    def _dispatch(self) -> None:
        queue, self._queue = self._queue, []
        size = min(self._resolver.max_batch_size, MAX_BATCH_SIZE)
        for start in range(0, len(queue), size):
            task = asyncio.ensure_future(self._run(queue[start : start + size]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, chunk: list[tuple[dict[str, Any], asyncio.Future[Any]]]) -> None:
        result = await self._invoker.invoke(self._resolver.function, [event for event, _ in chunk])
        futures = [future for _, future in chunk]
        if result.failed:
            # Any exception fails the whole batch: every item gets the same error.
            for future in futures:
                future.set_exception(lambda_error(result.error_type, result.error_message))
            return
        items = result.payload
        if not isinstance(items, list) or len(items) != len(futures):
            got = len(items) if isinstance(items, list) else type(items).__name__
            error = FieldError("BatchSizeMismatch", f"batch response has {got} items for {len(futures)} requests")
            for future in futures:
                future.set_exception(error)
            return
        for future, item in zip(futures, items, strict=True):
            if isinstance(item, dict) and item and set(item) <= ENVELOPE_KEYS:
                if item.get("errorMessage"):
                    future.set_exception(FieldError(item.get("errorType"), str(item["errorMessage"]), item.get("data")))
                else:
                    future.set_result(item.get("data"))
            else:
                future.set_result(item)


@dataclass
class _Execution:
    engine: AppSyncEngine
    auth: AuthContext
    request: RequestInfo
    raw_variables: Mapping[str, Any]
    loaders: dict[tuple[str, str], _BatchLoader] = field(default_factory=dict)
    # Resolver invocations so far (each item of a batched field counts: one field resolution each).
    resolvers_run: int = 0


def _default_value(source: Any, name: str) -> Any:
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


class AppSyncEngine:
    def __init__(self, model: ApiModel, invoker: Invoker, options: EngineOptions | None = None) -> None:
        self.model = model
        self.invoker = invoker
        self.options = options or EngineOptions()
        self.subscriptions = SubscriptionHub(
            model,
            # Looked up per call: tests and tools swap the invoker of a running engine.
            lambda resolver, event: _invoke_single(self.invoker, resolver, event),
            _resolve_type,
            self.options.max_subscription_payload_bytes,
        )
        self._checked = functools.lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(self._parse_and_validate)

    async def execute(
        self,
        query: Any,
        variables: Any,
        operation_name: Any,
        auth: AuthContext,
        request: RequestInfo,
    ) -> Response:
        if variables is not None and not isinstance(variables, dict):
            return _rejected(malformed("Unable to parse GraphQL query."))
        try:
            document, operation = self.operation(query, operation_name)
        except OperationRefused as exc:
            return exc.response
        if operation.operation == OperationType.SUBSCRIPTION:
            return _request_error(
                "UnsupportedOperation",
                "Subscriptions are not supported over HTTP; use the real-time endpoint.",
            )
        return await self._run(document, operation, variables or {}, operation_name, auth, request)

    def operation(self, query: Any, operation_name: Any) -> tuple[DocumentNode, OperationDefinitionNode]:
        """Parse and validate a request's document and pick its operation; raises OperationRefused with
        AppSync's response (400 when the query does not parse, 200 `data: null` when it is invalid)."""
        if not isinstance(query, str) or not query.strip():
            raise OperationRefused(_rejected(malformed("Unable to parse GraphQL query.")))
        document, errors = self._checked(query)
        if document is None:
            raise OperationRefused(_rejected(malformed("Unable to parse GraphQL query.")))
        if errors:
            raise OperationRefused(Response(200, {"data": None, "errors": copy.deepcopy(list(errors))}))
        name = operation_name if isinstance(operation_name, str) else None
        operation = get_operation_ast(document, name)
        if operation is None:
            raise OperationRefused(
                _request_error(
                    None,
                    f"Unknown operation named '{name}'."
                    if name
                    else "Must provide operation name if query contains multiple operations.",
                )
            )
        return document, operation

    def _parse_and_validate(self, query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
        """The document (None when the query does not parse) and its validation errors. Documents are
        immutable, so one serves every request that sends the same text."""
        try:
            document = parse(query)
        except GraphQLSyntaxError:
            return None, ()
        return document, tuple(appsync_validate(self.model.schema, document, self.options.introspection))

    async def _run(
        self,
        document: Any,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        operation_name: Any,
        auth: AuthContext,
        request: RequestInfo,
    ) -> Response:
        state = _Execution(self, auth, request, variables)
        outcome = execute(
            self.model.schema,
            document,
            context_value=state,
            variable_values=variables,
            operation_name=operation_name if isinstance(operation_name, str) else None,
            field_resolver=_resolve,
            type_resolver=_resolve_type,
        )
        try:
            result = await asyncio.wait_for(_awaited(outcome), self.options.request_timeout)
        except TimeoutError:
            return _request_error("Lambda:ExecutionTimeoutException", "Execution timed out.")
        if operation.operation == OperationType.MUTATION and result.data:
            self.subscriptions.publish(document, operation, variables, result.data)
        root = self._root_type(operation)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [format_error(e, root) for e in result.errors]
        return Response(200, body)

    def _root_type(self, operation: OperationDefinitionNode) -> GraphQLObjectType | None:
        schema = self.model.schema
        return {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }[operation.operation]


async def _awaited(value: Any) -> ExecutionResult:
    return await value if inspect.isawaitable(value) else value


def _request_error(error_type: str | None, message: str) -> Response:
    """An error about the whole operation: HTTP 200, `data: null`."""
    error: dict[str, Any] = {"path": None, "locations": None, "message": message}
    if error_type:
        error = {"path": None, "data": None, "errorType": error_type, "errorInfo": None, "locations": None,
                 "message": message}  # fmt: skip
    return Response(200, {"data": None, "errors": [error]})


def _rejected(rejection: Any) -> Response:
    return Response(rejection.status, rejection.body())


def _resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    state: _Execution = info.context
    engine = state.engine
    type_name, field_name = info.parent_type.name, info.field_name
    limits = engine.options
    if limits.query_depth_limit and _depth(info) > limits.query_depth_limit:
        # The operation runs; only the fields below the limit fail (and null their nullable parent).
        raise FieldError("QueryDepthLimitExceeded", f"Query depth limit of {limits.query_depth_limit} exceeded.")
    if not engine.model.allows(type_name, field_name, state.auth.mode, state.auth.groups):
        # The resolver of a denied field is never invoked.
        raise field_unauthorized(field_name, type_name)
    resolver = engine.model.resolver(type_name, field_name)
    if resolver is None:
        return _default_value(source, field_name)
    state.resolvers_run += 1
    if state.resolvers_run > limits.resolvers_allowed:
        # Past the limit no resolver runs: the fields that would have fail.
        raise FieldError("ResolverCountLimitExceeded", f"Resolver count limit of {limits.resolvers_allowed} exceeded.")
    if resolver.returns_argument is not None:
        # A local resolver (NONE data source): the argument as JSON, the way AppSync hands `ctx.args` over.
        return json.loads(json.dumps(event_arguments(info, args, state.raw_variables)[resolver.returns_argument]))
    event = build_event(info, args, source, state.auth, state.request, state.raw_variables)
    if resolver.max_batch_size > 0:
        key = (type_name, field_name)
        loader = state.loaders.get(key)
        if loader is None:
            loader = state.loaders[key] = _BatchLoader(engine.invoker, resolver)
        return loader.load(event)
    return _invoke_single(engine.invoker, resolver, event)


def _depth(info: GraphQLResolveInfo) -> int:
    """How deep a field is: 1 for a root field, one more per nested field (list indexes do not count)."""
    return sum(1 for key in info.path.as_list() if isinstance(key, str))


async def _invoke_single(invoker: Invoker, resolver: Resolver, event: dict[str, Any]) -> Any:
    result = await invoker.invoke(resolver.function, event)
    if result.failed:
        raise lambda_error(result.error_type, result.error_message)
    return result.payload


def _resolve_type(value: Any, info: GraphQLResolveInfo, abstract_type: Any) -> str:
    typename = value.get("__typename") if isinstance(value, Mapping) else None
    if not isinstance(typename, str):
        raise GraphQLError(f"Could not determine the concrete type of {abstract_type.name}: return __typename")
    return typename
