"""Compiled execution of registered query documents: the same resolvers, less machinery.

A map client sends the same few documents over and over with new variables. graphql-core
spends about 5 µs on each resolved field (an info object, a path, awaitable checks, result
completion), which for a page of 50 volunteers × 6 fields costs more than the SQL. So each
registered query document (``hub/schema/trusted.py``) is compiled once, when the schema is
built, never from traffic: its selection becomes a tree of small closures that call **the
same resolvers** (or read the same attributes) and serialise leaves with **the same GraphQL
scalars**, so the answer is the one strawberry would give, key for key
(``tests/graphql/test_graphql_fastpath.py`` compares the two for every role).

A plan runs inside strawberry's execution, in the ``on_execute`` step of the last schema
extension (:class:`hub.schema.plans.CompiledPlans`): parsing, validation, the cost limit and
every other extension see the request as they see any other, and only graphql-core's
execution is replaced. What compiles: one query operation with no fragments and no
directives, whose fields are on object types (no interfaces or unions), where every resolver
inside a list is synchronous (async ones, such as ``totalCount`` or the root field, run where
there is one object). Any failure while running (a bad argument, a null in a non-null field,
a policy refusal) hands the run to graphql-core, which gives the coded error; a read query
has no side effects, so running it again there is safe.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    visit,
)
from graphql.execution import VariableValues, get_argument_values, get_variable_values
from strawberry import relay
from strawberry.types import ExecutionResult
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField
from strawberry.types.nodes import Selection, convert_selections

from hub.schema.arguments import arguments_converter
from hub.schema.limits import graphql_core_schema
from hub.schema.trusted import TrustedDocument
from hub.schema.written import RootWriter, written

log = logging.getLogger(__name__)
PLAIN = frozenset({int, float, str, bool, type(None)})


class NotCompilable(Exception):
    """The query's shape is outside what the compiled path runs (strawberry runs it)."""


class _Fallback(Exception):
    """This run cannot be answered here (strawberry answers it, with its errors)."""


class PlanInfo:
    """What a resolver reads of its ``info`` when a plan calls it: the context, the variables
    and, for a root field, its selection (``selected_fields``, as strawberry's ``Info`` gives
    it). A resolver that reads anything else fails here and graphql-core answers; the tests
    run every registered document both ways, so such a resolver is found before it ships."""

    __slots__ = ("context", "field_nodes", "fragments", "variable_values")

    def __init__(self, context: Any, field_nodes: list[FieldNode],
                 variable_values: dict[str, Any]) -> None:
        self.context = context
        self.field_nodes = field_nodes
        self.variable_values = variable_values
        self.fragments: dict[str, Any] = {}  # compiled documents have none

    @property
    def selected_fields(self) -> list[Selection]:
        return convert_selections(cast(GraphQLResolveInfo, self), self.field_nodes)


Emit = Callable[[Any, "_Run"], Any]


@dataclass
class _Run:
    """One execution: the caller's info and the converted arguments of every field."""

    info: PlanInfo
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

    def __init__(self, compiler: _Compiler, document: TrustedDocument) -> None:
        self.name = document.name
        self.operation = document.operation
        self.fields = compiler.fields
        self.root = compiler.root
        self.schema = compiler.schema
        self.graphql = compiler.graphql
        self.answered = 0  # runs answered here
        self.fell_back = 0  # runs handed to graphql-core
        # Arguments written in the query (no variables) that convert to plain values are
        # converted once: the same values every run.
        self._constant_args: dict[int, dict[str, Any]] = {}
        self._variable_args = {p.index for p in self.fields if _uses_variables(p.node)}
        # Converters of the arguments, made once (hub/schema/arguments.py); None: strawberry's.
        self._converters = {p.index: arguments_converter(p.field.arguments, self.schema)
                            for p in self.fields if p.field is not None and p.field.arguments}

    async def run(self, variables: dict[str, Any] | None, context: Any,
                  root_value: Any) -> ExecutionResult | None:
        """The result, or None when graphql-core must answer."""
        coerced = get_variable_values(self.graphql, self.operation.variable_definitions or (),
                                      variables or {})
        if isinstance(coerced, list):
            self.fell_back += 1  # graphql-core reports it
            return None
        info = PlanInfo(context, [], coerced.coerced)
        try:
            args = [self._arguments(plan, coerced, info) for plan in self.fields]
            run = _Run(info=info, args=args)
            data = {}
            for plan in self.root:
                here = _Run(info=PlanInfo(context, [plan.node], coerced.coerced), args=args)
                value = plan.resolve(root_value, here)
                if inspect.isawaitable(value):
                    value = await value
                data[plan.key] = await _complete(plan, value, run)
        except Exception:  # graphql-core runs it again and reports the error
            log.debug("compiled query fell back", exc_info=True)
            self.fell_back += 1
            return None
        self.answered += 1
        return ExecutionResult(data=data, errors=None)

    def _arguments(self, plan: _FieldPlan, variables: VariableValues,
                   info: PlanInfo) -> dict[str, Any]:
        if plan.field is None or not plan.field.arguments:
            return {}
        constant = self._constant_args.get(plan.index)
        if constant is not None:
            return constant
        raw = get_argument_values(plan.definition, plan.node, variables)
        converter = self._converters.get(plan.index)
        args = converter(raw) if converter is not None else convert_arguments(
            raw, plan.field.arguments,
            scalar_registry=self.schema.schema_converter.scalar_registry,
            config=self.schema.config, info=cast(Any, info))
        if plan.index not in self._variable_args and all(
                type(v) in PLAIN or isinstance(v, Enum) for v in args.values()):
            self._constant_args[plan.index] = args
        return args


