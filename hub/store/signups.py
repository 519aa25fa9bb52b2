"""Statements on sign-ups for activities (活动报名): places, the waitlist, check-in and out.

Every change runs under the activity's row lock (:func:`hub.store.activities.lock_source`),
so the counter ``activity.signed_up`` and the waitlist's order (``waitlist_no``, from a
sequence read under that lock) follow the order in which changes held it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.activities import CST
from hub.store.base import Database, Row
from hub.store.tables import activity, activity_signup, volunteer

s, a = activity_signup, activity
_A, _V = sa.bindparam("a", type_=sa.BigInteger), sa.bindparam("v", type_=sa.BigInteger)
_STATUS = sa.bindparam("status", type_=sa.Text)
_w = s.alias("w")
# 1-based place on the waitlist: waitlisted sign-ups of the activity numbered no later.
_POSITION = sa.case((s.c.status == "waitlisted", sa.select(sa.func.count()).select_from(_w).where(
    _w.c.activity_id == s.c.activity_id, _w.c.status == "waitlisted",
    _w.c.waitlist_no <= s.c.waitlist_no).scalar_subquery())).label("waitlist_position")
COLUMNS = (s.c.activity_id, s.c.volunteer_id, s.c.status, s.c.signed_up_at, s.c.waitlist_no,
           s.c.checked_in_at, s.c.checked_out_at, s.c.check_in_method, s.c.check_in_distance_m,
           s.c.last_code_step)

_LOCK = sql.compiled(sa.select(*COLUMNS).where(s.c.activity_id == _A, s.c.volunteer_id == _V)
                     .with_for_update())
_GET = sql.compiled(sa.select(*COLUMNS, _POSITION)
                    .where(s.c.activity_id == _A, s.c.volunteer_id == _V))


async def lock(db: Database, *, activity_id: int, volunteer_id: int) -> Row | None:
    """A volunteer's sign-up for an activity, locked for the transaction."""
    rows = await sql.fetch(db, _LOCK, {"a": activity_id, "v": volunteer_id})
    return rows[0] if rows else None


async def get(db: Database, *, activity_id: int, volunteer_id: int) -> Row | None:
    """A sign-up with its place on the waitlist (``waitlist_position``, else None)."""
    rows = await sql.fetch(db, _GET, {"a": activity_id, "v": volunteer_id})
    return rows[0] if rows else None


_upsert = pg.insert(s).values(
    activity_id=_A, volunteer_id=_V, status=_STATUS,
    waitlist_no=sa.case((_STATUS == "waitlisted", sa.func.nextval("activity_waitlist_seq"))))
_SET_STATUS = sql.compiled(_upsert.on_conflict_do_update(
    index_elements=[s.c.activity_id, s.c.volunteer_id],
    set_={"status": _upsert.excluded.status, "waitlist_no": _upsert.excluded.waitlist_no,
          "signed_up_at": sa.case((sa.or_(_upsert.excluded.status == "signed_up",
                                          _upsert.excluded.status == "waitlisted"),
                                   sa.func.now()), else_=s.c.signed_up_at)})
    .returning(*COLUMNS))


async def update_status(db: Database, *, activity_id: int, volunteer_id: int,
                        status: str) -> Row:
    """Create the sign-up or set its status; 'waitlisted' takes the next waitlist number,
    'signed_up' and 'waitlisted' restart ``signed_up_at``, any other status leaves the list."""
    rows = await sql.fetch(db, _SET_STATUS,
                           {"a": activity_id, "v": volunteer_id, "status": status})
    return rows[0]


_q = s.alias("q")
_first = (sa.select(_q.c.volunteer_id)
          .select_from(_q.join(volunteer, volunteer.c.id == _q.c.volunteer_id))
          .where(_q.c.activity_id == _A, _q.c.status == "waitlisted",
                 volunteer.c.status == "active")
          .order_by(_q.c.waitlist_no).limit(sa.bindparam("n", type_=sa.Integer))
          .with_for_update(of=_q)
          # The volunteer's row share-locked, as sign-up reads it: a suspension or exit
          # changing the status meanwhile is waited for, and the status read again after it
          # commits (a volunteer no longer active is passed over and the next one taken: the
          # rows are locked before LIMIT counts them), never a stale 'active'.
          .suffix_with("FOR SHARE OF volunteer")
          .cte("first").prefix_with("MATERIALIZED"))
