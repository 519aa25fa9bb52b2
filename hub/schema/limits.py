"""Query limits: depth, aliases and tokens (strawberry's), and a cost limit (ours).

The cost of a selection is 1 per field, and a list field's children count once per item it
may return: its ``first`` argument (default 20: every field returning a ``…Connection``),
``k``, ``limit`` / 100, the number of ``representations`` given to ``_entities``, or 10 for
plain lists. An over-limit query is
refused before anything runs. So is a list in the variables longer than
``QueryLimits.list_items`` (walked by the variables' declared types, so lists inside a JSON
scalar such as a GeoJSON polygon are that scalar's business); lists written in the query are
checked with its shape (``hub/schema/shape.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_nullable_type,
    is_input_type,
    type_from_ast,
)
from strawberry.extensions import SchemaExtension

from hub.schema.shape import ShapeLimits

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000
MAX_COST = 20_000
# argument -> (items per cost unit, the most items the field accepts)
_LIST_ARGS = {"first": (1, 100), "k": (1, 50), "limit": (100, 10_000)}
_DEFAULT_PAGE = 20
_PLAIN_LIST = 10
MAX_FRAGMENT_DEPTH = 20
MAX_SAME_NAME = 30
MAX_QUERY_CHARS = 100_000  # 3,000 tokens fit in far less
_INTROSPECTION = frozenset({"__schema", "__type"})
_TYPE_LISTS = ("fields", "inputFields", "interfaces", "possibleTypes", "enumValues")
# Where an introspection list may be, by the nearest list above it (or the root field): as
# in the standard introspection query (__schema → types → fields → args, directives → args).
_INTROSPECTION_NESTING = {"__schema": ("types", "directives"), "__type": _TYPE_LISTS,
                          "types": _TYPE_LISTS, "fields": ("args",),
                          "directives": ("args", "locations")}
_INTROSPECTION_LISTS = frozenset({"types", "directives", "args", "locations", *_TYPE_LISTS})


@dataclass(frozen=True)
class QueryLimits:
    """The configurable bounds of a schema (``hub.settings.Settings`` gives them)."""

    cache_bytes: int = 16 * 2**20  # parsed and validated documents
    list_items: int = 1000  # any list argument, ``_entities`` representations included

    @property
    def shape(self) -> ShapeLimits:
        return ShapeLimits(fragment_depth=MAX_FRAGMENT_DEPTH, fields=MAX_COST,
                           same_name=MAX_SAME_NAME, list_items=self.list_items)


def graphql_core_schema(schema: object) -> GraphQLSchema:
    """graphql-core's schema behind a strawberry schema. strawberry has no public accessor;
    its maintainers point to ``Schema._schema`` (strawberry issue #2590) and its own
    extensions read it. This is the hub's one reading of it."""
    core = schema._schema  # type: ignore[attr-defined]
    assert isinstance(core, GraphQLSchema)
    return core


def _list_fields(schema: GraphQLSchema) -> frozenset[str]:
    """Names of fields that return lists anywhere in the schema (``edges`` excepted)."""
    names = set()
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in type_.fields.items():
                if isinstance(get_nullable_type(field.type), GraphQLList):
                    names.add(name)
    names.discard("edges")
    return frozenset(names)


def _page_fields(schema: GraphQLSchema) -> frozenset[str]:
    """Names of fields that return a page (a ``…Connection``) anywhere in the schema: without
    ``first`` each costs a default page, whatever it is called."""
    return frozenset(
        name for type_ in schema.type_map.values()
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
        for name, field in type_.fields.items()
        if getattr(get_nullable_type(field.type), "name", "").endswith("Connection"))


class CostLimit(SchemaExtension):
    """Refuses, before execution, operations whose estimated cost exceeds :data:`MAX_COST`
    or whose variables hold a list longer than ``limits.list_items``.

    It runs after validation so it can read the operation's variables (a page size given as a
    variable counts at its value).
    """

    def __init__(self, limits: QueryLimits | None = None, costs: Costs | None = None) -> None:
        self.limits = limits or QueryLimits()
        self.costs = costs or Costs(0)

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx.result is None:
            core = graphql_core_schema(ctx.schema)
            known = self.costs.of(core, document, ctx.operation_name)
            error = list_error(known.types, ctx.variables, self.limits.list_items)
            if error is None:
                error = cost_error(self.costs.cost(known, core, ctx.variables))
            if error is not None:
                ctx.result = ExecutionResult(data=None, errors=[error])
        yield


@dataclass(frozen=True)
class _Known:
    """What an operation's limits need of its document, worked out once."""

    document: DocumentNode  # held, so that the id it is kept by stays its own
    operation_name: str | None
    types: list[tuple[str, GraphQLInputType]]
    cost_variables: tuple[str, ...]


class Costs:
    """The schema's memory of documents' variable types and costs: a document seen again (a
    registered one, or any text the document cache returns parsed) is not walked again, and
    its cost is looked up by the values of the variables that size its lists. Bounded in
    entries (the oldest go first); ``Costs(0)`` remembers nothing."""

    def __init__(self, entries: int = 1024) -> None:
        self.entries = entries
        self._known: dict[tuple[int, str | None], _Known] = {}
        self._costs: dict[tuple[int, str | None, tuple[Any, ...]], int] = {}

    def of(self, schema: GraphQLSchema, document: DocumentNode,
           operation_name: str | None) -> _Known:
        key = (id(document), operation_name)
        known = self._known.get(key)
        if known is None or known.document is not document:
            known = _Known(document, operation_name,
                           variable_types(schema, document, operation_name),
                           cost_variables(document))
            self._keep(self._known, key, known)
        return known

    def cost(self, known: _Known, schema: GraphQLSchema,
             variables: dict[str, Any] | None) -> int:
        values = variables or {}
        sizes = tuple(_hashable(values.get(name)) for name in known.cost_variables)
        key = (id(known.document), known.operation_name, sizes)
        cost = self._costs.get(key)
        if cost is None:
            cost = operation_cost(schema, known.document, variables, known.operation_name)
            self._keep(self._costs, key, cost)
        return cost

    def _keep(self, memory: dict[Any, Any], key: Any, value: Any) -> None:
        if self.entries <= 0:
            return
        if len(memory) >= self.entries:
            memory.pop(next(iter(memory)))
        memory[key] = value


def _hashable(value: Any) -> Any:
    """A variable's value as a key of its cost: a list (``representations``) by its length, an
    int by itself; the type is part of the key, since 5.0 equals 5 but does not count as a
    size (and True counts as 1). Any other value counts as no size, so all of them are one."""
    if isinstance(value, list | tuple):
        return ("list", len(value))
    if isinstance(value, int):
        return (type(value), value)
    return "other"


def cost_error(cost: int) -> GraphQLError | None:
    """The refusal of a query that costs ``cost``, if it costs too much."""
    if cost <= MAX_COST:
        return None
    return GraphQLError(
        f"query cost {cost} exceeds the limit of {MAX_COST}; ask for fewer items "
        "(smaller `first`) or fewer nested lists",
        extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "limit": MAX_COST,
                    "messageZh": f"查询代价 {cost} 超过上限 {MAX_COST}，请减少条数或嵌套列表"})


