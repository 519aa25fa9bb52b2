"""Statements of campaigns (主题活动 on key dates, sql/0027): campaigns, their yearly editions,
the activities and demands tagged with an edition, and an edition's figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    activity,
    campaign,
    campaign_activity,
    campaign_demand,
    campaign_edition,
    demand,
    organization,
)

c, e = campaign, campaign_edition
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_EDITION_COLUMNS = (e.c.id, e.c.campaign_code, e.c.year,
                    sa.func.lower(e.c.period).label("starts_on"),
                    (sa.func.upper(e.c.period) - 1).label("ends_on"), e.c.created_by)
_CAMPAIGNS = sql.compiled(sa.select(c).order_by(c.c.fixed_month.nulls_last(), c.c.code))
_EDITIONS = sql.compiled(sa.select(*_EDITION_COLUMNS).where(
    sa.or_(sa.bindparam("year", type_=sa.SmallInteger).is_(None),
           e.c.year == sa.bindparam("year", type_=sa.SmallInteger)))
    .order_by(e.c.year, sa.func.lower(e.c.period), e.c.id))
_EDITIONS_BY_ID = sql.compiled(sa.select(*_EDITION_COLUMNS).where(e.c.id == sa.any_(_IDS)))


async def list_campaigns(db: Database) -> list[Row]:
    """Every campaign, fixed dates in calendar order first."""
    return await sql.fetch(db, _CAMPAIGNS)


async def list_editions(db: Database, *, year: int | None) -> list[Row]:
    """Editions (of a year, or all) with their first and last day."""
    return await sql.fetch(db, _EDITIONS, {"year": year})


async def get_many_editions(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Editions by id."""
    return await sql.fetch(db, _EDITIONS_BY_ID, {"ids": list(ids)})


async def create_campaign(db: Database, *, values: dict[str, Any]) -> None:
    """Add a campaign, or change its names and dates (its code stays)."""
    statement = pg.insert(c).values(**values)
    await sql.fetch(db, statement.on_conflict_do_update(
        index_elements=[c.c.code], set_={k: statement.excluded[k] for k in values
                                         if k not in ("code", "created_by")}))


async def create_edition(db: Database, *, values: dict[str, Any], first: date,
                         last: date) -> int:
    """Set a campaign's edition of a year (its days [first, last]); its id."""
    statement = pg.insert(e).values(**values, period=sa.func.daterange(
        first, last, "[]", type_=pg.DATERANGE))
    rows = await sql.fetch(db, statement.on_conflict_do_update(
        constraint="campaign_edition_once", set_={"period": statement.excluded.period})
        .returning(e.c.id))
    return int(rows[0]["id"])


_ACTIVITIES = sql.compiled(
    sa.select(activity.c.id, activity.c.region_code, activity.c.status,
              sa.cast(organization.c.path, sa.Text).label("org_path"))
    .select_from(activity.join(organization, organization.c.id == activity.c.organization_id))
    .where(activity.c.id == sa.any_(_IDS)))
_DEMANDS = sql.compiled(sa.select(demand.c.id, demand.c.region_code, demand.c.status,
                                  demand.c.station_id).where(demand.c.id == sa.any_(_IDS)))


async def list_tag_subjects(db: Database, *, kind: str, ids: Sequence[int]) -> list[Row]:
    """The activities' or demands' regions (and organising teams' paths) to check tagging."""
    return await sql.fetch(db, _ACTIVITIES if kind == "activity" else _DEMANDS,
                           {"ids": list(ids)})


def _tag_table(kind: str) -> sa.Table:
    return campaign_activity if kind == "activity" else campaign_demand


async def create_tags(db: Database, *, kind: str, edition_id: int, ids: Sequence[int],
                      people_served: int | None, by: str) -> None:
    """Tag activities or demands with an edition (tagged again: the reach is replaced when
    given)."""
    if not ids:
        return
    table = _tag_table(kind)
    key = table.c.activity_id if kind == "activity" else table.c.demand_id
    statement = pg.insert(table).values([{"edition_id": edition_id, key.name: i,
                                          "people_served": people_served, "tagged_by": by}
                                         for i in sorted(set(ids))])
    await sql.fetch(db, statement.on_conflict_do_update(
        index_elements=[table.c.edition_id, key],
        set_={"people_served": sa.func.coalesce(statement.excluded.people_served,
                                                table.c.people_served)}))


