"""Compiled execution of repeated read queries: the same resolvers, less machinery per field.

A map client sends the same few query texts over and over with new variables. graphql-core
spends about 5 µs on each resolved field (an info object, a path, awaitable checks, result
completion), which for a page of 50 volunteers × 6 fields costs more than the SQL. Once a
query text has executed cleanly through strawberry, and its shape allows, it is compiled:
its selection becomes a tree of small closures that call **the same resolvers** (or read the
same attributes) and serialise leaves with **the same GraphQL scalars**, so the answer is the
one strawberry would give, key for key. The answer is the same because the work is the same;
``tests/graphql/test_graphql_fastpath.py`` compares the two paths over many queries and roles.

What compiles: one query operation with no fragments and no directives, whose fields are on
object types (no interfaces or unions), where every resolver inside a list is synchronous
(async ones, such as ``totalCount`` or the root field, run where there is one object).
Anything else, and any failure while running (a bad argument, a null in a non-null field, a
policy refusal), goes through strawberry, which gives the coded error; a read query has no
side effects, so running it again there is safe. Mutations and subscriptions never compile.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_variable_values,
)
from strawberry import relay
from strawberry.types import ExecutionResult, Info
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from hub.schema.doc_cache import MAX_SHARE, ByteLRU, document_weight
from hub.schema.limits import (
    MAX_COST,
    cost_variables,
    list_error,
    operation_cost,
    variable_types,
)
from hub.schema.plan_inputs import (
    MAX_COSTS,
    PLAIN,
    coerce,
    signatures,
    uses_variables,
)

log = logging.getLogger(__name__)
PLAN_WEIGHT = 2  # a plan keeps its document and about as much again in closures
DEFINITION_BACKREF = "strawberry-definition"


class NotCompilable(Exception):
    """The query's shape is outside what the compiled path runs (strawberry runs it)."""


class _Fallback(Exception):
    """This run cannot be answered here (strawberry answers it, with its errors)."""


@dataclass
class _Raw:
    """What resolvers read from graphql-core's info: the context, and for a root field what
    ``info.selected_fields`` needs (anything else raises, and strawberry answers)."""

    context: Any
    field_nodes: list[FieldNode]
    variable_values: dict[str, Any]
    fragments: dict[str, Any]


Emit = Callable[[Any, "_Run"], Any]


@dataclass
class _Run:
    """One execution: the caller's info and the converted arguments of every field."""

    info: Info[Any, Any]
    args: list[dict[str, Any]]


@dataclass
class _FieldPlan:
    key: str
    index: int  # into _Run.args
    node: FieldNode
    definition: Any  # graphql-core's GraphQLField
    field: StrawberryField | None  # None for __typename and relay's id
    resolve: Callable[[Any, _Run], Any]
    emit: Emit
    is_async: bool


class Plan:
    """A compiled operation."""

    def __init__(self, compiler: _Compiler, document: DocumentNode,
                 operation: OperationDefinitionNode) -> None:
        self.document = document
        self.operation = operation
        self.fields = compiler.fields
        self.root = compiler.root
        self.schema = compiler.schema
        self.answered = 0  # runs answered here
        self.fell_back = 0  # runs handed to strawberry
        # The cost depends on the variables only through list sizes (``first: $n``).
        self._cost_variables = cost_variables(document)
        self._costs: dict[tuple[Any, ...], int] = {}
        self._signatures = signatures(self.schema._schema, operation)
        self._variable_types = variable_types(self.schema._schema, document, None)
        # Arguments written in the query (no variables) that convert to plain values are
        # converted once: the same values every run.
        self._constant_args: dict[int, dict[str, Any]] = {}
        self._variable_args = {p.index for p in self.fields if uses_variables(p.node)}

    async def run(self, variables: dict[str, Any] | None, context: Any,
                  root_value: Any) -> ExecutionResult | None:
        """The result, or None when strawberry must answer."""
        gql = self.schema._schema
        if list_error(self._variable_types, variables, self.schema.limits.list_items):
            self.fell_back += 1  # strawberry reports it (before coercing a long list)
            return None
        coerced = coerce(self._signatures, variables or {}) or get_variable_values(
            gql, self.operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list) or self._cost(variables) > MAX_COST:
            self.fell_back += 1  # strawberry reports either
            return None
        info = _info(context, [], coerced.coerced)
        try:
            args = [self._arguments(plan, coerced, info) for plan in self.fields]
            run = _Run(info=info, args=args)
            data = {}
            for plan in self.root:
                here = _Run(info=_info(context, [plan.node], coerced.coerced), args=args)
                value = plan.resolve(root_value, here)
                if inspect.isawaitable(value):
                    value = await value
                data[plan.key] = await _complete(plan, value, run)
        except Exception:  # strawberry runs it again and reports the error
            log.debug("compiled query fell back", exc_info=True)
            self.fell_back += 1
            return None
        self.answered += 1
        return ExecutionResult(data=data, errors=None)

    def _cost(self, variables: dict[str, Any] | None) -> int:
        values = variables or {}
        key = tuple(values.get(name) for name in self._cost_variables)
        if not all(type(v) in PLAIN for v in key):  # not a plain value: not remembered
            return operation_cost(self.schema._schema, self.document, variables, None)
        cost = self._costs.get(key)
        if cost is None:
            cost = operation_cost(self.schema._schema, self.document, variables, None)
            if len(self._costs) < MAX_COSTS:
                self._costs[key] = cost
        return cost

    def _arguments(self, plan: _FieldPlan, variables: VariableValues,
                   info: Info[Any, Any]) -> dict[str, Any]:
        if plan.field is None or not plan.field.arguments:
            return {}
        constant = self._constant_args.get(plan.index)
        if constant is not None:
            return constant
        raw = get_argument_values(plan.definition, plan.node, variables)
        args = convert_arguments(raw, plan.field.arguments,
                                 scalar_registry=self.schema.schema_converter.scalar_registry,
                                 config=self.schema.config, info=info)
        if plan.index not in self._variable_args and all(
                type(v) in PLAIN or isinstance(v, Enum) for v in args.values()):
            self._constant_args[plan.index] = args
        return args


