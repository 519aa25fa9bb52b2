"""The shape of a query document, measured before validation, in one pass that cannot recurse.

graphql-core's validation rules and strawberry's depth rule walk fragment spreads
recursively: a chain of 300 fragments raised ``RecursionError``, and a fan-out of spreads
(each fragment spreading the next eight times) kept a worker busy for minutes. This walk
uses explicit stacks and visits each fragment once, so it is linear in the document; what it
refuses never reaches the validators. It refuses, each with a coded error:

* an empty selection set ``{}`` (``GRAPHQL_PARSE_FAILED``; graphql-core parses it);
* a spread of a fragment the document does not define, or a fragment that spreads itself,
  directly or through others (``GRAPHQL_VALIDATION_FAILED``);
* a chain of fragment spreads deeper than ``fragment_depth`` (``QUERY_TOO_DEEP``);
* more than ``fields`` fields once every spread is expanded (``QUERY_TOO_COMPLEX``);
* one response name selected more than ``same_name`` times in one selection set, fragments
  included (``QUERY_TOO_COMPLEX``: the overlap rule compares such fields pairwise);
* a list written in the query with more than ``list_items`` items (``BAD_USER_INPUT``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
)


@dataclass(frozen=True)
class ShapeLimits:
    """Bounds on a document's shape (see the module's text)."""

    fragment_depth: int = 20
    fields: int = 20_000
    same_name: int = 30
    list_items: int = 1000


@dataclass
class _Summary:
    """What one operation or fragment holds, its spreads not yet expanded."""

    fields: int
    spreads: list[str]  # at any depth, repeated as often as written
    top: Counter[str]  # response names of its top selection set (inline fragments merged)
    top_spreads: list[str]  # spreads in its top selection set
    sets: list[tuple[Counter[str], list[str]]]  # the same for every nested selection set


def _selection_sets(root: SelectionSetNode) -> Iterator[SelectionSetNode]:
    """``root`` and every selection set of a field below it (inline fragments are part of
    the set they are written in)."""
    stack = [root]
    while stack:
        selection_set = stack.pop()
        yield selection_set
        pending = list(selection_set.selections)
        while pending:
            node = pending.pop()
            if isinstance(node, FieldNode) and node.selection_set is not None:
                stack.append(node.selection_set)
            elif isinstance(node, InlineFragmentNode):
                pending.extend(node.selection_set.selections)


def _members(selection_set: SelectionSetNode) -> tuple[list[FieldNode], list[str], bool]:
    """The fields and the spread names of one selection set, inline fragments merged, and
    whether it or an inline fragment in it is empty (``{}``, which graphql-core parses)."""
    fields: list[FieldNode] = []
    spreads: list[str] = []
    empty = not selection_set.selections
    pending = list(selection_set.selections)
    while pending:
        node = pending.pop()
        if isinstance(node, FieldNode):
            fields.append(node)
        elif isinstance(node, FragmentSpreadNode):
            spreads.append(node.name.value)
        elif isinstance(node, InlineFragmentNode):
            empty = empty or not node.selection_set.selections
            pending.extend(node.selection_set.selections)
    return fields, spreads, empty


def _longest_list(fields: list[FieldNode]) -> int:
    most = 0
    values: list[ValueNode] = [a.value for f in fields for a in f.arguments or ()]
    while values:
        value = values.pop()
        if isinstance(value, ListValueNode):
            most = max(most, len(value.values))
            values.extend(value.values)
        elif isinstance(value, ObjectValueNode):
            values.extend(f.value for f in value.fields)
    return most


def _summary(root: SelectionSetNode) -> tuple[_Summary, int, bool]:
    """The summary of one definition, the longest list literal in its arguments, and
    whether it has an empty selection set."""
    summary = _Summary(0, [], Counter(), [], [])
    longest = 0
    empty = False
    for index, selection_set in enumerate(_selection_sets(root)):
        fields, spreads, hollow = _members(selection_set)
        empty = empty or hollow
        names = Counter((f.alias or f.name).value for f in fields)
        summary.fields += len(fields)
        summary.spreads.extend(spreads)
        longest = max(longest, _longest_list(fields))
        if index == 0:
            summary.top, summary.top_spreads = names, spreads
        summary.sets.append((names, spreads))
    return summary, longest, empty


def _error(message: str, message_zh: str, code: str, **extra: object) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "messageZh": message_zh, **extra})


def _postorder(summaries: dict[str, _Summary]) -> list[str] | str:
    """Fragment names with every fragment after those it spreads, or the name of a fragment
    that spreads itself."""
    state: dict[str, bool] = {}  # False while on the stack, True when done
    order: list[str] = []
    for start in summaries:
        if start in state:
            continue
        state[start] = False
        stack = [(start, iter(dict.fromkeys(summaries[start].spreads)))]
        while stack:
            name, children = stack[-1]
            for child in children:
                if child in state and not state[child]:
                    return child
                if child not in state:
                    state[child] = False
                    stack.append((child, iter(dict.fromkeys(summaries[child].spreads))))
                    break
            else:
                stack.pop()
                state[name] = True
                order.append(name)
    return order


def shape_error(document: DocumentNode, limits: ShapeLimits) -> GraphQLError | None:
    """The first bound this document breaks, as a coded error, or None."""
    fragments: dict[str, _Summary] = {}
    operations: list[_Summary] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            continue
        summary, longest, empty = _summary(definition.selection_set)
        if empty:  # strawberry's depth rule would fail on max() of nothing
            return _error("Syntax Error: a selection set is empty ({}).", "选择集为空（{}）",
                          "GRAPHQL_PARSE_FAILED")
        if longest > limits.list_items:
            return _error(f"a list of {longest} items is written in the query; at most "
                          f"{limits.list_items} items per list",
                          f"查询中的列表有 {longest} 项，每个列表最多 {limits.list_items} 项",
                          "BAD_USER_INPUT", limit=limits.list_items)
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, summary)
        else:
            operations.append(summary)
    unknown = next((s for summary in (*fragments.values(), *operations)
                    for s in summary.spreads if s not in fragments), None)
    if unknown is not None:  # strawberry's depth rule would fail with a KeyError
        return _error(f"Unknown fragment '{unknown}'.", f"未定义的片段 '{unknown}'",
                      "GRAPHQL_VALIDATION_FAILED")
    order = _postorder(fragments)
    if isinstance(order, str):
        return _error(f"Cannot spread fragment '{order}' within itself.",
                      f"片段 '{order}' 直接或间接引用了自身", "GRAPHQL_VALIDATION_FAILED")
    cap = limits.fields + 1
    depth: dict[str, int] = {}
    size: dict[str, int] = {}
    top: dict[str, Counter[str]] = {}
    highest: dict[str, int] = {}
    for name in order:  # a fragment's spreads come before it
        summary = fragments[name]
        depth[name] = 1 + max((depth[s] for s in summary.spreads), default=0)
        size[name] = min(cap, summary.fields + sum(size[s] for s in summary.spreads))
        top[name] = _merged(summary.top, summary.top_spreads, top, limits.same_name + 1)
        highest[name] = max(top[name].values(), default=0)
    for summary in (*fragments.values(), *operations):
        chain = max((depth[s] for s in summary.spreads), default=0)
        if chain > limits.fragment_depth:
            return _error(f"fragments spread {chain} deep; at most {limits.fragment_depth}",
                          f"片段嵌套 {chain} 层，最多 {limits.fragment_depth} 层",
                          "QUERY_TOO_DEEP", limit=limits.fragment_depth)
        fields = summary.fields + sum(size[s] for s in summary.spreads)
        if fields > limits.fields:
            return _error(f"the query selects more than {limits.fields} fields once its "
                          "fragments are expanded",
                          f"展开片段后查询的字段超过 {limits.fields} 个",
                          "QUERY_TOO_COMPLEX", limit=limits.fields)
        for names, spreads in summary.sets:
            over = _over(names, spreads, top, highest, limits.same_name)
            if over is not None:
                name = over[0]
                return _error(f"'{name}' is selected more than {limits.same_name} times "
                              "in one selection set",
                              f"'{name}' 在同一选择集中出现超过 {limits.same_name} 次",
                              "QUERY_TOO_COMPLEX", limit=limits.same_name)
    return None


def _merged(names: Counter[str], spreads: list[str], top: dict[str, Counter[str]],
            cap: int) -> Counter[str]:
    """Response names of a selection set with its spreads' top names added (capped)."""
    if not spreads:
        return names
    merged = Counter(names)
    for spread, times in Counter(spreads).items():
        for name, count in top.get(spread, Counter()).items():
            merged[name] = min(cap, merged[name] + times * count)
    return merged


def _over(names: Counter[str], spreads: list[str], top: dict[str, Counter[str]],
          highest: dict[str, int], most: int) -> tuple[str, int] | None:
    """A response name selected more than ``most`` times in a selection set, and how often;
    the spreads' names are merged only when a quick upper bound says it may matter."""
    if max(names.values(), default=0) + sum(highest.get(s, 0) for s in spreads) <= most:
        return None
    merged = _merged(names, spreads, top, most + 1)
    name, count = max(merged.items(), key=lambda item: item[1])
    return (name, count) if count > most else None
