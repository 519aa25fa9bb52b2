"""Statements on the 老少边贫 equity summary (``demand_equity``, sql/0028, kept by triggers):
the figures of a region subtree and period, priority areas against the rest, per category."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import demand_equity, service_category

e = demand_equity
# One row per (category, priority_area), and one per priority_area over every category
# (category NULL): slots, fills, time to fill, distance, hours and expert hours.
_FIGURES = sql.compiled(
    sa.select(
        e.c.category, e.c.priority_area,
        sa.func.count().label("demands"),
        sa.func.sum(e.c.needed).label("slots"),
        sa.func.sum(e.c.filled).label("filled"),
        sa.func.avg(e.c.hours_to_fill).label("mean_hours_to_fill"),
        sa.func.percentile_cont(0.5).within_group(e.c.hours_to_fill)
        .label("median_hours_to_fill"),
        (sa.func.sum(e.c.distance_m) / sa.func.nullif(sa.func.sum(e.c.distance_n), 0))
        .label("mean_distance_m"),
        sa.func.sum(e.c.hours).label("hours"),
        sa.func.sum(e.c.expert_hours).label("expert_hours"),
    ).where(
        e.c.region_code.like(sa.bindparam("prefix", type_=sa.Text)),
        e.c.day >= sa.bindparam("starts", type_=sa.Date),
        e.c.day < sa.bindparam("ends", type_=sa.Date),
        ~e.c.cancelled,
    ).group_by(sa.func.grouping_sets(sa.tuple_(e.c.category, e.c.priority_area),
                                     sa.tuple_(e.c.priority_area)))
)
_CATEGORIES = sql.compiled(sa.select(service_category).order_by(service_category.c.code))


async def list_(db: Database, *, region_prefix: str, starts: date, ends: date) -> list[Row]:
    """The figures of the demands of a region subtree whose window starts on a day in
    [starts, ends) (China time), cancelled ones left out: per (category, priority_area) and
    per priority_area over all categories (category None)."""
    return await sql.fetch(db, _FIGURES, {"prefix": region_prefix + "%", "starts": starts,
                                          "ends": ends})


async def list_categories(db: Database) -> list[Row]:
    """The service categories with their Chinese and English labels."""
    return await sql.fetch(db, _CATEGORIES)
