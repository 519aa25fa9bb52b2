"""Statements on the settings a region keeps for the programme (``region_setting``, sql/0018);
the auto-confirm deadlines of pending records that follow from them are
:mod:`hub.store.records`' (sql/0023).

A NULL setting is inherited from the nearest ancestor that sets it (``hub_region_setting``),
else the hub's default applies. Built with SQLAlchemy Core on :mod:`hub.store.tables` and run
by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import region, region_setting

SETTINGS = ("claims_need_approval", "record_auto_confirm_hours", "escalate_before_hours")
"""The columns of ``region_setting`` a caller may set (NULL: inherit)."""
s = region_setting
_CODE = sa.bindparam("code", type_=sa.Text)

_up = (sa.select(region.c.code, region.c.parent_code, sa.literal(0).label("depth"))
       .where(region.c.code == _CODE).cte("up", recursive=True))
_parent = region.alias("parent")
_up = _up.union_all(
    sa.select(_parent.c.code, _parent.c.parent_code, (_up.c.depth + 1).label("depth"))
    .select_from(_up.join(_parent, _parent.c.code == _up.c.parent_code)))
_CHAIN = sql.compiled(
    sa.select(_up.c.code, _up.c.depth, *(s.c[name] for name in SETTINGS), s.c.updated_at,
              s.c.updated_by)
    .select_from(_up.outerjoin(s, s.c.region_code == _up.c.code)).order_by(_up.c.depth))


async def list_chain(db: Database, *, region_code: str) -> list[Row]:
    """The region and its ancestors, nearest first, each with its own settings (NULL where it
    sets none); empty when the region is unknown."""
    return await sql.fetch(db, _CHAIN, {"code": region_code})


async def update(db: Database, *, region_code: str, values: dict[str, Any], by: str) -> None:
    """Set some of a region's :data:`SETTINGS` (None: inherit again), creating its row."""
    given = {k: v for k, v in values.items() if k in SETTINGS}
    insert = pg.insert(s).values(region_code=region_code, updated_by=by, **given)
    await sql.fetch(db, insert.on_conflict_do_update(
        index_elements=[s.c.region_code],
        set_={**{k: insert.excluded[k] for k in given}, "updated_at": sa.func.now(),
              "updated_by": insert.excluded.updated_by}))
