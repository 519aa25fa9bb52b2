"""Statements on recognition rounds (优秀, 四个十佳; sql/0029): rounds, nominations, the
published lists, and the confirmed figures candidates are ranked by.

The rounds' own rows are built with SQLAlchemy Core on :mod:`hub.store.tables`. The figures
are one aggregate statement per category over a year of confirmed records: SQL text (marked),
because it is one statement the benchmark reads a province's year with (bench/bench_reports.py)
and its shape (two levels of grouping over a CTE) reads plainer as SQL than as Core.
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
from hub.store.tables import (
    membership,
    organization,
    project,
    recognition_award,
    recognition_nomination,
    recognition_round,
    region,
    station,
    volunteer,
)

r, n, w = recognition_round, recognition_nomination, recognition_award
CATEGORIES = ("volunteer", "team", "project", "station")


def _ids(ids: Sequence[int]) -> Any:
    """A bigint[] of ``ids`` to compare with ``= ANY``."""
    return sa.literal(list(ids), pg.ARRAY(sa.BigInteger))


async def get_region(db: Database, *, code: str) -> Row | None:
    """A division's code, name and level (None when unknown)."""
    rows = await sql.fetch(db, sa.select(region.c.code, region.c.name, region.c.level)
                           .where(region.c.code == code))
    return rows[0] if rows else None


async def create_round(db: Database, *, values: dict[str, Any]) -> Row | None:
    """A new round; None when one of that award, level, region and year exists."""
    insert = pg.insert(r).values(**values).on_conflict_do_nothing(
        constraint="recognition_round_once").returning(*r.c)
    rows = await sql.fetch(db, insert)
    return rows[0] if rows else None


async def get_round(db: Database, *, round_id: int, lock: bool = False) -> Row | None:
    """One round (locked against publication when ``lock``)."""
    query = sa.select(r).where(r.c.id == round_id)
    rows = await sql.fetch(db, query.with_for_update() if lock else query)
    return rows[0] if rows else None


async def list_rounds(db: Database, *, region_prefix: str | None, year: int | None,
                      limit: int, offset: int) -> list[Row]:
    """Rounds whose region lies under ``region_prefix`` ('' or None: every round, the
    national ones included when None), newest year first."""
    query = sa.select(r)
    if region_prefix is not None:
        query = query.where(r.c.region_code.like(region_prefix + "%"))
    if year is not None:
        query = query.where(r.c.year == year)
    return await sql.fetch(db, query.order_by(r.c.year.desc(), r.c.id.desc())
                           .limit(limit).offset(offset))


async def update_round_published(db: Database, *, round_id: int, by: str) -> Row:
    """Mark a round published (the database freezes it from then on)."""
    rows = await sql.fetch(db, sa.update(r).where(r.c.id == round_id).values(
        status="published", published_by=by, published_at=sa.func.now()).returning(*r.c))
    return rows[0]


async def create_nomination(db: Database, *, values: dict[str, Any]) -> Row | None:
    """A nomination; None when the subject is nominated in that round and category already."""
    values = {**values, "evidence": Jsonb(values["evidence"])}
    insert = pg.insert(n).values(**values).on_conflict_do_nothing(
        constraint="recognition_nomination_once").returning(*n.c)
    rows = await sql.fetch(db, insert)
    return rows[0] if rows else None


async def get_nomination(db: Database, *, nomination_id: int, lock: bool = False) -> Row | None:
    query = sa.select(n).where(n.c.id == nomination_id)
    rows = await sql.fetch(db, query.with_for_update() if lock else query)
    return rows[0] if rows else None


async def list_nominations(db: Database, *, round_id: int, category: str | None = None,
                           subject_ids: Sequence[int] | None = None) -> list[Row]:
    """A round's nominations, best score first."""
    query = sa.select(n).where(n.c.round_id == round_id)
    if category is not None:
        query = query.where(n.c.category == category)
    if subject_ids is not None:
        query = query.where(n.c.subject_id == sa.any_(_ids(subject_ids)))
    return await sql.fetch(db, query.order_by(n.c.category, n.c.score.desc(), n.c.id))


async def count_accepted(db: Database, *, round_id: int, category: str) -> int:
    rows = await sql.fetch(db, sa.select(sa.func.count()).where(
        n.c.round_id == round_id, n.c.category == category, n.c.decision == "accepted"))
    return int(rows[0]["count_1"])


