"""点单导入: a dispatcher imports the demands stations collected, from the demand template
(.xlsx or .csv), in one transaction, with the same per-row report as a volunteers' import.

Each row is read by :mod:`hub.registration.demand_rows`, then checked as a raised demand is
(:func:`hub.services.demands.check_demand`: the same rules, whatever the path) and against the
database: the division is known and the caller's to raise demands in (``demand.raise``: a
dispatcher's region only), the station named exists there (one of that name), the point lies in
the division. Good rows are inserted open (a dispatcher's demands need no review) and bad rows
reported with their row, column, value and reason in Chinese and English; with
``all_or_nothing`` nothing is inserted when any row is bad. Rows whose 需求编号 the caller's
scope (their region; '' for admins and the CLI) already imported are skipped with a note, so
importing a file again adds nothing; ``ON CONFLICT DO NOTHING`` on (scope, reference) holds
this against a concurrent import of the same file too. Priority rules apply as to any demand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.auth import Caller, Role
from hub.auth.actions import Action, actor, can, require, subject
from hub.geo.crs import convert
from hub.geo.divisions import subtree_prefix
from hub.registration.demand_rows import DEMAND_COLUMNS, DemandRow, validate_demand_rows
from hub.registration.results import RowError, RowWarning
from hub.registration.table import read_table
from hub.services.demands import NewDemand, check_demand
from hub.services.import_checks import code12
from hub.services.importing import ImportRequest, ImportSummary, load_in_batch, validated
from hub.store import demand_intake, regions
from hub.store.base import ConnectionDatabase, Database
from hub.store.demand_intake import ImportedDemand

MAX_ROWS = 5000
_HEADERS = {c.key: c.header for c in DEMAND_COLUMNS}
_FIELD_COLUMNS = {"title": "title", "category": "category", "needed": "needed",
                  "priority": "priority", "startsAt": "starts_at", "endsAt": "ends_at",
                  "requiredSkills": "skills"}
ALREADY_IMPORTED = ("this 需求编号 was imported before: the row is skipped as a duplicate",
                    "该需求编号已导入：本行作为重复跳过")


def scope_of(caller: Caller) -> str:
    """The scope a demand's 需求编号 is unique in: a dispatcher's region, else ''."""
    return (caller.region or "") if caller.role is Role.DISPATCHER else ""


def _error(row: int, key: str, value: str, reason: str, reason_zh: str) -> RowError:
    return RowError(row, _HEADERS.get(key, key), value, reason, reason_zh)


async def import_demands(db: Database, caller: Caller, request: ImportRequest) -> ImportSummary:
    """Validate and load one file of demands; see the module docstring."""
    require(caller, Action.DEMANDS_IMPORT,
            what="import demands (an admin or a dispatcher may, for their region)")
    summary = ImportSummary("demands")
    results = await validated(summary, lambda: validate_demand_rows(
        read_table(request.data, request.filename, max_rows=MAX_ROWS)))
    if results is None:
        return summary
    scope = scope_of(caller)

    async def load(tx: ConnectionDatabase) -> None:
        fresh = await _checked(tx, caller, results.good, scope, summary)
        if request.all_or_nothing and summary.errors:
            return  # load_in_batch rolls back
        made = await demand_intake.create_imported(tx, rows=[d for _, d in fresh],
                                                   batch_id=summary.batch_id)
        for row, _ in fresh:  # taken meanwhile by a concurrent import of the same file
            if row.external_ref not in made:
                summary.warnings.append(_note(row))
        summary.imported = len(made)
        summary.skipped = summary.rows_read - summary.rejected - summary.imported

    return await load_in_batch(db, caller, summary, request, load)


def _note(row: DemandRow) -> RowWarning:
    return RowWarning(row.row_number, _HEADERS["external_ref"], row.external_ref,
                      *ALREADY_IMPORTED)


async def _checked(db: Database, caller: Caller, rows: list[DemandRow], scope: str,
                   summary: ImportSummary) -> list[tuple[DemandRow, ImportedDemand]]:
    """Rows that pass every check and were not imported before, as demands to insert."""
    known = await regions.list_known(db, codes={code12(r.region_code) for r in rows})
    stations: dict[str, list[dict[str, Any]]] = {}
    for found in await demand_intake.list_stations_named(
            db, names={r.station_name for r in rows if r.station_name}):
        stations.setdefault(found["name"], []).append(found)
    taken = await demand_intake.list_imported_refs(db, scope=scope,
                                                   refs=[r.external_ref for r in rows])
    now = datetime.now(UTC)
    out: list[tuple[DemandRow, ImportedDemand]] = []
    for row in rows:
        problems = await _problems(db, caller, row, known, stations, now)
        if isinstance(problems, list):
            summary.errors += problems
        elif row.external_ref in taken:
            summary.warnings.append(_note(row))
        else:
            out.append((row, ImportedDemand(problems, row.external_ref, scope)))
    summary.errors.sort(key=lambda e: e.row_number)
    return out


async def _problems(db: Database, caller: Caller, row: DemandRow, known: set[str],
                    stations: dict[str, list[dict[str, Any]]],
                    now: datetime) -> list[RowError] | NewDemand:
    """The row's errors, or the demand it makes."""
    n, region = row.row_number, code12(row.region_code)
    if region not in known:
        return [_error(n, "region_code", row.region_code, "no such division: no region has "
                       "this code", "没有该行政区划：平台上没有这个代码")]
    if not can(caller, Action.DEMAND_RAISE, subject(region_code=region)):
        return [_error(n, "region_code", row.region_code, "is not in your region: you may "
                       "import demands of your own region only", "不在您管辖的地区内")]
    prefix = subtree_prefix(region)
    station = None
    if row.station_name:
        here = [s for s in stations.get(row.station_name, [])
                if str(s["region_code"]).startswith(prefix)]
        if len(here) != 1:
            reason = (("no station of this name in this division", "该行政区划内没有此名称的站点")
                      if not here else ("several stations of this name in this division",
                                        "该行政区划内有多个同名站点"))
            return [_error(n, "station", row.station_name, *reason)]
        station = here[0]
    if row.longitude is not None and row.latitude is not None:
        lon, lat = (float(v) for v in convert(row.longitude, row.latitude, row.crs or "WGS84",
                                              "WGS84"))
    else:
        assert station is not None  # the row names a station or its coordinates
        lon, lat = float(station["lon"]), float(station["lat"])
    demand = NewDemand(
        title=row.title, description=row.description, category=row.category,
        required_skills=row.skills, needed=row.needed, starts_at=row.starts_at,
        ends_at=row.ends_at, lon=lon, lat=lat,
        station_id=int(station["id"]) if station else None, region_code=region,
        raised_by=actor(caller),
        raised_by_kind=row.source or ("station" if station else "community"),
        priority=row.priority, requires_insurance=row.requires_insurance)
    errors = [_error(n, _column(e.field), _shown(row, e.field), e.message,
                     e.message_zh or e.message) for e in check_demand(demand, now=now)]
    if not errors and not await regions.get_covers_point(db, region_code=region,
                                                         region_prefix=prefix, lon=lon,
                                                         lat=lat):
        key = "longitude" if row.longitude is not None else "station"
        errors.append(_error(n, key, f"{lon:.6f}, {lat:.6f}", f"the place does not lie in "
                             f"division {row.region_code}", f"服务地点不在行政区划 "
                             f"{row.region_code} 内"))
    return errors or demand


def _column(field: str) -> str:
    return _FIELD_COLUMNS.get(field.split("[")[0], field)


def _shown(row: DemandRow, field: str) -> str:
    value = {"title": row.title, "category": row.category, "needed": row.needed,
             "priority": row.priority, "startsAt": row.starts_at, "endsAt": row.ends_at,
             "requiredSkills": "、".join(row.skills)}.get(field.split("[")[0], "")
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)