# The chosen rows once, in a CTE: as a subquery of the UPDATE the locking scan would run
# again for each row and, skipping rows this statement had just moved up, take further ones.
_PROMOTE = sql.compiled(
    sa.update(s).where(s.c.activity_id == _A,
                       s.c.volunteer_id.in_(sa.select(_first.c.volunteer_id)))
    .values(status="signed_up", waitlist_no=None, signed_up_at=sa.func.now())
    .returning(s.c.volunteer_id))


async def update_promoted(db: Database, *, activity_id: int, places: int) -> list[int]:
    """Move the first ``places`` waitlisted volunteers still active up to signed up (one who
    left or was suspended meanwhile keeps their number and is passed over; their status is
    read share-locked, after any change of it in progress); their ids."""
    rows = await sql.fetch(db, _PROMOTE, {"a": activity_id, "n": places})
    return [int(r["volunteer_id"]) for r in rows]


_UPDATE_SIGNED_UP = sql.compiled(
    sa.update(a).where(a.c.id == _A)
    .values(signed_up=a.c.signed_up + sa.bindparam("d", type_=sa.Integer))
    .returning(a.c.signed_up))


async def update_signed_up(db: Database, *, activity_id: int, delta: int) -> int:
    """Add ``delta`` to the activity's sign-up counter (its CHECK refuses overbooking)."""
    rows = await sql.fetch(db, _UPDATE_SIGNED_UP, {"a": activity_id, "d": delta})
    return int(rows[0]["signed_up"])


v = volunteer
_GET_FIT = sql.compiled(
    sa.select(v.c.status, v.c.insured_until, a.c.requires_insurance,
              sa.cast(sa.func.timezone(CST, sa.func.upper(a.c.time_window)), sa.Date)
              .label("ends_on"),
              a.c.required_skills, v.c.skill_codes)
    .where(a.c.id == _A, v.c.id == _V)
    # The volunteer's row share-locked: a suspension in progress (hub.services.membership)
    # finishes first, so its status is read after it, never a sign-up slipping past it.
    .with_for_update(read=True, of=v))


async def get_fit(db: Database, *, activity_id: int, volunteer_id: int) -> Row | None:
    """What sign-up checks of the volunteer against the activity: their status, insurance
    (``insured_until`` against ``ends_on``, the activity's last day in China time), the
    activity's ``required_skills`` and the volunteer's ``skill_codes``."""
    rows = await sql.fetch(db, _GET_FIT, {"a": activity_id, "v": volunteer_id})
    return rows[0] if rows else None


_DISTANCE = sql.compiled(sa.select(sa.func.ST_Distance(a.c.location, sql.geography(sql.point(
    sa.bindparam("lon", type_=sa.Float), sa.bindparam("lat", type_=sa.Float)))).label("m"))
    .where(a.c.id == _A))


async def get_distance_m(db: Database, *, activity_id: int, lon: float, lat: float) -> float:
    """Metres (WGS-84 spheroid) from a point to the activity's place."""
    rows = await sql.fetch(db, _DISTANCE, {"a": activity_id, "lon": lon, "lat": lat})
    return float(rows[0]["m"])


_CHECK_IN = sql.compiled(
    sa.update(s).where(s.c.activity_id == _A, s.c.volunteer_id == _V)
    .values(status="checked_in", checked_in_at=sa.func.now(),
            check_in_method=sa.bindparam("method", type_=sa.Text),
            check_in_distance_m=sa.bindparam("distance", type_=pg.REAL),
            last_code_step=sa.func.coalesce(sa.bindparam("step", type_=sa.BigInteger),
                                            s.c.last_code_step))
    .returning(*COLUMNS))
_CHECK_OUT = sql.compiled(
    sa.update(s).where(s.c.activity_id == _A, s.c.volunteer_id == _V)
    .values(status="attended", checked_out_at=sa.func.now(),
            last_code_step=sa.func.coalesce(sa.bindparam("step", type_=sa.BigInteger),
                                            s.c.last_code_step))
    .returning(*COLUMNS))


async def update_checked_in(db: Database, *, activity_id: int, volunteer_id: int, method: str,
                            distance_m: float | None, code_step: int | None) -> Row:
    """签到: checked in now, by ``method`` ('code' or 'geofence')."""
    rows = await sql.fetch(db, _CHECK_IN, {"a": activity_id, "v": volunteer_id,
                                           "method": method, "distance": distance_m,
                                           "step": code_step})
    return rows[0]


async def update_checked_out(db: Database, *, activity_id: int, volunteer_id: int,
                             code_step: int | None) -> Row:
    """签退: checked out now; the sign-up is 'attended'."""
    rows = await sql.fetch(db, _CHECK_OUT, {"a": activity_id, "v": volunteer_id,
                                            "step": code_step})
    return rows[0]


