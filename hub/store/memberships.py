"""Statements on memberships over time: ending one (退队, 转队, 退出) into
``membership_history``, a team's past members, the hours served with a team, and a volunteer's
suspensions (``volunteer_status_change``). Current memberships are made by
``hub.store.organizations.create_membership``.

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.records import CONFIRMED, NET
from hub.store.tables import (
    membership,
    membership_history,
    organization,
    service_record,
    volunteer,
    volunteer_status_change,
)

m, h, v, c, r = membership, membership_history, volunteer, volunteer_status_change, service_record
_V = sa.bindparam("v", type_=sa.BigInteger)
_O = sa.bindparam("o", type_=sa.BigInteger)
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
HISTORY_COLUMNS = (h.c.id, h.c.volunteer_id, h.c.organization_id, h.c.role, h.c.joined_at,
                   h.c.left_at, h.c.how, h.c.reason, h.c.left_by)

_LOCK = sql.compiled(
    sa.select(m.c.volunteer_id, m.c.organization_id, m.c.role, m.c.joined_at,
              (organization.c.captain_id == m.c.volunteer_id).label("is_captain"))
    .select_from(m.join(organization, organization.c.id == m.c.organization_id))
    .where(m.c.volunteer_id == _V, m.c.organization_id == _O).with_for_update(of=m))


async def lock(db: Database, *, volunteer_id: int, organization_id: int) -> Row | None:
    """A current membership, locked, with whether the volunteer is the team's captain."""
    rows = await sql.fetch(db, _LOCK, {"v": volunteer_id, "o": organization_id})
    return rows[0] if rows else None


_HOW, _REASON, _BY = (sa.bindparam(n, type_=sa.Text) for n in ("how", "reason", "by"))


def _end(*where: sa.ColumnElement[bool]) -> sql.Compiled:
    ended = sa.delete(m).where(m.c.volunteer_id == _V, *where).returning(
        m.c.volunteer_id, m.c.organization_id, m.c.role, m.c.joined_at).cte("ended")
    return sql.compiled(sa.insert(h).from_select(
        ["volunteer_id", "organization_id", "role", "joined_at", "how", "reason", "left_by"],
        sa.select(ended.c.volunteer_id, ended.c.organization_id, ended.c.role,
                  ended.c.joined_at, _HOW, _REASON, _BY)).returning(*HISTORY_COLUMNS))


_END_ONE = _end(m.c.organization_id == _O)
_END_ALL = _end()


async def delete_membership(db: Database, *, volunteer_id: int, organization_id: int | None,
                            how: str, reason: str, by: str) -> list[Row]:
    """End a membership (``organization_id`` None: every one of the volunteer's), keeping it
    in ``membership_history`` with how, why and by whom; returns the history rows."""
    params = {"v": volunteer_id, "o": organization_id, "how": how, "reason": reason, "by": by}
    return await sql.fetch(db, _END_ALL if organization_id is None else _END_ONE, params)


_NO_CAPTAIN = sql.compiled(sa.update(organization).where(organization.c.captain_id == _V)
                          .values(captain_id=None).returning(organization.c.id))


async def update_captaincies_ended(db: Database, *, volunteer_id: int) -> list[int]:
    """The volunteer captains no team any more (they left the platform); the teams' ids."""
    return [r["id"] for r in await sql.fetch(db, _NO_CAPTAIN, {"v": volunteer_id})]


_wanted = sa.func.unnest(_IDS).table_valued("id").render_derived(name="wanted")
_past = (sa.select(*HISTORY_COLUMNS).where(h.c.organization_id == _wanted.c.id)
         .order_by(h.c.left_at.desc(), h.c.id.desc()).limit(sa.bindparam("limit")).lateral("x"))
_PAST = sql.compiled(sa.select(_past).select_from(_wanted.join(_past, sa.true())))


async def list_past(db: Database, *, organization_ids: Sequence[int], limit: int) -> list[Row]:
    """The latest ``limit`` ended memberships of each team, most recent first."""
    return await sql.fetch(db, _PAST, {"ids": list(organization_ids), "limit": limit})


