"""Statements on fixed-window rate limits (rate_limit, migration 0014).

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database
from hub.store.tables import rate_limit

STALE_AFTER_S = 2 * 86400
"""Windows older than this are deleted, a few at a time, whenever a new window opens."""

r = rate_limit
_WINDOW_S = sa.bindparam("w", type_=sa.Integer)
_EPOCH_S = sa.extract("epoch", sa.func.now())
# The window a hit falls in starts at the last multiple of the window's length since the epoch.
_HIT = sql.compiled(pg.insert(r).values(
    bucket=sa.bindparam("b", type_=sa.Text),
    window_start=sa.func.to_timestamp(sa.func.floor(_EPOCH_S / _WINDOW_S) * _WINDOW_S),
    hits=1,
).on_conflict_do_update(index_elements=[r.c.bucket, r.c.window_start],
                        set_={"hits": r.c.hits + 1}).returning(
    r.c.hits, sa.cast(sa.extract("epoch", r.c.window_start + sql.seconds(_WINDOW_S)
                                 - sa.func.now()), pg.DOUBLE_PRECISION).label("left_s")))
_old = rate_limit.alias("stale")
_PRUNE = sql.compiled(sa.delete(r).where(sa.tuple_(r.c.bucket, r.c.window_start).in_(
    sa.select(_old.c.bucket, _old.c.window_start).where(
        _old.c.window_start < sa.func.now() - sql.seconds(sa.bindparam("s", type_=sa.Integer)))
    .limit(100))))


async def update_hits(db: Database, *, bucket: str, window_s: int) -> tuple[int, float]:
    """Count one hit in ``bucket``'s current window: (hits so far, seconds the window has left).

    One upsert, so concurrent hits from any number of processes are all counted.
    """
    rows = await sql.fetch(db, _HIT, {"b": bucket, "w": window_s})
    hits, left_s = int(rows[0]["hits"]), float(rows[0]["left_s"])
    if hits == 1:
        await sql.fetch(db, _PRUNE, {"s": STALE_AFTER_S})
    return hits, left_s