async def update_decision(db: Database, *, nomination_id: int, decision: str, reason: str,
                          by: str) -> Row:
    rows = await sql.fetch(db, sa.update(n).where(n.c.id == nomination_id).values(
        decision=decision, reason=reason, decided_by=by, decided_at=sa.func.now())
        .returning(*n.c))
    return rows[0]


async def create_awards(db: Database, *, rows: Sequence[dict[str, Any]]) -> None:
    """The published list (append-only; only in the transaction that publishes the round)."""
    if rows:
        await sql.fetch(db, sa.insert(w).values([{**a, "evidence": Jsonb(a["evidence"])}
                                                 for a in rows]))


async def list_awards(db: Database, *, round_ids: Sequence[int]) -> list[Row]:
    """The published lists of these rounds, by round, category and place."""
    if not round_ids:
        return []
    return await sql.fetch(db, sa.select(w).where(w.c.round_id == sa.any_(_ids(round_ids)))
                           .order_by(w.c.round_id, w.c.category, w.c.place))


async def list_lower_awards(db: Database, *, award: str, year: int, category: str,
                            region_prefix: str, levels: Sequence[str]) -> list[Row]:
    """Published awards of rounds below (``levels``) inside the region, for a higher round's
    pool: each with its round's level and region."""
    query = (sa.select(w.c.subject_id, w.c.place, w.c.round_id, r.c.level, r.c.region_code)
             .select_from(w.join(r, r.c.id == w.c.round_id))
             .where(r.c.award == award, r.c.year == year, r.c.status == "published",
                    r.c.level == sa.any_(sa.literal(list(levels), pg.ARRAY(sa.Text))),
                    w.c.category == category,
                    r.c.region_code.like(region_prefix + "%"))
             .order_by(w.c.subject_id, r.c.level, w.c.place))
    return await sql.fetch(db, query)


async def get_many_subjects(db: Database, *, category: str, ids: Sequence[int]) -> list[Row]:
    """Subjects by id: ``id``, ``name``, ``region_code`` and ``org_paths`` (the paths of the
    organisations they belong to, for the action and field policies)."""
    if not ids:
        return []
    o = organization.alias("o")
    key: Any
    if category == "volunteer":
        paths = (sa.select(sa.func.array_agg(sa.cast(o.c.path, sa.Text)))
                 .select_from(membership.join(o, o.c.id == membership.c.organization_id))
                 .where(membership.c.volunteer_id == volunteer.c.id).scalar_subquery())
        key, query = volunteer.c.id, sa.select(
            volunteer.c.id, volunteer.c.real_name.label("name"), volunteer.c.region_code,
            paths.label("org_paths"))
    elif category == "team":
        key, query = organization.c.id, sa.select(
            organization.c.id, organization.c.name, organization.c.region_code,
            pg.array([sa.cast(organization.c.path, sa.Text)]).label("org_paths"))
    else:
        subject = project if category == "project" else station
        owner = project.c.owner_id if category == "project" else station.c.organization_id
        key, query = subject.c.id, (
            sa.select(subject.c.id, subject.c.name,
                      (o.c.region_code if category == "project" else station.c.region_code)
                      .label("region_code"),
                      pg.array([sa.cast(o.c.path, sa.Text)]).label("org_paths"))
            .select_from(subject.outerjoin(o, o.c.id == owner)))
    return await sql.fetch(db, query.where(key == sa.any_(_ids(ids))))


async def get_org_path(db: Database, *, org_id: int) -> str | None:
    rows = await sql.fetch(db, sa.select(sa.cast(organization.c.path, sa.Text).label("path"))
                           .where(organization.c.id == org_id))
    return rows[0]["path"] if rows else None