# A stint: a membership from joined_at until left_at (current ones: until now and on).
# A record counts for a team when served during a stint of the volunteer in it; a record
# served before any stint of the volunteer was recorded (registered or imported earlier, when
# joining was not dated) counts for the team(s) of their earliest stint.
_every_stint = sa.union_all(
    sa.select(m.c.volunteer_id, m.c.organization_id, m.c.joined_at,
              sa.literal(None, type_=h.c.left_at.type).label("left_at")),
    sa.select(h.c.volunteer_id, h.c.organization_id, h.c.joined_at, h.c.left_at))
_stints, _f = _every_stint.subquery("stint"), _every_stint.subquery("f")
_first = (sa.select(sa.func.min(_f.c.joined_at)).where(_f.c.volunteer_id == _stints.c.volunteer_id)
          .scalar_subquery())
_CST = "Asia/Shanghai"


def _day(moment: sa.ColumnElement[object]) -> sa.ColumnElement[object]:
    return sa.cast(sa.func.timezone(_CST, moment), sa.Date)


_during = sa.and_(
    sa.or_(r.c.served_on >= _day(_stints.c.joined_at), _stints.c.joined_at == _first),
    sa.or_(_stints.c.left_at.is_(None), r.c.served_on < _day(_stints.c.left_at)))
_HOURS = sql.compiled(
    sa.select(_stints.c.organization_id,
              sa.func.coalesce(sa.func.sum(NET), 0).label("hours"),
              sa.func.count(sa.distinct(r.c.volunteer_id)).label("volunteers"))
    .select_from(_stints.join(CONFIRMED, r.c.volunteer_id == _stints.c.volunteer_id))
    .where(_stints.c.organization_id == sa.any_(_IDS), r.c.corrects_id.is_(None), _during)
    .group_by(_stints.c.organization_id))


async def list_served_hours(db: Database, *, organization_ids: Sequence[int]) -> list[Row]:
    """Per team: confirmed net hours its members served while members (past members' too,
    up to when they left), and by how many volunteers."""
    return await sql.fetch(db, _HOURS, {"ids": list(organization_ids)})


# -- suspension -------------------------------------------------------------------------------
_LOCK_VOLUNTEER = sql.compiled(sa.select(v.c.id, v.c.status).where(v.c.id == _V)
                               .with_for_update())
_SET_STATUS = sql.compiled(
    sa.insert(c).from_select(
        ["volunteer_id", "from_status", "to_status", "reason", "changed_by"],
        sa.select(v.c.id, v.c.status, sa.bindparam("to", type_=sa.Text), _REASON, _BY)
        .where(v.c.id == _V))
    .returning(c.c.id, c.c.volunteer_id, c.c.from_status, c.c.to_status, c.c.reason,
               c.c.changed_by, c.c.changed_at))
_STATUS_TO = sql.compiled(sa.update(v).where(v.c.id == _V).values(
    status=sa.bindparam("to", type_=sa.Text)))


async def lock_volunteer(db: Database, *, volunteer_id: int) -> str | None:
    """Lock a volunteer's row; their status (None: no such volunteer)."""
    rows = await sql.fetch(db, _LOCK_VOLUNTEER, {"v": volunteer_id})
    return rows[0]["status"] if rows else None


async def update_status(db: Database, *, volunteer_id: int, status: str, reason: str,
                        by: str) -> Row:
    """Move a volunteer between active and suspended, logged with who and why."""
    params = {"v": volunteer_id, "to": status, "reason": reason, "by": by}
    [logged] = await sql.fetch(db, _SET_STATUS, params)
    await sql.fetch(db, _STATUS_TO, params)
    return logged


_CHANGES = sql.compiled(
    sa.select(c.c.id, c.c.volunteer_id, c.c.from_status, c.c.to_status, c.c.reason,
              c.c.changed_by, c.c.changed_at)
    .where(c.c.volunteer_id == _V).order_by(c.c.changed_at.desc(), c.c.id.desc())
    .limit(sa.bindparam("limit")))


async def list_status_changes(db: Database, *, volunteer_id: int, limit: int) -> list[Row]:
    """A volunteer's suspensions and reinstatements, latest first."""
    return await sql.fetch(db, _CHANGES, {"v": volunteer_id, "limit": limit})