def _uses_variables(node: FieldNode) -> bool:
    found = False

    class _Finder(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    for arg in node.arguments or ():
        visit(arg, _Finder())
    return found


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
    def __init__(self, schema: Any, writer: RootWriter | None = None) -> None:
        self.schema = schema
        self.graphql: GraphQLSchema = graphql_core_schema(schema)
        self.fields: list[_FieldPlan] = []
        self.root: list[_FieldPlan] = []
        self.writer = writer
        self.alone = False  # whether the operation selects one root field

    def compile(self, operation: OperationDefinitionNode) -> None:
        query_type = self.graphql.query_type
        assert query_type is not None
        self.alone = len(operation.selection_set.selections) == 1
        self.root = self._selection(query_type, operation.selection_set, in_list=False)

    def _selection(self, parent: GraphQLObjectType, selection_set: Any,
                   *, in_list: bool) -> list[_FieldPlan]:
        if selection_set is None:
            raise NotCompilable("an object without a selection")
        definition = self.schema.get_type_by_name(parent.name)
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
        writer = (self.writer(name, node, self.alone) if self.writer is not None
                  and parent is self.graphql.query_type else None)
        if writer is not None:
            resolve, emit = written(name, index, writer, resolve, emit)
            is_async = True
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

        if not field.arguments:  # the usual case, called without building keyword dicts
            params = list(inspect.signature(call).parameters)
            if info_name is None:
                return (lambda obj, run: call(obj)), resolver.is_async, field
            if params[1:] == [info_name]:
                return (lambda obj, run: call(obj, run.info)), resolver.is_async, field

        def resolve(obj: Any, run: _Run) -> Any:
            kwargs = run.args[index]
            if info_name is not None:
                return call(obj, **kwargs, **{info_name: run.info})
            return call(obj, **kwargs)

        return resolve, resolver.is_async, field

    def _emitter(self, type_: GraphQLOutputType, node: FieldNode, *, in_list: bool) -> Emit:
        if isinstance(type_, GraphQLNonNull) and isinstance(
                type_.of_type, GraphQLScalarType | GraphQLEnumType):
            return _non_null_leaf(type_.of_type)  # the commonest: no wrapper around it
        required = isinstance(type_, GraphQLNonNull)
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            item = self._emitter(type_.of_type, node, in_list=True)

            def emit_list(value: Any, run: _Run) -> Any:
                if value is None:
                    return _null(required)
                return [item(v, run) for v in value]

            return emit_list
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            serialize = _serializer(type_)
            return lambda value, run: _null(required) if value is None else serialize(value)
        if isinstance(type_, GraphQLObjectType):
            fields = self._selection(type_, node.selection_set, in_list=in_list)
            return _object_emitter(fields, required)
        raise NotCompilable(f"{type_} (an interface or union) takes the full path")


def _identity(value: Any, run: _Run) -> Any:
    return value


def _serializer(type_: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    """The type's serialiser; for String and ID a text is served as it is (what graphql-core's
    serialisers give for one) without the call."""
    serialize = type_.serialize
    if type_.name in ("String", "ID"):
        return lambda value: value if type(value) is str else serialize(value)
    return serialize


def _non_null_leaf(type_: GraphQLScalarType | GraphQLEnumType) -> Emit:
    serialize = _serializer(type_)

    def emit(value: Any, run: _Run) -> Any:
        if value is None:
            raise _Fallback("null in a non-null field")
        return serialize(value)

    return emit


def _null(required: bool) -> None:
    """A null where the type allows one; else graphql-core answers (with its error)."""
    if required:
        raise _Fallback("null in a non-null field")


def _object_emitter(fields: list[_FieldPlan], required: bool) -> Emit:
    steps = [(p.key, p.resolve, p.emit, p.is_async, p) for p in fields]

    def emit(obj: Any, run: _Run) -> Any:
        if obj is None:
            return _null(required)
        out = {}
        for key, resolve, emit_value, is_async, plan in steps:
            if is_async:
                out[key] = _later(plan, resolve(obj, run), run)
            else:
                out[key] = emit_value(resolve(obj, run), run)
        return out

    return emit


async def _later(plan: _FieldPlan, value: Any, run: _Run) -> Any:
    return plan.emit(await value, run)


def compile_document(schema: Any, document: TrustedDocument, why: dict[str, str],
                     writer: RootWriter | None = None) -> Plan | None:
    operation = document.operation
    if len(document.document.definitions) != 1 or operation.directives or \
            operation.operation is not OperationType.QUERY:
        why[document.name] = "not a single query operation without directives"
        return None
    compiler = _Compiler(schema, writer)
    try:
        compiler.compile(operation)
    except NotCompilable as exc:
        why[document.name] = str(exc)
        return None
    return Plan(compiler, document)