def variable_types(schema: GraphQLSchema, document: DocumentNode,
                   operation_name: str | None) -> list[tuple[str, GraphQLInputType]]:
    """The declared type of each variable of the operation that runs."""
    out = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
                operation_name is None or (definition.name is not None
                                           and definition.name.value == operation_name)):
            for node in definition.variable_definitions or ():
                type_ = type_from_ast(schema, node.type)
                if is_input_type(type_):
                    out.append((node.variable.name.value, cast(GraphQLInputType, type_)))
            break
    return out


def list_error(types: Iterable[tuple[str, GraphQLInputType]],
               variables: dict[str, Any] | None, most: int) -> GraphQLError | None:
    """A refusal naming the first list in ``variables`` longer than ``most``, found by
    walking each value along its declared type (no recursion: values may nest deeply)."""
    values = variables or {}
    stack: list[tuple[tuple[str | int, ...], Any, Any]] = [
        ((name,), type_, values.get(name)) for name, type_ in types]
    while stack:
        path, type_, value = stack.pop()
        type_ = get_nullable_type(type_)
        if isinstance(type_, GraphQLList) and isinstance(value, list):
            if len(value) > most:
                where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                      for p in path)[1:]
                return GraphQLError(
                    f"{where}: {len(value)} items given; at most {most} per list",
                    extensions={"code": "BAD_USER_INPUT", "field": where, "limit": most,
                                "messageZh": f"{where} 有 {len(value)} 项，每个列表最多 {most} 项"})
            stack.extend(((*path, i), type_.of_type, item) for i, item in enumerate(value))
        elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
            stack.extend(((*path, name), field.type, value[name])
                         for name, field in type_.fields.items() if name in value)
    return None


