"""Statements on the matcher's fanned-out parts (match_part, migration 0035)."""

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
_FANOUT = sa.bindparam("fanout", type_=pg.UUID)
_PART = sa.bindparam("part", type_=sa.Integer)
_CREATE = sql.compiled(sa.insert(m).values(
    fanout_id=_FANOUT, part=_PART, parts=sa.bindparam("parts", type_=sa.Integer),
    regions=sa.bindparam("regions", type_=pg.ARRAY(sa.Text)),
    pairs=sa.bindparam("pairs", type_=sa.Integer),
    quantum=sa.bindparam("quantum", type_=pg.DOUBLE_PRECISION),
    problem=sa.bindparam("problem"), created_at=sa.func.now()).returning(m.c.part))
_GET = sql.compiled(sa.select(m.c.part, m.c.parts, m.c.quantum, m.c.problem, m.c.result)
                    .where(m.c.fanout_id == _FANOUT, m.c.part == _PART))
# A result is written once: a retried job whose first try did finish changes nothing.
_RESULT = sql.compiled(sa.update(m).where(m.c.fanout_id == _FANOUT, m.c.part == _PART,
                                          m.c.result.is_(None))
                       .values(result=sa.bindparam("result"),
                               solved_by=sa.bindparam("by", type_=sa.Text),
                               finished_at=sa.func.now()).returning(m.c.part))
_RESULTS = sql.compiled(sa.select(m.c.part, m.c.parts, m.c.regions, m.c.pairs, m.c.result,
                                  m.c.solved_by, m.c.created_at, m.c.finished_at)
                        .where(m.c.fanout_id == _FANOUT).order_by(m.c.part))
_COUNT_DONE = sql.compiled(sa.select(sa.func.count(m.c.finished_at).label("done"),
                                     sa.func.count().label("parts"))
                           .where(m.c.fanout_id == _FANOUT))
_DELETE = sql.compiled(sa.delete(m).where(m.c.fanout_id == _FANOUT).returning(m.c.part))


async def create(db: Database, *, fanout_id: str, part: int, parts: int,
                 regions: Sequence[str], pairs: int, quantum: float,
                 problem: dict[str, Any]) -> None:
    """Store one part's problem (no result yet)."""
    await sql.fetch(db, _CREATE, {"fanout": fanout_id, "part": part, "parts": parts,
                                  "regions": list(regions), "pairs": pairs,
                                  "quantum": quantum, "problem": Jsonb(problem)})


async def get(db: Database, *, fanout_id: str, part: int) -> Row | None:
    """One part: its problem, quantum and result (None while unsolved)."""
    rows = await sql.fetch(db, _GET, {"fanout": fanout_id, "part": part})
    return rows[0] if rows else None


async def update_result(db: Database, *, fanout_id: str, part: int, result: dict[str, Any],
                        solved_by: str) -> bool:
    """Record a part's result; False when it was recorded already (or the part is gone)."""
    rows = await sql.fetch(db, _RESULT, {"fanout": fanout_id, "part": part,
                                         "result": Jsonb(result), "by": solved_by})
    return bool(rows)


async def count_done(db: Database, *, fanout_id: str) -> tuple[int, int]:
    """(parts with a result, parts) of a fan-out."""
    rows = await sql.fetch(db, _COUNT_DONE, {"fanout": fanout_id})
    return int(rows[0]["done"]), int(rows[0]["parts"])


async def list_(db: Database, *, fanout_id: str) -> list[Row]:
    """Every part of a fan-out with its result, in part order."""
    return await sql.fetch(db, _RESULTS, {"fanout": fanout_id})


async def delete(db: Database, *, fanout_id: str) -> int:
    """Remove a fan-out's parts; how many."""
    return len(await sql.fetch(db, _DELETE, {"fanout": fanout_id}))
