"""`@aws_subscribe` as AppSync does it: what a mutation publishes, who receives it, and in what shape.

A top-level mutation field that subscriptions listen to publishes its response value (shaped by the
mutation's own selection set, keyed by schema field names) once it resolved to non-null. Each
subscriber is matched by its argument filters and then receives its own selection over that value:
nothing is re-resolved, fields the mutation did not select are null, and per-field auth is checked for
the subscriber's mode. A subscription is prepared (validated, authorized, its subscribe-time Lambda
run) before it is registered; the real-time protocols in `realtime.py` carry the frames.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLTypeResolver,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    get_named_type,
)
from graphql.execution import Executor, create_source_event_stream, execute_subscription_event
from graphql.execution.collect_fields import collect_fields
from graphql.execution.executor_throwing_on_incremental import ExecutorThrowingOnIncremental
from graphql.pyutils import is_awaitable

from emulator.appsync.errors import field_unauthorized, format_error
from emulator.appsync.events import AuthContext, RequestInfo, build_event
from emulator.appsync.model import ApiModel, Resolver

logger = logging.getLogger(__name__)

# AppSync's quota on one subscription message (Service Quotas L-F21064F0).
MAX_PAYLOAD_BYTES = 240 * 1024

InvokeResolver = Callable[[Resolver, dict[str, Any]], Awaitable[Any]]
Deliver = Callable[[str], None]


class SubscriptionRefused(Exception):
    """A subscription could not start: the errors to send back for it (AppSync's error dicts)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0].get("message") if errors else "subscription refused")
        self.errors = errors


@dataclass(frozen=True)
class ArgumentFilter:
    """Equality of one subscription argument with the published top-level field of the same name."""

    name: str
    value: Any  # in output form, as the published payload holds it
    as_string: bool  # IDs compare as strings

    def matches(self, payload: Mapping[str, Any]) -> bool:
        found = payload.get(self.name)
        if self.value is None or found is None:
            return self.value is None and found is None
        if self.as_string:
            return str(found) == str(self.value)
        return bool(found == self.value)


@dataclass
class _Context:
    """`info.context` of a subscription, from its start to its last delivery."""

    model: ApiModel
    auth: AuthContext
    request: RequestInfo
    raw_variables: Mapping[str, Any]
    invoke: InvokeResolver
    field_name: str = ""
    field_def: GraphQLField | None = None
    arguments: dict[str, Any] = field(default_factory=dict)


class _Registered:
    """What the subscribe resolver hands graphql-core: an event stream that is never read, because
    events are pushed by the hub, which executes each distinct selection once for all its subscribers."""

    def __aiter__(self) -> _Registered:
        return self

    async def __anext__(self) -> Any:
        raise StopAsyncIteration


async def _start_field(_root: Any, info: GraphQLResolveInfo, **args: Any) -> _Registered:
    """The subscription field when the subscription starts: auth for the start's mode, then the
    field's Lambda (if any), whose error rejects the subscription and whose value is discarded."""
    context: _Context = info.context
    type_name, field_name = info.parent_type.name, info.field_name
    if not context.model.allows(type_name, field_name, context.auth.mode, context.auth.groups):
        raise field_unauthorized(field_name, type_name)
    resolver = context.model.resolver(type_name, field_name)
    if resolver is not None:
        event = build_event(info, args, None, context.auth, context.request, context.raw_variables)
        await context.invoke(resolver, event)
    context.field_name = field_name
    context.field_def = info.parent_type.fields[field_name]
    context.arguments = args
    return _Registered()


def _deliver_field(source: Any, info: GraphQLResolveInfo, **_args: Any) -> Any:
    """A field of a delivered event: read from the published value, never resolved again."""
    context: _Context = info.context
    if info.parent_type is info.schema.subscription_type:
        return source  # the published value; the subscription field itself was authorized at start
    type_name, field_name = info.parent_type.name, info.field_name
    if not context.model.allows(type_name, field_name, context.auth.mode, context.auth.groups):
        raise field_unauthorized(field_name, type_name)
    return source.get(field_name) if isinstance(source, Mapping) else None


def _output_form(type_: GraphQLInputType, value: Any) -> Any:
    """An argument value as the same value would appear in a response (enum names, scalar output)."""
    if isinstance(type_, GraphQLNonNull):
        return _output_form(type_.of_type, value)
    if value is None:
        return None
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return [_output_form(type_.of_type, item) for item in items]
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        try:
            return type_.coerce_output_value(value)
        except (GraphQLError, TypeError, ValueError):
            return value
    return value


def _filters(context: _Context) -> tuple[ArgumentFilter, ...]:
    """Given arguments filter; graphql-core leaves out arguments not given (or bound to unsent
    variables), which therefore do not filter, and keeps an explicit null, which matches null."""
    filters = []
    args = context.field_def.args if context.field_def else {}
    for name, value in context.arguments.items():
        arg_type = args[name].type
        named = get_named_type(arg_type)
        filters.append(ArgumentFilter(name, _output_form(arg_type, value), named.name == "ID"))
    return tuple(filters)


@dataclass
class PreparedSubscription:
    """A subscription that passed validation, auth and its subscribe-time resolver."""

    field_name: str
    executor: Executor
    filters: tuple[ArgumentFilter, ...]
    share_key: tuple[Any, ...]  # subscribers with equal keys receive byte-identical payloads


@dataclass(eq=False)
class Subscriber:
    prepared: PreparedSubscription
    deliver: Deliver
    active: bool = True

    def matches(self, payload: Mapping[str, Any]) -> bool:
        return all(f.matches(payload) for f in self.prepared.filters)


def _fragment_definitions(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _subfields(nodes: Sequence[FieldNode], fragments: Mapping[str, FragmentDefinitionNode]) -> Iterator[FieldNode]:
    """The fields selected under these field nodes, fragments flattened whatever their type condition
    (a field a condition excluded is absent from the response value, so it is skipped anyway)."""

    def walk(selections: Sequence[SelectionNode], seen: frozenset[str]) -> Iterator[FieldNode]:
        for selection in selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from walk(selection.selection_set.selections, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from walk(fragment.selection_set.selections, seen | {name})

    for node in nodes:
        if node.selection_set:
            yield from walk(node.selection_set.selections, frozenset())


def _by_field_name(value: Any, nodes: Sequence[FieldNode], fragments: Mapping[str, FragmentDefinitionNode]) -> Any:
    """A response value re-keyed from response keys (aliases) to schema field names."""
    if isinstance(value, list):
        return [_by_field_name(item, nodes, fragments) for item in value]
    if not isinstance(value, dict):
        return value
    by_key: dict[str, list[FieldNode]] = {}
    for node in _subfields(nodes, fragments):
        by_key.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
    out: dict[str, Any] = {}
    for key, key_nodes in by_key.items():
        name = key_nodes[0].name.value
        if key in value and name not in out:  # with two aliases of one field, the first one wins
            out[name] = _by_field_name(value[key], key_nodes, fragments)
    return out


class SubscriptionHub:
    """The subscriptions of one API: prepared by the protocols, registered here, fed by mutations."""

    def __init__(
        self,
        model: ApiModel,
        invoke: InvokeResolver,
        type_resolver: GraphQLTypeResolver,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
    ) -> None:
        self.model = model
        self._invoke = invoke
        self._type_resolver = type_resolver
        self.max_payload_bytes = max_payload_bytes
        self._subscribers: dict[str, list[Subscriber]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- starting ------------------------------------------------------------------------------
    async def prepare(
        self,
        document: DocumentNode,
        query: str,
        variables: dict[str, Any],
        operation_name: str | None,
        auth: AuthContext,
        request: RequestInfo,
    ) -> PreparedSubscription:
        """Coerce the variables, authorize the subscription field for `auth` and run its Lambda; raises
        SubscriptionRefused with the errors otherwise. `document` must be a validated subscription."""
        schema = self.model.schema
        root = schema.subscription_type
        context = _Context(self.model, auth, request, variables, self._invoke)
        executor = ExecutorThrowingOnIncremental.build(
            schema,
            document,
            None,
            context,
            variables,
            operation_name,
            field_resolver=_deliver_field,
            type_resolver=self._type_resolver,
            subscribe_field_resolver=_start_field,
        )
        if isinstance(executor, list):
            raise SubscriptionRefused([format_error(e, root) for e in executor])
        stream = create_source_event_stream(executor)
        if is_awaitable(stream):
            stream = await stream
        if isinstance(stream, ExecutionResult):
            raise SubscriptionRefused([format_error(e, root) for e in stream.errors or ()])
        share_key = (
            query,
            operation_name,
            json.dumps(variables, sort_keys=True, default=str),
            auth.mode,
            tuple(sorted(auth.groups)),
        )
        return PreparedSubscription(context.field_name, executor, _filters(context), share_key)

    def register(self, prepared: PreparedSubscription, deliver: Deliver) -> Subscriber:
        """From now on, matching publications reach `deliver` (the caller acks in the same step)."""
        subscriber = Subscriber(prepared, deliver)
        self._subscribers.setdefault(prepared.field_name, []).append(subscriber)
        return subscriber

    def unregister(self, subscriber: Subscriber) -> None:
        subscriber.active = False
        listeners = self._subscribers.get(subscriber.prepared.field_name, [])
        if subscriber in listeners:
            listeners.remove(subscriber)

    def count(self, field_name: str | None = None) -> int:
        """Registered subscriptions (of one subscription field, or all)."""
        if field_name is not None:
            return len(self._subscribers.get(field_name, ()))
        # A snapshot of the values: other threads may read this while the server loop registers.
        return sum(len(s) for s in list(self._subscribers.values()))

    # --- publishing ----------------------------------------------------------------------------
    def publish(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        data: Mapping[str, Any],
    ) -> None:
        """After a mutation operation: publish each listened-to top-level field that resolved to a
        value, in execution order. Delivery runs on the loop after the caller's response is built."""
        if not self.count():
            return
        schema = self.model.schema
        mutation_type = schema.mutation_type
        if mutation_type is None:
            return
        operation_name = operation.name.value if operation.name else None
        executor = Executor.build(schema, document, None, None, variables, operation_name)
        if isinstance(executor, list):
            return
        fields = collect_fields(schema, executor.fragments, executor.variable_values, mutation_type, operation)
        fragments = _fragment_definitions(document)
        publications = []
        for key, details in fields.grouped_field_set.items():
            name = details[0].node.name.value
            value = data.get(key)
            # A field that failed (null with its error) publishes nothing.
            if value is None or not self.model.listeners(name):
                continue
            publications.append((name, _by_field_name(value, [d.node for d in details], fragments)))
        if publications:
            asyncio.get_running_loop().call_soon(self._fan_out, publications)

    def _fan_out(self, publications: list[tuple[str, Any]]) -> None:
        for mutation, payload in publications:
            for field_name in self.model.listeners(mutation):
                self._deliver(field_name, payload)

    def _deliver(self, field_name: str, payload: Any) -> None:
        groups: dict[tuple[Any, ...], list[Subscriber]] = {}
        for subscriber in list(self._subscribers.get(field_name, ())):
            if isinstance(payload, Mapping) and subscriber.matches(payload):
                groups.setdefault(subscriber.prepared.share_key, []).append(subscriber)
        for members in groups.values():
            result = execute_subscription_event(members[0].prepared.executor.build_per_event_executor(payload))
            if is_awaitable(result):
                # Only reachable with asynchronous resolvers, which delivery does not use.
                task = asyncio.ensure_future(self._send_later(field_name, result, members))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                continue
            self._send(field_name, cast(ExecutionResult, result), members)

    async def _send_later(
        self, field_name: str, pending: Awaitable[ExecutionResult], members: list[Subscriber]
    ) -> None:
        self._send(field_name, await pending, members)

    def _send(self, field_name: str, result: ExecutionResult, members: list[Subscriber]) -> None:
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [format_error(e, self.model.schema.subscription_type) for e in result.errors]
        text = json.dumps(body, separators=(",", ":"))
        size = len(text.encode())
        if size > self.max_payload_bytes:
            logger.warning(
                "subscription payload over the limit is not delivered",
                extra={
                    "field": field_name,
                    "bytes": size,
                    "limit": self.max_payload_bytes,
                    "subscribers": len(members),
                },
            )
            return
        for subscriber in members:
            if subscriber.active:
                subscriber.deliver(text)
