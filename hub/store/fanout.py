"""Statements on the matcher's fanned-out parts (match_part, migrations 0035 and 0039)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import match_part

m = match_part
#: Announces a part's result at commit (sql/0039's trigger): {"fanoutId", "part"}.
SOLVED_CHANNEL = "hub_match_part"
_FANOUT = sa.bindparam("fanout", type_=pg.UUID)
_PART = sa.bindparam("part", type_=sa.Integer)
_CREATE = sql.compiled(sa.insert(m).values(
    fanout_id=_FANOUT, part=_PART, parts=sa.bindparam("parts", type_=sa.Integer),
    regions=sa.bindparam("regions", type_=pg.ARRAY(sa.Text)),
    pairs=sa.bindparam("pairs", type_=sa.Integer),
    quantum=sa.bindparam("quantum", type_=pg.DOUBLE_PRECISION),
    kernel=sa.bindparam("kernel", type_=pg.BYTEA), options=sa.bindparam("options"),
    created_at=sa.func.now(), give_up_at=sa.func.now() + sa.func.make_interval(
        0, 0, 0, 0, 0, 0, sa.bindparam("wait_s", type_=pg.DOUBLE_PRECISION)))
    .returning(m.c.part))
# A worker takes a part: marks when, and reads it (nothing once solved or gone).
_TAKE = sql.compiled(sa.update(m).where(m.c.fanout_id == _FANOUT, m.c.part == _PART,
                                        m.c.result.is_(None))
                     .values(started_at=sa.func.clock_timestamp())
                     .returning(m.c.part, m.c.kernel, m.c.options))
# A result is written once: a retried job whose first try did finish changes nothing.
_RESULT = sql.compiled(sa.update(m).where(m.c.fanout_id == _FANOUT, m.c.part == _PART,
                                          m.c.result.is_(None))
                       .values(result=sa.bindparam("result"),
                               solved_by=sa.bindparam("by", type_=sa.Text),
                               finished_at=sa.func.clock_timestamp()).returning(m.c.part))
_RESULTS = sql.compiled(sa.select(
    m.c.part, m.c.parts, m.c.regions, m.c.pairs, m.c.result, m.c.solved_by,
    (sa.extract("epoch", m.c.started_at - m.c.created_at)).label("queued_s"),
    (sa.extract("epoch", m.c.finished_at - m.c.started_at)).label("taken_s"))
                        .where(m.c.fanout_id == _FANOUT).order_by(m.c.part))
_PROGRESS = sql.compiled(sa.select(sa.func.count(m.c.finished_at).label("done"),
                                   sa.func.count(m.c.started_at).label("started"),
                                   sa.func.count().label("parts"))
                         .where(m.c.fanout_id == _FANOUT))
# procrastinate's workers beat every few seconds (its own table; read, never written, here).
_workers = sa.table("procrastinate_workers", sa.column("last_heartbeat", sa.DateTime(True)))
_LIVE = sql.compiled(sa.select(sa.func.count().label("live")).select_from(_workers).where(
    _workers.c.last_heartbeat > sa.func.now() - sa.func.make_interval(
        0, 0, 0, 0, 0, 0, sa.bindparam("within_s", type_=pg.DOUBLE_PRECISION))))
_DELETE = sql.compiled(sa.delete(m).where(m.c.fanout_id == _FANOUT).returning(m.c.part))
# Left-overs of coordinators that died: parts past their coordinator's give-up time (it
# deletes its own parts then) by more than a grace.
_DELETE_ORPHANS = sql.compiled(sa.delete(m).where(
    m.c.give_up_at < sa.func.now() - sa.func.make_interval(
        0, 0, 0, 0, 0, 0, sa.bindparam("grace_s", type_=pg.DOUBLE_PRECISION)))
    .returning(m.c.part))


async def create(db: Database, *, fanout_id: str, part: int, parts: int,
                 regions: Sequence[str], pairs: int, quantum: float, kernel: bytes,
                 options: dict[str, Any], wait_s: float) -> None:
    """Store one part's kernel and options (no result yet); its coordinator gives up after
    ``wait_s``."""
    await sql.fetch(db, _CREATE, {"fanout": fanout_id, "part": part, "parts": parts,
                                  "regions": list(regions), "pairs": pairs,
                                  "quantum": quantum, "kernel": kernel,
                                  "options": Jsonb(options), "wait_s": wait_s})


async def update_taken(db: Database, *, fanout_id: str, part: int) -> Row | None:
    """Mark a part taken now and return its kernel and options; None when it is solved
    already or gone."""
    rows = await sql.fetch(db, _TAKE, {"fanout": fanout_id, "part": part})
    return rows[0] if rows else None


async def update_result(db: Database, *, fanout_id: str, part: int, result: dict[str, Any],
                        solved_by: str) -> bool:
    """Record a part's result; False when it was recorded already (or the part is gone)."""
    rows = await sql.fetch(db, _RESULT, {"fanout": fanout_id, "part": part,
                                         "result": Jsonb(result), "by": solved_by})
    return bool(rows)


async def count_progress(db: Database, *, fanout_id: str) -> tuple[int, int, int]:
    """(parts with a result, parts taken by a worker, parts) of a fan-out."""
    rows = await sql.fetch(db, _PROGRESS, {"fanout": fanout_id})
    return int(rows[0]["done"]), int(rows[0]["started"]), int(rows[0]["parts"])


async def count_live_workers(db: Database, *, within_s: float) -> int:
    """Job-queue workers (any queue) whose heartbeat is at most ``within_s`` seconds old."""
    rows = await sql.fetch(db, _LIVE, {"within_s": within_s})
    return int(rows[0]["live"])


async def list_(db: Database, *, fanout_id: str) -> list[Row]:
    """Every part of a fan-out with its result, in part order; ``queued_s`` (created to
    taken) and ``taken_s`` (taken to solved) in seconds, None while unknown."""
    return await sql.fetch(db, _RESULTS, {"fanout": fanout_id})


async def delete_parts(db: Database, *, fanout_id: str) -> int:
    """Remove a fan-out's parts; how many."""
    return len(await sql.fetch(db, _DELETE, {"fanout": fanout_id}))


async def delete_orphans(db: Database, *, grace_s: float) -> int:
    """Remove the parts whose coordinator gave up more than ``grace_s`` seconds ago (a live
    coordinator deletes its own parts when it gives up: these are a dead one's); how many."""
    return len(await sql.fetch(db, _DELETE_ORPHANS, {"grace_s": grace_s}))