_TAGS_OF = {kind: sql.compiled(
    sa.select(key.label("subject_id"), table.c.people_served, *_EDITION_COLUMNS)
    .select_from(table.join(e, e.c.id == table.c.edition_id)).where(key == sa.any_(_IDS))
    .order_by(key, sa.func.lower(e.c.period), e.c.id))
    for kind, table, key in (("activity", campaign_activity, campaign_activity.c.activity_id),
                             ("demand", campaign_demand, campaign_demand.c.demand_id))}


async def list_tags(db: Database, *, kind: str, ids: Sequence[int]) -> list[Row]:
    """The editions activities or demands are tagged with (``subject_id``: which one), their
    first day first, with the reach reported on each tag."""
    return await sql.fetch(db, _TAGS_OF[kind], {"ids": list(ids)})


async def delete_tags(db: Database, *, kind: str, edition_id: int, ids: Sequence[int]) -> int:
    """Untag; how many tags there were."""
    table = _tag_table(kind)
    key = table.c.activity_id if kind == "activity" else table.c.demand_id
    rows = await sql.fetch(db, sa.delete(table).where(
        table.c.edition_id == edition_id, key == sa.any_(sa.literal(list(ids), pg.ARRAY(
            sa.BigInteger)))).returning(table.c.edition_id))
    return len(rows)


# SQL text (benchmark, bench/bench_scorecards.py): an edition's figures in a region subtree in
# one statement, from the tallies sql/0027's triggers keep per activity and demand (confirmed
# net hours; the volunteers whose records were confirmed), not from the records themselves.
_STATS = """
WITH acts AS (
  SELECT t.activity_id AS id, t.people_served FROM campaign_activity t
    JOIN activity a ON a.id = t.activity_id
   WHERE t.edition_id = %(edition)s AND a.region_code >= %(lo)s AND a.region_code < %(hi)s
     AND a.status IN ('published', 'closed', 'archived')),
dems AS (
  SELECT t.demand_id AS id, t.people_served FROM campaign_demand t
    JOIN demand d ON d.id = t.demand_id
   WHERE t.edition_id = %(edition)s AND d.region_code >= %(lo)s AND d.region_code < %(hi)s
     AND d.status NOT IN ('cancelled', 'rejected', 'pending_review')),
served AS (
  SELECT 'activity' AS subject, id FROM acts UNION ALL SELECT 'demand', id FROM dems)
SELECT (SELECT count(*) FROM acts) AS activities, (SELECT count(*) FROM dems) AS demands,
       (SELECT coalesce(sum(people_served), 0) FROM acts)
       + (SELECT coalesce(sum(people_served), 0) FROM dems) AS people_served,
       (SELECT count(*) FILTER (WHERE people_served IS NULL) FROM acts)
       + (SELECT count(*) FILTER (WHERE people_served IS NULL) FROM dems) AS unreported,
       (SELECT count(DISTINCT v.ref_id) FROM served x
          JOIN star_tally_seen v ON v.subject = x.subject AND v.subject_id = x.id
                                AND v.kind = 'volunteer') AS volunteers,
       (SELECT coalesce(sum(t.hours), 0) FROM served x
          JOIN star_tally t ON t.subject = x.subject AND t.subject_id = x.id
       )::numeric(14, 2) AS hours
"""


async def get_stats(db: Database, *, edition_id: int, region_prefix: str) -> Row:
    """An edition's figures in a region subtree ('' everywhere)."""
    # A range, not LIKE: a prepared statement's generic plan keeps the index for it.
    rows = await db.fetch(_STATS, {"edition": edition_id, "lo": region_prefix,
                                   "hi": region_prefix + ":"})
    return rows[0]
