"""Pages that PostgreSQL writes as JSON, for the registered documents' compiled plans.

A registered document that selects only ``volunteers(near: …) { edges { node { … } } }``
with fields PostgreSQL can write itself (``hub.store.volunteer_json.node_json``: ids, names under
the policy, statuses, distances, skills, cohorts, visible homes…) gets its page as one JSON
text from one statement, embedded in the answer as it is (``orjson.Fragment``) rather than
built as fifty Python objects and fifty dicts. The policy is the same: names and homes come
out masked and coarsened by the caller's scopes (the SQL of ``hub.store.visibility``), and
the tests run every registered document both ways, for every role, and compare.

Anything else in the selection (``pageInfo``, ``totalCount``, a personal number, a region),
or a list without ``near``, takes the compiled plan's ordinary path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import FieldNode

from hub.auth import DENIED, Field, ScopeAll, Visibility
from hub.schema.written import NotWritten
from hub.services import volunteers

RootRun = Callable[[Any, dict[str, Any]], Awaitable[Any]]


def _plain(node: FieldNode) -> bool:
    return not node.directives and not node.arguments


def _selection(node: FieldNode) -> list[volunteers.Selected] | None:
    """``(key, field, sub-selection)`` of a field's selection, or None if it has fragments,
    directives or arguments anywhere."""
    out: list[volunteers.Selected] = []
    for child in node.selection_set.selections if node.selection_set else ():
        if not isinstance(child, FieldNode) or not _plain(child):
            return None
        sub = _selection(child) if child.selection_set else []
        if sub is None:
            return None
        out.append((child.alias.value if child.alias else child.name.value,
                    child.name.value, tuple(sub)))
    return out


@dataclass(frozen=True)
class VolunteerPageShape:
    """``{edges_key: {node_key: {node fields}}}``: the one shape written by PostgreSQL."""

    edges_key: str
    node_key: str
    node: tuple[volunteers.Selected, ...]


def volunteer_page_shape(node: FieldNode) -> VolunteerPageShape | None:
    """The shape, if ``volunteers``' selection is ``edges { node { … } }`` and nothing else."""
    selected = _selection(node)
    if not selected or len(selected) != 1 or selected[0][1] != "edges":
        return None
    edges_key, _, edges = selected[0]
    if len(edges) != 1 or edges[0][1] != "node" or not edges[0][2]:
        return None
    node_key, _, fields = edges[0]
    probe: dict[str, Any] = {}
    if volunteers.node_json(fields, name_scope=ScopeAll(), location_scope=ScopeAll(),
                            params=probe) is None:
        return None
    return VolunteerPageShape(edges_key, node_key, tuple(fields))


async def volunteer_page_json(info: Any, args: dict[str, Any], shape: VolunteerPageShape,
                              *, alone: bool) -> dict[str, Any]:
    """The page for the caller, written by PostgreSQL (``NotWritten`` when it cannot be).

    ``alone``: the page is the operation's only field, so its statement is the request's
    last read and needs no snapshot of its own (``Database.last_read``).
    """
    from hub.schema.query import volunteer_page

    ctx = info.context
    page = await volunteer_page(info, first=args.get("first"), after=args.get("after"),
                                filter=args.get("filter"), near=args.get("near"),
                                within=args.get("within"))
    name_scope = ctx.scope(Field.VOLUNTEER_NAME)
    if page.near is None or (not isinstance(name_scope, ScopeAll) and (
            DENIED[Field.VOLUNTEER_NAME][ctx.caller.role] is not Visibility.MASKED)):
        raise NotWritten("a list without near, or names neither shown nor masked")

    def node(params: dict[str, Any]) -> str:
        sql = volunteers.node_json(shape.node, name_scope=name_scope,
                                   location_scope=page.seen, params=params)
        assert sql is not None  # the shape was checked when the plan was made
        return sql

    db = ctx.db.last_read() if alone else ctx.db
    data = await volunteers.list_json(db, filter=page.query, first=page.size,
                                      after=page.cursor, near=page.near, within=page.within,
                                      location_scope=page.seen, node=node,
                                      node_key=shape.node_key)
    edges = orjson.Fragment(data) if ctx.raw_json else orjson.loads(data)
    return {shape.edges_key: edges}


def sql_written_root(field_name: str, node: FieldNode, alone: bool) -> RootRun | None:
    """How a plan answers a root field through PostgreSQL's JSON, if it can."""
    if field_name != "volunteers":
        return None
    shape = volunteer_page_shape(node)
    if shape is None:
        return None
    return lambda info, args: volunteer_page_json(info, args, shape, alone=alone)