def _info(context: Any, nodes: list[FieldNode], variables: dict[str, Any]) -> Info[Any, Any]:
    return Info(_raw_info=_Raw(context, nodes, variables, {}), _field=None)  # type: ignore[arg-type]


async def _complete(plan: _FieldPlan, value: Any, run: _Run) -> Any:
    """A root-level value, with the async fields below it (single objects only) awaited."""
    return await _settle(plan.emit(value, run))


async def _settle(value: Any) -> Any:
    """Replace awaitables left by async fields (in dicts, not in lists) by their values."""
    if inspect.isawaitable(value):
        return await _settle(await value)
    if isinstance(value, dict):
        for key, item in value.items():
            if inspect.isawaitable(item) or isinstance(item, dict):
                value[key] = await _settle(item)
    return value


class _Compiler:
    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.fields: list[_FieldPlan] = []
        self.root: list[_FieldPlan] = []

    def compile(self, operation: OperationDefinitionNode) -> None:
        query_type = self.schema._schema.query_type
        self.root = self._selection(query_type, operation.selection_set, in_list=False)

    def _selection(self, parent: GraphQLObjectType, selection_set: Any,
                   *, in_list: bool) -> list[_FieldPlan]:
        if selection_set is None:
            raise NotCompilable("an object without a selection")
        definition = parent.extensions.get(DEFINITION_BACKREF)
        if not isinstance(definition, StrawberryObjectDefinition):
            raise NotCompilable(f"{parent.name} is not a strawberry object type")
        by_name = {self.schema.config.name_converter.get_graphql_name(f): f
                   for f in definition.fields}
        plans = []
        for node in selection_set.selections:
            if not isinstance(node, FieldNode) or node.directives:
                raise NotCompilable("fragments and directives take the full path")
            plans.append(self._field(parent, definition, by_name, node, in_list=in_list))
        keys = [p.key for p in plans]
        if len(set(keys)) != len(keys):
            raise NotCompilable("a response key selected twice (merged by graphql-core)")
        return plans

    def _field(self, parent: GraphQLObjectType, definition: StrawberryObjectDefinition,
               by_name: dict[str, StrawberryField], node: FieldNode,
               *, in_list: bool) -> _FieldPlan:
        name = node.name.value
        key = node.alias.value if node.alias else name
        index = len(self.fields)
        if name == "__typename":
            type_name = parent.name
            plan = _FieldPlan(key, index, node, None, None, lambda obj, run: type_name,
                              _identity, False)
            self.fields.append(plan)
            return plan
        gql_field = parent.fields.get(name)
        field = by_name.get(name)
        if gql_field is None or field is None or field.extensions:
            raise NotCompilable(f"{parent.name}.{name} is not a plain strawberry field")
        self.fields.append(None)  # type: ignore[arg-type]  # reserve the index
        resolve, is_async, field_or_none = self._resolver(definition, field, name, index)
        if is_async and in_list:
            raise NotCompilable(f"{parent.name}.{name} is async inside a list")
        emit = self._emitter(gql_field.type, node, in_list=in_list)
        plan = _FieldPlan(key, index, node, gql_field, field_or_none, resolve, emit, is_async)
        self.fields[index] = plan
        return plan

    def _resolver(self, definition: StrawberryObjectDefinition, field: StrawberryField,
                  name: str, index: int) -> tuple[Callable[[Any, _Run], Any], bool,
                                                  StrawberryField | None]:
        origin = definition.origin
        if name == "id" and isinstance(origin, type) and issubclass(origin, relay.Node):
            type_name = definition.name
            attr = origin.resolve_id_attr()
            return (lambda obj, run: relay.to_base64(type_name, getattr(obj, attr))), False, None
        resolver = field.base_resolver
        if resolver is None:
            attr = field.python_name
            return (lambda obj, run: getattr(obj, attr)), False, field
        if resolver.parent_parameter or resolver.root_parameter:
            raise NotCompilable(f"{definition.name}.{name} takes its parent by name")
        call: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]
        takes_self = resolver.self_parameter is not None
        info_name = resolver.info_parameter.name if resolver.info_parameter else None
        if not takes_self or inspect.ismethod(call):
            raise NotCompilable(f"{definition.name}.{name} is not a plain method")

        def resolve(obj: Any, run: _Run) -> Any:
            kwargs = run.args[index]
            if info_name is not None:
                return call(obj, **kwargs, **{info_name: run.info})
            return call(obj, **kwargs)

        return resolve, resolver.is_async, field

    def _emitter(self, type_: GraphQLOutputType, node: FieldNode, *, in_list: bool) -> Emit:
        if isinstance(type_, GraphQLNonNull):
            inner = self._emitter(type_.of_type, node, in_list=in_list)

            def non_null(value: Any, run: _Run) -> Any:
                if value is None:
                    raise _Fallback("null in a non-null field")
                return inner(value, run)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self._emitter(type_.of_type, node, in_list=True)
            return lambda value, run: None if value is None else [item(v, run) for v in value]
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            serialize = type_.serialize
            return lambda value, run: None if value is None else serialize(value)
        if isinstance(type_, GraphQLObjectType):
            fields = self._selection(type_, node.selection_set, in_list=in_list)
            return _object_emitter(fields)
        raise NotCompilable(f"{type_} (an interface or union) takes the full path")


