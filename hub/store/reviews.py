"""Statements on reviews (评单): a requester's review of the service given on a demand, a
volunteer's rating of its organiser, and the ratings read from them.

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import demand, membership, organization, review, service_record

_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_CREATE = sql.compiled(pg.insert(review).values(
    demand_id=sa.bindparam("d"), direction=sa.bindparam("dir"), volunteer_id=sa.bindparam("v"),
    station_id=sa.bindparam("s"), rating=sa.bindparam("rating"),
    comment=sa.bindparam("comment"), reviewed_by=sa.bindparam("by"))
    .on_conflict_do_nothing(constraint="review_once").returning(*review.c))


async def create(db: Database, *, demand_id: int, direction: str, volunteer_id: int | None,
                 station_id: int | None, rating: int, comment: str, reviewed_by: str
                 ) -> Row | None:
    """Add a review; None when this one was already given (``review_once``)."""
    rows = await sql.fetch(db, _CREATE, {
        "d": demand_id, "dir": direction, "v": volunteer_id, "s": station_id,
        "rating": rating, "comment": comment, "by": reviewed_by})
    return rows[0] if rows else None


r = service_record
# Requesters' reviews of the service given on each demand.
_x = (sa.select(review.c.demand_id, review.c.rating)
      .where(review.c.direction == "requester_to_service").subquery("x"))
_served = (sa.select(r.c.volunteer_id, r.c.demand_id).distinct()
           .where(r.c.volunteer_id == sa.any_(_IDS), r.c.demand_id.is_not(None)).subquery("s"))
_OF_VOLUNTEERS = sql.compiled(
    sa.select(_served.c.volunteer_id.label("id"), sa.func.count().label("n"),
              sa.func.avg(_x.c.rating).label("average"))
    .select_from(_served.join(_x, _x.c.demand_id == _served.c.demand_id))
    .group_by(_served.c.volunteer_id))


async def list_volunteer_ratings(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Requesters' ratings of the demands each volunteer served: count and average."""
    return await sql.fetch(db, _OF_VOLUNTEERS, {"ids": list(volunteer_ids)})


o, m, _c = organization, membership, organization.alias("c")
_subtree_served = (
    sa.select(r.c.demand_id).distinct()
    .select_from(r.join(m, m.c.volunteer_id == r.c.volunteer_id)
                 .join(_c, _c.c.id == m.c.organization_id))
    .where(_c.c.path.op("<@")(o.c.path), r.c.demand_id.is_not(None)).lateral("s"))
_OF_ORGANIZATIONS = sql.compiled(
    sa.select(o.c.id, sa.func.count().label("n"), sa.func.avg(_x.c.rating).label("average"))
    .select_from(o.join(_subtree_served, sa.true())
                 .join(_x, _x.c.demand_id == _subtree_served.c.demand_id))
    .where(o.c.id == sa.any_(_IDS)).group_by(o.c.id))


async def list_organization_ratings(db: Database, *, organization_ids: Sequence[int]) -> list[Row]:
    """Requesters' ratings of demands served by members of each organisation's subtree."""
    return await sql.fetch(db, _OF_ORGANIZATIONS, {"ids": list(organization_ids)})


_OF_STATIONS = sql.compiled(
    sa.select(demand.c.station_id.label("id"), review.c.direction, sa.func.count().label("n"),
              sa.func.avg(review.c.rating).label("average"))
    .select_from(review.join(demand, demand.c.id == review.c.demand_id))
    .where(demand.c.station_id == sa.any_(_IDS))
    .group_by(demand.c.station_id, review.c.direction))


async def list_station_ratings(db: Database, *, station_ids: Sequence[int]) -> list[Row]:
    """Per station: requesters' ratings of service there, volunteers' ratings of it."""
    return await sql.fetch(db, _OF_STATIONS, {"ids": list(station_ids)})
