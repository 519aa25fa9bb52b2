"""A volunteer's JSON object as PostgreSQL writes it for a ``near`` page (``list_json`` in
:mod:`hub.store.volunteers`): SQL text, built here from the selected fields and the caller's
scopes; bench_graphql's "near 50×6" lines measure the page it writes. Nothing here runs a
statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.auth import Scope
from hub.store.visibility import exact_predicate, visible_home

# A page's node objects as PostgreSQL writes them (``list_json``), by GraphQL field name: the
# same values the schema's resolvers give (hub/schema/volunteers.py), checked field by field by
# the tests that run every registered document both ways. ``{d}`` is the row's distance.
_JSON_LEAVES = {
    "id": "to_json(encode(convert_to('Volunteer:' || t.id, 'UTF8'), 'base64'))::text",
    "gender": "to_json(t.gender)::text",
    "education": "to_json(t.education)::text",
    "status": "to_json(t.status)::text",
    "serviceRadiusM": "coalesce(t.service_radius_m::text, 'null')",
    "capacityPerWeek": "coalesce(t.capacity_per_week::text, 'null')",
    "cohorts": "coalesce(to_json(t.cohorts)::text, '[]')",
    "distanceM": "coalesce(round({d}::numeric, 1)::text, 'null')",
}
# hub.pii.mask_name in SQL: the first character, stars, and the last of three or more.
_MASKED_NAME = ("CASE WHEN char_length(t.real_name) < 2 THEN repeat('*', char_length("
                "t.real_name)) WHEN char_length(t.real_name) = 2 THEN left(t.real_name, 1) || '*'"
                " ELSE left(t.real_name, 1) || repeat('*', char_length(t.real_name) - 2) || "
                "right(t.real_name, 1) END")
_SKILL_PARTS = {"skill": "to_json(s.k)::text", "level": "(t.skills ->> s.k)::numeric::int::text"}


def _skills(sub: Sequence[Selected]) -> str:
    """A volunteer's skills as JSON, in code order: from ``skill_codes`` (kept in code-point
    order, sql/0015). Codes alone are written without a subquery: they are vocabulary codes
    (``^[a-z_]+$``, sql/0002), safe in a JSON string as they are."""
    if [f for _, f, _ in sub] == ["skill"]:
        key = sub[0][0]
        return (f"(CASE WHEN cardinality(t.skill_codes) = 0 THEN '[]' ELSE "
                f"'[{{\"{key}\":\"' || array_to_string(t.skill_codes, "
                f"'\"}},{{\"{key}\":\"') || '\"}}]' END)")
    one = _object([(k, _SKILL_PARTS[f]) for k, f, _ in sub])
    return (f"(SELECT '[' || coalesce(string_agg({one}, ',' ORDER BY s.n), '') || ']' "
            f"FROM unnest(t.skill_codes) WITH ORDINALITY s(k, n))")


def _float7(expression: str) -> str:
    """A coordinate rounded to 7 decimals as Python writes the float (``113.695``, ``113.0``)."""
    v = f"trim_scale(round(({expression})::numeric, 7))"
    return f"(CASE WHEN scale({v}) = 0 THEN {v}::text || '.0' ELSE {v}::text END)"


def _object(parts: Sequence[tuple[str, str]]) -> str:
    """SQL text building ``{"key": value, …}`` from (key, SQL text of the JSON value)."""
    inner = " || ',' || ".join(f"'\"{key}\":' || {value}" for key, value in parts)
    return f"('{{' || {inner} || '}}')" if parts else "'{}'"


Selected = tuple[str, str, Sequence[Any]]
"""A selected field: (response key, field name, its own selection of the same shape)."""


def node_json(fields: Sequence[Selected], *,
              name_scope: Scope, location_scope: Scope, params: dict[str, Any]) -> str | None:
    """SQL making one volunteer's JSON object (alias ``t``, distance ``page.d``) for the
    selected ``(response key, field, sub-selection)``; None when a field is not one PostgreSQL
    can write (personal numbers need decrypting, dates and regions take their resolvers).
    Names and homes follow the caller's scopes as the resolvers do."""
    parts: list[tuple[str, str]] = []
    for key, name, sub in fields:
        if name in _JSON_LEAVES and not sub:
            parts.append((key, _JSON_LEAVES[name].format(d="page.d")))
        elif name == "name" and not sub:
            exact = exact_predicate(name_scope, params)
            parts.append((key, f"to_json(CASE WHEN {exact} THEN t.real_name "
                               f"ELSE {_MASKED_NAME} END)::text"))
        elif name == "skills" and sub and all(f in _SKILL_PARTS and not s for _, f, s in sub):
            parts.append((key, _skills(sub)))
        elif name == "location" and sub and all(f in ("lon", "lat") and not s
                                                for _, f, s in sub):
            home = visible_home(exact_predicate(location_scope, params))
            xy = {"lon": _float7(f"ST_X({home})"), "lat": _float7(f"ST_Y({home})")}
            point = _object([(k, xy[f]) for k, f, _ in sub])
            parts.append((key, f"(CASE WHEN t.home_geom IS NULL THEN 'null' ELSE {point} END)"))
        else:
            return None
    return _object(parts)
