"""Statements for station coverage (sql/0028): demands of a period beyond a radius of every
active station, counted per child region; candidate sites; stored coverage plans.

Distances are geodesic on the WGS-84 spheroid (``ST_DWithin`` on geography), road-free. The
demands asked about are those whose window starts in the period, cancelled ones left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import candidate_site, coverage_plan, demand, region, station

d, s, c, r = demand, station, candidate_site, region
_RADIUS = sa.bindparam("radius", type_=sa.Float)
_DAY = sa.cast(sa.func.timezone("Asia/Shanghai", sa.func.lower(d.c.time_window)), sa.Date)
_IN_PERIOD = (d.c.region_code.like(sa.bindparam("prefix", type_=sa.Text)),
              sa.bindparam("since", type_=sa.Date) <= _DAY,
              sa.bindparam("until", type_=sa.Date) > _DAY, d.c.status != "cancelled")
_REACHED = sa.exists().where(s.c.status == "active",
                             sa.func.ST_DWithin(s.c.location, d.c.location, _RADIUS))
_UNCOVERED = (*_IN_PERIOD, ~_REACHED)

# Per child region: every demand of the period, and those beyond every station's radius.
_CHILD = sa.func.rpad(sa.func.left(d.c.region_code, sa.bindparam("child_len", type_=sa.Integer)),
                      12, "0")
_by = (sa.select(_CHILD.label("code"), sa.func.count().label("demands"),
                 sa.func.count().filter(~_REACHED).label("uncovered"))
       .where(*_IN_PERIOD).group_by(_CHILD).subquery("tally"))
_BY_REGION = sql.compiled(
    sa.select(_by.c.code, r.c.name, _by.c.demands, _by.c.uncovered)
    .select_from(_by.outerjoin(r, r.c.code == _by.c.code)).order_by(_by.c.code))

# A page of uncovered demands (id order), each with its nearest active station's distance.
_near = (sa.select(sa.func.ST_Distance(s.c.location, d.c.location).label("m"))
         .where(s.c.status == "active").order_by(s.c.location.op("<->")(d.c.location))
         .limit(1).correlate(d).lateral("near"))
_PAGE = sql.compiled(
    sa.select(d.c.id, d.c.title, d.c.category, d.c.region_code, d.c.needed,
              _DAY.label("day"), sa.func.ST_X(d.c.location_geom).label("lon"),
              sa.func.ST_Y(d.c.location_geom).label("lat"),
              _near.c.m.label("nearest_station_m"))
    .select_from(d.outerjoin(_near, sa.true()))
    .where(*_UNCOVERED, d.c.id > sa.bindparam("after", type_=sa.BigInteger))
    .order_by(d.c.id).limit(sa.bindparam("first", type_=sa.Integer)))
_POINTS = sql.compiled(
    sa.select(d.c.id, d.c.needed, sa.func.ST_X(d.c.location_geom).label("lon"),
              sa.func.ST_Y(d.c.location_geom).label("lat"))
    .where(*_UNCOVERED).order_by(d.c.id).limit(sa.bindparam("limit", type_=sa.Integer)))
_SITES = sql.compiled(
    sa.select(c.c.id, c.c.kind, c.c.name, c.c.region_code, c.c.address,
              sa.func.ST_X(c.c.location_geom).label("lon"),
              sa.func.ST_Y(c.c.location_geom).label("lat"))
    .where(c.c.region_code.like(sa.bindparam("prefix", type_=sa.Text)))
    .order_by(c.c.id).limit(sa.bindparam("limit", type_=sa.Integer)))
_GET_SITES = sql.compiled(
    sa.select(c.c.id, c.c.kind, c.c.name, c.c.region_code, c.c.address,
              sa.func.ST_X(c.c.location_geom).label("lon"),
              sa.func.ST_Y(c.c.location_geom).label("lat"))
    .where(c.c.id == sa.any_(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger)))))
_GET_PLAN = sql.compiled(sa.select(coverage_plan).where(
    coverage_plan.c.id == sa.bindparam("id", type_=pg.UUID)))


def _period(prefix: str, radius_m: float, since: date, until: date) -> dict[str, Any]:
    return {"prefix": prefix + "%", "radius": radius_m, "since": since, "until": until}


async def count_by_region(db: Database, *, region_prefix: str, child_len: int,
                          radius_m: float, since: date, until: date) -> list[Row]:
    """Per child region (code cut to ``child_len`` digits): demands, and those uncovered."""
    return await sql.fetch(db, _BY_REGION, {**_period(region_prefix, radius_m, since, until),
                                            "child_len": child_len})


async def list_uncovered(db: Database, *, region_prefix: str, radius_m: float, since: date,
                         until: date, first: int, after: int) -> list[Row]:
    """Uncovered demands after id ``after``, ``first`` of them, with the nearest station."""
    return await sql.fetch(db, _PAGE, {**_period(region_prefix, radius_m, since, until),
                                       "first": first, "after": after})


async def list_points(db: Database, *, region_prefix: str, radius_m: float, since: date,
                      until: date, limit: int) -> list[Row]:
    """Every uncovered demand's id, needed and place (up to ``limit``)."""
    return await sql.fetch(db, _POINTS, {**_period(region_prefix, radius_m, since, until),
                                         "limit": limit})


async def list_sites(db: Database, *, region_prefix: str, limit: int) -> list[Row]:
    """Candidate sites of a region subtree, up to ``limit``, in id order."""
    return await sql.fetch(db, _SITES, {"prefix": region_prefix + "%", "limit": limit})


async def get_many_sites(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Candidate sites by id."""
    return await sql.fetch(db, _GET_SITES, {"ids": list(ids)})


async def create_sites(db: Database, *, rows: Sequence[dict[str, Any]], source: str) -> int:
    """Insert candidate sites, or update the place and address of one already kept under the
    same (region, kind, name); how many rows were written."""
    if not rows:
        return 0
    values = [{"kind": x["kind"], "name": x["name"], "region_code": x["region_code"],
               "address": x.get("address", ""), "source": source,
               "location_geom": sql.point(x["lon"], x["lat"])} for x in rows]
    insert = pg.insert(c).values(values)
    done = await sql.fetch(db, insert.on_conflict_do_update(
        constraint="candidate_site_key",
        set_={"location_geom": insert.excluded.location_geom,
              "address": insert.excluded.address, "source": insert.excluded.source})
        .returning(c.c.id))
    return len(done)


async def create_plan(db: Database, *, values: dict[str, Any]) -> str:
    """Store a coverage plan; its id."""
    given = {**values, "result": Jsonb(values["result"])}
    rows = await sql.fetch(db, pg.insert(coverage_plan).values(**given)
                           .returning(coverage_plan.c.id))
    return str(rows[0]["id"])


async def get_plan(db: Database, *, plan_id: str) -> Row | None:
    rows = await sql.fetch(db, _GET_PLAN, {"id": plan_id})
    return rows[0] if rows else None