def _identity(value: Any, run: _Run) -> Any:
    return value


def _object_emitter(fields: list[_FieldPlan]) -> Emit:
    def emit(obj: Any, run: _Run) -> Any:
        if obj is None:
            return None
        out = {}
        for plan in fields:
            value = plan.resolve(obj, run)
            if plan.is_async:
                out[plan.key] = _later(plan, value, run)
            else:
                out[plan.key] = plan.emit(value, run)
        return out

    return emit


async def _later(plan: _FieldPlan, value: Any, run: _Run) -> Any:
    return plan.emit(await value, run)


class Plans:
    """Compiled plans by query text and operation name (least recently used, bounded in
    estimated bytes: ``hub.schema.doc_cache.ByteLRU``)."""

    def __init__(self, schema: Any, *, budget_bytes: int) -> None:
        self.schema = schema
        self._plans: ByteLRU[tuple[str, str | None], Plan | None] = ByteLRU(budget_bytes)

    def get(self, query: str, operation_name: str | None) -> Plan | None:
        """The plan for a text that compiled, else None."""
        return self._plans.get((query, operation_name))

    def known(self, query: str, operation_name: str | None) -> bool:
        """Whether this text was tried already (compiled or not)."""
        return (query, operation_name) in self._plans

    def learn(self, query: str, operation_name: str | None) -> None:
        """Compile a text that strawberry just executed cleanly (or remember it cannot be)."""
        if sys.getsizeof(query) > self._plans.budget_bytes // MAX_SHARE:
            return  # too large to keep: not worth compiling on every run
        plan = self._compile(query, operation_name)
        weight = (PLAN_WEIGHT * document_weight(query, plan.document) if plan is not None
                  else sys.getsizeof(query))
        self._plans.put((query, operation_name), plan, weight)

    def _compile(self, query: str, operation_name: str | None) -> Plan | None:
        document = parse(query)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or len(document.definitions) != 1:
            return None
        operation = operations[0]
        if operation.operation is not OperationType.QUERY or operation.directives:
            return None
        if operation_name is not None and (
                operation.name is None or operation.name.value != operation_name):
            return None
        compiler = _Compiler(self.schema)
        try:
            compiler.compile(operation)
        except NotCompilable as exc:
            log.debug("not compiled: %s", exc)
            return None
        return Plan(compiler, document, operation)
