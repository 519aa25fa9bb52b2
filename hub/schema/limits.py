"""Query limits: depth, aliases and tokens (strawberry's), and a cost limit (ours).

The cost of a selection is 1 per field, and a list field's children count once per item it
may return: its ``first`` argument (default 20), ``k``, ``limit`` / 100, or 10 for plain
lists. An over-limit query is refused before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_nullable_type,
)
from strawberry.extensions import SchemaExtension

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000
MAX_COST = 20_000
# argument -> (items per cost unit, the most items the field accepts)
_LIST_ARGS = {"first": (1, 100), "k": (1, 50), "limit": (100, 10_000)}
_DEFAULT_PAGE = 20
_PLAIN_LIST = 10


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


class CostLimit(SchemaExtension):
    """Refuses, before execution, operations whose estimated cost exceeds :data:`MAX_COST`.

    It runs after validation so it can read the operation's variables (a page size given as a
    variable counts at its value).
    """

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx.result is None:
            cost = operation_cost(ctx.schema._schema, document, ctx.variables,
                                  ctx.operation_name)
            if cost > MAX_COST:
                ctx.result = ExecutionResult(data=None, errors=[GraphQLError(
                    f"query cost {cost} exceeds the limit of {MAX_COST}; ask for fewer items "
                    "(smaller `first`) or fewer nested lists",
                    extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "limit": MAX_COST})])
        yield


def operation_cost(schema: GraphQLSchema, document: DocumentNode,
                   variables: dict[str, Any] | None, operation_name: str | None) -> int:
    """The estimated cost of an operation with these variables (see the module's text)."""
    return _Cost(document, variables or {}, _lists(schema)).of_operation(operation_name)


def cost_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables an operation's cost depends on: those given to list sizes
    (``first: $n``). With the same values for these, :func:`operation_cost` is the same."""
    names: set[str] = set()
    for node in _fields(document):
        for arg in node.arguments or ():
            if arg.name.value in _LIST_ARGS and isinstance(arg.value, VariableNode):
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


class _Cost:
    def __init__(self, document: DocumentNode, variables: dict[str, Any],
                 lists: frozenset[str]) -> None:
        self.document = document
        self.variables = variables
        self.lists = lists
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
        if name in {"volunteers", "stations", "demands", "organizations"}:
            return _DEFAULT_PAGE
        return _PLAIN_LIST if name in self.lists else 1

    def _cost(self, selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
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