_MINE = sql.compiled(
    sa.select(*COLUMNS, _POSITION)
    .where(s.c.volunteer_id == _V,
           s.c.status == sa.any_(sa.bindparam("statuses", type_=pg.ARRAY(sa.Text))),
           s.c.activity_id < sa.bindparam("before", type_=sa.BigInteger))
    .order_by(s.c.activity_id.desc()).limit(sa.bindparam("n", type_=sa.Integer)))


async def list_(db: Database, *, volunteer_id: int, statuses: Sequence[str],
                before_activity: int | None, first: int) -> list[Row]:
    """Up to ``first + 1`` of a volunteer's sign-ups, newest activity first."""
    return await sql.fetch(db, _MINE, {"v": volunteer_id, "statuses": list(statuses),
                                       "before": before_activity or 2**63 - 1, "n": first + 1})


_COUNT = sql.compiled(sa.select(sa.func.count().label("n")).where(
    s.c.volunteer_id == _V,
    s.c.status == sa.any_(sa.bindparam("statuses", type_=pg.ARRAY(sa.Text)))))


async def count(db: Database, *, volunteer_id: int, statuses: Sequence[str]) -> int:
    """How many sign-ups of these statuses a volunteer has."""
    rows = await sql.fetch(db, _COUNT, {"v": volunteer_id, "statuses": list(statuses)})
    return int(rows[0]["n"])


_OPEN = sql.compiled(
    sa.select(s.c.activity_id, s.c.status).select_from(s.join(a, a.c.id == s.c.activity_id))
    .where(s.c.volunteer_id == _V,
           s.c.status == sa.any_(sa.literal(["signed_up", "waitlisted"], pg.ARRAY(sa.Text))),
           sa.func.lower(a.c.time_window) > sa.func.now())
    .order_by(s.c.activity_id))


async def list_open_of_volunteer(db: Database, *, volunteer_id: int) -> list[Row]:
    """A volunteer's places and waitlist entries for activities not yet started."""
    return await sql.fetch(db, _OPEN, {"v": volunteer_id})


# An activity's sign-ups in one order with one key for keyset pages (the console's 签到 list):
# places first (by volunteer), then the waitlist in its order, then cancelled ones.
_ROSTER_KEY = sa.case(
    (s.c.status == "waitlisted", sa.literal(2**50, sa.BigInteger) + s.c.waitlist_no),
    (s.c.status == "cancelled", sa.literal(2**51, sa.BigInteger) + s.c.volunteer_id),
    else_=s.c.volunteer_id).label("roster_key")
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_STATUSES = sa.bindparam("statuses", type_=pg.ARRAY(sa.Text))
_wanted = sa.func.unnest(_IDS).table_valued("id").render_derived(name="wanted")
# One page per activity asked for, in one statement (a LATERAL join over the ids).
_page = (sa.select(*COLUMNS, _POSITION, _ROSTER_KEY)
         .where(s.c.activity_id == _wanted.c.id, s.c.status == sa.any_(_STATUSES),
                sa.bindparam("after", type_=sa.BigInteger) < _ROSTER_KEY)
         .order_by(_ROSTER_KEY).limit(sa.bindparam("n", type_=sa.Integer)).lateral("page"))
_ROSTERS = sql.compiled(sa.select(_page).select_from(_wanted.join(_page, sa.true())))
_ROSTER_COUNTS = sql.compiled(
    sa.select(s.c.activity_id, sa.func.count().label("n"))
    .where(s.c.activity_id == sa.any_(_IDS), s.c.status == sa.any_(_STATUSES))
    .group_by(s.c.activity_id))


async def list_of_activities(db: Database, *, activity_ids: Sequence[int],
                             statuses: Sequence[str], after_key: int | None,
                             first: int) -> list[Row]:
    """Up to ``first + 1`` sign-ups of these statuses of each activity after ``after_key``
    (``roster_key``): places, then the waitlist in its order (``waitlist_position``), then
    cancellations."""
    return await sql.fetch(db, _ROSTERS, {"ids": list(activity_ids), "statuses": list(statuses),
                                          "after": -1 if after_key is None else after_key,
                                          "n": first + 1})


async def count_of_activities(db: Database, *, activity_ids: Sequence[int],
                              statuses: Sequence[str]) -> list[Row]:
    """How many sign-ups of these statuses each activity has (``activity_id``, ``n``; none
    for an activity with none)."""
    return await sql.fetch(db, _ROSTER_COUNTS, {"ids": list(activity_ids),
                                                "statuses": list(statuses)})
