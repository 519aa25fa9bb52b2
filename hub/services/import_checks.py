"""The checks of an import that only the database can make: teams named in a file (known,
the caller's to manage, not ambiguous) and division codes (known), for accepted rows and for
rows already rejected for other reasons; and the coded reasons the import reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal

from hub.auth import Caller
from hub.registration.columns import ORGANIZATION_COLUMNS, VOLUNTEER_COLUMNS
from hub.registration.results import RowError, RowReference, RowWarning
from hub.registration.rows import VolunteerRow
from hub.services.registration_values import may_manage_org
from hub.store import organizations, regions
from hub.store.base import Database

Kind = Literal["volunteers", "organizations", "demands"]
_HEADERS = {("volunteers", c.key): c.header for c in VOLUNTEER_COLUMNS} | {
    ("organizations", c.key): c.header for c in ORGANIZATION_COLUMNS}


def row_error(kind: Kind, row: int, key: str, value: str, reason: str,
              reason_zh: str) -> RowError:
    """An error of column ``key`` of a row, named by the template's header."""
    return RowError(row, _HEADERS.get((kind, key), key), value, reason, reason_zh)


def row_warning(kind: Kind, row: int, key: str, value: str, reason: tuple[str, str]
                ) -> RowWarning:
    """A note on column ``key`` of a row: ``reason`` is (English, Chinese)."""
    return RowWarning(row, _HEADERS.get((kind, key), key), value, *reason)


Reason = tuple[str, str]
"""(English, Chinese) reason for a rejected cell."""
NO_TEAM = ("no team of this name is registered; import the team first", "平台上没有该名称的队伍")
NOT_YOURS = ("is not a team you manage", "该队伍不在您的管理范围内")
AMBIGUOUS = ("several teams have this name; link the volunteer later",
             "平台上有多支同名队伍，请导入后再关联")
UNKNOWN_REGION = ("no such division: no region has this code", "没有该行政区划：平台上没有这个代码")
NO_TEAM_GIVEN = ("no team: the volunteer joins no team (fill 所属队伍 to link one)",
                 "未填写所属队伍：该志愿者不加入任何队伍")
ALREADY_REGISTERED = ("this ID number is already registered: the row is skipped as a duplicate",
                      "该身份证号已注册：本行作为重复跳过")
TEAM_EXISTS = ("a team of this name is already registered under the same parent: skipped",
               "同一上级下已有同名队伍：本行跳过")


def code12(code: str) -> str:
    """A validated 6/9/12-digit division code as 12 digits."""
    return code.ljust(12, "0")


async def _resolve_teams(db: Database, caller: Caller, names: set[str]
                         ) -> dict[str, int | Reason]:
    """team name → its id, or why the name cannot be used."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in await organizations.list_named(db, names=sorted(names)):
        found[row["name"]].append(row)
    out: dict[str, int | Reason] = {}
    for name in names:
        usable = [t for t in found[name] if may_manage_org(caller, t)]
        out[name] = (NO_TEAM if not found[name] else NOT_YOURS if not usable
                     else AMBIGUOUS if len(usable) > 1 else int(usable[0]["id"]))
    return out


Named = VolunteerRow | RowReference
"""A row's team name and division code (an accepted row, or what a rejected one names)."""
Problems = dict[int, list[tuple[str, str, Reason]]]
"""Row number → the team and division problems only the database can see."""


async def problems_of(db: Database, caller: Caller, rows: Sequence[Named]
                      ) -> tuple[Problems, dict[str, int | Reason]]:
    """Each row's problems, and the teams named (name → id, or why it cannot be used)."""
    teams = await _resolve_teams(db, caller, {r.team_name for r in rows if r.team_name})
    known = await regions.list_known(
        db, codes={code12(r.region_code) for r in rows if r.region_code})
    out: Problems = {}
    for row in rows:
        problems = out.setdefault(row.row_number, [])
        if row.region_code and code12(row.region_code) not in known:
            problems.append(("region_code", row.region_code, UNKNOWN_REGION))
        team = teams.get(row.team_name) if row.team_name else None
        if isinstance(team, tuple):
            problems.append(("team", row.team_name or "", team))
    return out, teams




def errors_of(problems: Problems) -> list[RowError]:
    """The volunteers' row errors of :func:`problems_of`."""
    return [row_error("volunteers", row_number, key, shown, reason, reason_zh)
            for row_number, found in problems.items()
            for key, shown, (reason, reason_zh) in found]