# -- figures (SQL text, marked above) --------------------------------------------------------
# Each category: how a confirmed record reaches its subject, and which subjects belong to the
# round's region (and, for an org admin, to their organisation's subtree).
_KEYED = {
    "volunteer": """
  SELECT rec.*, s.id AS key FROM rec JOIN volunteer s ON s.id = rec.volunteer_id
   WHERE s.region_code LIKE %(prefix)s AND s.status = 'active'
     AND (%(org_path)s::ltree IS NULL OR EXISTS (
          SELECT 1 FROM membership m JOIN organization o ON o.id = m.organization_id
           WHERE m.volunteer_id = s.id AND o.path <@ %(org_path)s::ltree))""",
    "team": """
  SELECT rec.*, s.id AS key FROM rec JOIN organization s ON s.id = rec.organization_id
   WHERE s.region_code LIKE %(prefix)s AND s.status = 'active'
     AND (%(org_path)s::ltree IS NULL OR s.path <@ %(org_path)s::ltree)""",
    "project": """
  SELECT rec.*, s.id AS key FROM rec JOIN activity a ON a.id = rec.activity_id
    JOIN project s ON s.id = a.project_id JOIN organization o ON o.id = s.owner_id
   WHERE o.region_code LIKE %(prefix)s AND s.status IN ('active', 'closed', 'archived')
     AND (%(org_path)s::ltree IS NULL OR o.path <@ %(org_path)s::ltree)""",
    "station": """
  SELECT rec.*, s.id AS key FROM rec
    LEFT JOIN demand d ON d.id = rec.demand_id LEFT JOIN activity a ON a.id = rec.activity_id
    JOIN station s ON s.id = coalesce(d.station_id, a.station_id)
    LEFT JOIN organization o ON o.id = s.organization_id
   WHERE s.region_code LIKE %(prefix)s AND s.status IN ('active', 'closed', 'archived')
     AND (%(org_path)s::ltree IS NULL OR o.path <@ %(org_path)s::ltree)""",
}

_FIGURES = """
WITH corr AS (
  SELECT corrects_id AS id, sum(hours) AS delta FROM service_record
   WHERE corrects_id IS NOT NULL GROUP BY corrects_id
), prio AS (
  SELECT code FROM region WHERE cardinality(hub_region_flags(code)) > 0
), rec AS (
  SELECT o.id, o.volunteer_id, o.organization_id, o.demand_id, o.activity_id, o.region_code,
         o.hours + coalesce(c.delta, 0) AS hours, o.region_code IN (SELECT code FROM prio) AS prio
    FROM service_record o JOIN service_record_confirmation k ON k.record_id = o.id
    LEFT JOIN corr c ON c.id = o.id
   WHERE o.corrects_id IS NULL AND o.served_on >= %(start)s AND o.served_on < %(end)s
), keyed AS MATERIALIZED ({keyed}
     AND (%(pool)s::bigint[] IS NULL OR s.id = ANY (%(pool)s::bigint[]))
     AND rec.hours > 0
), occ AS (
  SELECT key, demand_id, sum(hours) AS hours, coalesce(sum(hours) FILTER (WHERE prio), 0) AS ph
    FROM keyed GROUP BY key, demand_id, activity_id
), per AS (
  SELECT key, count(DISTINCT volunteer_id) AS volunteers, count(*) AS record_count,
         (array_agg(id ORDER BY hours DESC, id))[1:%(record_ids)s] AS record_ids
    FROM keyed GROUP BY key
)
SELECT occ.key AS subject_id, sum(occ.hours) AS hours, count(*) AS occasions,
       sum(occ.ph) AS priority_hours, coalesce(sum(rv.rating), 0) AS rating_sum,
       count(rv.rating) AS rating_count, per.volunteers, per.record_count, per.record_ids
  FROM occ JOIN per ON per.key = occ.key
  LEFT JOIN review rv ON rv.demand_id = occ.demand_id AND rv.direction = 'requester_to_service'
 GROUP BY occ.key, per.volunteers, per.record_count, per.record_ids
"""
_FIGURES_BY = {c: _FIGURES.replace("{keyed}", k) for c, k in _KEYED.items()}


async def list_figures(db: Database, *, category: str, region_prefix: str, start: date,
                       end: date, pool: Sequence[int] | None = None,
                       org_path: str | None = None, record_ids: int = 20) -> list[Row]:
    """Per subject of ``category`` belonging to the region (and under ``org_path``): confirmed
    net hours served in [start, end), service occasions, hours in 老少边贫 areas, the requesters'
    ratings of the demands served, distinct volunteers, and the records (the ``record_ids``
    with the most hours first). ``pool`` limits the subjects considered."""
    return await db.fetch(_FIGURES_BY[category], {
        "prefix": region_prefix + "%", "start": start, "end": end,
        "pool": list(pool) if pool is not None else None, "org_path": org_path,
        "record_ids": record_ids})