def operation_cost(schema: GraphQLSchema, document: DocumentNode,
                   variables: dict[str, Any] | None, operation_name: str | None) -> int:
    """The estimated cost of an operation with these variables (see the module's text)."""
    return _Cost(document, variables or {}, _lists(schema), _pages(schema)).of_operation(
        operation_name)


def cost_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables an operation's cost depends on: those given to list sizes
    (``first: $n``) and ``_entities``' representations (by their number). With the same
    values for these (lists of the same length), :func:`operation_cost` is the same."""
    names: set[str] = set()
    for node in _fields(document):
        for arg in node.arguments or ():
            if (arg.name.value in _LIST_ARGS or arg.name.value == "representations") and \
                    isinstance(arg.value, VariableNode):
                names.add(arg.value.name.value)
    return tuple(sorted(names))


def _fields(document: DocumentNode) -> Iterator[FieldNode]:
    stack = [d.selection_set for d in document.definitions
             if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)]
    while stack:
        for node in stack.pop().selections:
            if isinstance(node, FieldNode):
                yield node
            if isinstance(node, FieldNode | InlineFragmentNode) and node.selection_set:
                stack.append(node.selection_set)


@cache
def _lists(schema: GraphQLSchema) -> frozenset[str]:
    return _list_fields(schema)


@cache
def _pages(schema: GraphQLSchema) -> frozenset[str]:
    return _page_fields(schema)


class _Cost:
    def __init__(self, document: DocumentNode, variables: dict[str, Any],
                 lists: frozenset[str], pages: frozenset[str] = frozenset()) -> None:
        self.document = document
        self.variables = variables
        self.lists = lists
        self.pages = pages
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}

    def of_operation(self, name: str | None) -> int:
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode) and (
                    name is None or (definition.name and definition.name.value == name)):
                return self._cost(definition.selection_set, frozenset())
        return 0

    def _multiplier(self, field: FieldNode) -> int:
        for arg in field.arguments or ():
            if arg.name.value == "representations":
                given = (arg.value.values if isinstance(arg.value, ListValueNode)
                         else self.variables.get(arg.value.name.value)
                         if isinstance(arg.value, VariableNode) else None)
                if isinstance(given, list | tuple):
                    return max(1, len(given))
            rule = _LIST_ARGS.get(arg.name.value)
            if rule is None:
                continue
            divisor, most = rule
            value: Any = None
            if isinstance(arg.value, IntValueNode):
                value = int(arg.value.value)
            elif isinstance(arg.value, VariableNode):
                value = self.variables.get(arg.value.name.value)
            if isinstance(value, int):
                # Sizes above a list's maximum are refused by its resolver with a clearer
                # message (BAD_USER_INPUT naming the argument), so they count at the maximum.
                return max(1, min(value, most) // divisor)
        name = field.name.value
        if name in self.pages:  # a Connection without `first`: a default page
            return _DEFAULT_PAGE
        return _PLAIN_LIST if name in self.lists else 1

    def _introspection_ok(self, selection_set: SelectionSetNode | None, within: str,
                          seen: frozenset[str]) -> bool:
        """Whether every introspection list below lies where the standard query has one
        (``within``: the nearest list above, or the root field)."""
        if selection_set is None:
            return True
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name in _INTROSPECTION_LISTS:
                    if name not in _INTROSPECTION_NESTING.get(within, ()):
                        return False
                    inner = name
                else:
                    inner = within
                if not self._introspection_ok(selection.selection_set, inner, seen):
                    return False
            elif isinstance(selection, InlineFragmentNode):
                if not self._introspection_ok(selection.selection_set, within, seen):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in self.fragments and not self._introspection_ok(
                        self.fragments[name].selection_set, within, seen | {name}):
                    return False
        return True

    def _cost(self, selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.name.value in _INTROSPECTION:
                # Introspection reads the schema, not data: one unit, so GraphiQL and codegen
                # can load the schema, as long as its lists nest only as the standard query's
                # do (``fields { type { fields { … } } }`` would multiply the schema by itself
                # at every level): any other nesting costs more than the limit.
                ok = self._introspection_ok(selection.selection_set, selection.name.value,
                                            frozenset())
                total += 1 if ok else MAX_COST + 1
            elif isinstance(selection, FieldNode):
                inner = self._cost(selection.selection_set, seen)
                total += 1 + self._multiplier(selection) * inner
            elif isinstance(selection, InlineFragmentNode):
                total += self._cost(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in self.fragments:
                    continue
                total += self._cost(self.fragments[name].selection_set, seen | {name})
        return total
