"""Statements on how demands come in (public 点单, migration 0021): review before dispatch
(审核), imported demands keyed by their file's reference, the priority rules, and the stations
an import names.

Built with SQLAlchemy Core on :mod:`hub.store.tables`, run by :mod:`hub.store.sql`. The rest of
a demand's statements are :mod:`hub.store.demands`'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.demands import NewDemand
from hub.store.tables import TIMESTAMPTZ, demand, demand_priority_rule, station

d, r = demand, demand_priority_rule
_ID = sa.bindparam("id", type_=sa.BigInteger)
_VET = sql.compiled(sa.update(d).where(d.c.id == _ID, d.c.status == "pending_review").values(
    status=sa.bindparam("status", type_=sa.Text), vetted_by=sa.bindparam("by", type_=sa.Text),
    vetted_at=sa.func.now(), rejection_reason=sa.bindparam("reason", type_=sa.Text),
    updated_at=sa.func.now()).returning(d.c.id))


async def update_vetted(db: Database, *, demand_id: int, approve: bool, by: str,
                        reason: str | None) -> bool:
    """A demand pending review becomes open (approved) or rejected (with ``reason``); False
    when it was not pending review (the caller holds its lock)."""
    rows = await sql.fetch(db, _VET, {"id": demand_id, "status": "open" if approve else "rejected",
                                      "by": by, "reason": None if approve else reason})
    return bool(rows)


@dataclass(frozen=True)
class ImportedDemand:
    """A demand of an import: the demand, and the file's reference within the importer's
    scope (a dispatcher's region code, '' for admins)."""

    demand: NewDemand
    external_ref: str
    external_scope: str


def _values(row: ImportedDemand, batch_id: int | None) -> dict[str, Any]:
    x = row.demand
    return {
        "title": x.title, "description": x.description, "category": x.category,
        "required_skills": sa.literal(list(x.required_skills), pg.ARRAY(sa.Text)),
        "needed": x.needed,
        "time_window": sa.func.tstzrange(x.starts_at, x.ends_at, type_=pg.TSTZRANGE),
        "location_geom": sql.point(x.lon, x.lat), "station_id": x.station_id,
        "region_code": x.region_code, "raised_by": x.raised_by,
        "raised_by_kind": x.raised_by_kind, "priority": x.priority,
        "requires_insurance": x.requires_insurance, "status": x.status,
        "external_ref": row.external_ref, "external_scope": row.external_scope,
        "import_batch_id": batch_id}


async def create_imported(db: Database, *, rows: Sequence[ImportedDemand],
                          batch_id: int | None) -> dict[str, int]:
    """Insert imported demands; a reference already imported in the scope is left alone
    (``ON CONFLICT DO NOTHING``). Returns reference → new id, for the rows inserted."""
    if not rows:
        return {}
    out = await sql.fetch(db, pg.insert(d).values([_values(x, batch_id) for x in rows])
                          .on_conflict_do_nothing(constraint="demand_external_key")
                          .returning(d.c.id, d.c.external_ref))
    return {str(x["external_ref"]): int(x["id"]) for x in out}


async def list_imported_refs(db: Database, *, scope: str, refs: Iterable[str]) -> set[str]:
    """The references of ``refs`` already imported in ``scope``."""
    wanted = sorted(set(refs))
    if not wanted:
        return set()
    rows = await sql.fetch(db, sa.select(d.c.external_ref).where(
        d.c.external_scope == scope,
        d.c.external_ref == sa.any_(sa.literal(wanted, pg.ARRAY(sa.Text)))))
    return {str(x["external_ref"]) for x in rows}


async def list_stations_named(db: Database, *, names: Iterable[str]) -> list[Row]:
    """Stations by name (an import names them): id, name, region, location."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    return await sql.fetch(db, sa.select(
        station.c.id, station.c.name, station.c.region_code,
        sa.func.ST_X(station.c.location_geom).label("lon"),
        sa.func.ST_Y(station.c.location_geom).label("lat"),
    ).where(station.c.name == sa.any_(sa.literal(wanted, pg.ARRAY(sa.Text)))))




def _finite(bound: Any, label: str) -> Any:
    """A range's bound, NULL when unbounded or infinite (psycopg reads no infinite times)."""
    return sa.case((sa.func.isfinite(bound), bound), else_=sa.null()).label(label)


_RULE_COLUMNS = (r.c.id, r.c.name, r.c.flags, r.c.region_prefix, r.c.category, r.c.multiplier,
                 r.c.floor, _finite(sa.func.lower(r.c.active), "active_from"),
                 _finite(sa.func.upper(r.c.active), "active_until"),
                 r.c.active.contains(sa.func.now()).label("in_force"), r.c.created_at,
                 r.c.created_by)
_RULES = sql.compiled(sa.select(*_RULE_COLUMNS).order_by(r.c.id))
_RULES_BY_ID = sql.compiled(sa.select(*_RULE_COLUMNS).where(
    r.c.id == sa.any_(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger)))))


async def list_priority_rules(db: Database) -> list[Row]:
    """Every priority rule, oldest first, with whether it is in force now."""
    return await sql.fetch(db, _RULES)


async def get_many_priority_rules(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Priority rules by id."""
    return await sql.fetch(db, _RULES_BY_ID, {"ids": list(ids)})


async def create_priority_rule(db: Database, *, values: dict[str, Any]) -> int:
    """Add a priority rule (``active_from`` None: from now; ``active_until`` None: no end)."""
    start = values.pop("active_from", None)
    end = values.pop("active_until", None)
    rows = await sql.fetch(db, sa.insert(r).values(
        **values, active=sa.func.tstzrange(
            sa.func.coalesce(sa.literal(start, TIMESTAMPTZ), sa.func.now()),
            sa.literal(end, TIMESTAMPTZ), type_=pg.TSTZRANGE)).returning(r.c.id))
    return int(rows[0]["id"])


_LOCK_RULE = sql.compiled(sa.select(
    r.c.id, (sa.func.lower(r.c.active) > sa.func.now()).label("not_begun"),
    (sa.func.upper(r.c.active) <= sa.func.now()).label("ended"),
).where(r.c.id == _ID).with_for_update())
_END_RULE = sql.compiled(sa.update(r).where(r.c.id == _ID).values(
    active=sa.func.tstzrange(sa.func.lower(r.c.active), sa.func.now(), type_=pg.TSTZRANGE)))
_DROP_RULE = sql.compiled(sa.delete(r).where(r.c.id == _ID))


async def lock_priority_rule(db: Database, *, rule_id: int) -> Row | None:
    """A rule locked for the transaction: whether it has not begun, or has ended."""
    rows = await sql.fetch(db, _LOCK_RULE, {"id": rule_id})
    return rows[0] if rows else None


async def update_priority_rule_ended(db: Database, *, rule_id: int) -> None:
    """End a rule in force now (demands raised before keep what it gave them)."""
    await sql.fetch(db, _END_RULE, {"id": rule_id})


async def delete_priority_rule(db: Database, *, rule_id: int) -> None:
    """Remove a rule that has not begun (no demand can have been raised by it)."""
    await sql.fetch(db, _DROP_RULE, {"id": rule_id})
