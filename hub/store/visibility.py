"""The policy's scopes as SQL: where a caller gets a volunteer's exact home (alias ``t``).

The decision itself is made by ``hub.auth.policy`` (the one table); this only translates a
:data:`Scope` into a predicate, so map layers and vector tiles coarsen exactly the rows that
the per-object GraphQL resolvers would.
"""

from __future__ import annotations

from typing import Any

from hub.auth import Scope, ScopeAll, ScopeNone, ScopeOrg, ScopeRegion, ScopeSelf

CELL_DEG = 0.01  # the coarse cell: hub_coarse (migration 0008), hub.geo.geodesy.coarsen



def exact_predicate(scope: Scope, params: dict[str, Any]) -> str:
    """SQL that is true where the caller may see ``t``'s exact home."""
    if isinstance(scope, ScopeAll):
        return "TRUE"
    if isinstance(scope, ScopeNone):
        return "FALSE"
    if isinstance(scope, ScopeRegion):
        params["vis_region"] = scope.prefix + "%"
        return "t.region_code LIKE %(vis_region)s"
    if isinstance(scope, ScopeOrg):
        params["vis_org"] = f"*.{scope.org_id}.*"
        return ("EXISTS (SELECT 1 FROM membership m JOIN organization o ON o.id = "
                "m.organization_id WHERE m.volunteer_id = t.id AND o.path ~ (%(vis_org)s)::lquery)")
    if isinstance(scope, ScopeSelf):
        params["vis_self"] = scope.volunteer_id
        return "t.id = %(vis_self)s"
    raise TypeError(f"unknown scope {scope!r}")


def visible_home(exact: str) -> str:
    """SQL for volunteer ``t``'s home as the caller may see it, given ``exact_predicate``'s
    answer: the exact point where it holds, else the stored coarse cell centre (0008)."""
    if exact == "TRUE":
        return "t.home_geom"
    if exact == "FALSE":
        return "t.home_coarse_geom"
    return f"CASE WHEN {exact} THEN t.home_geom ELSE t.home_coarse_geom END"
