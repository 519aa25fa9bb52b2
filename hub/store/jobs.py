"""Statements on the job queue's errors (job_error, migration 0024) and its jobs' states.

Jobs themselves are procrastinate's (deferred, fetched, retried through its public API in
``hub.jobs``); the one statement here on its ``procrastinate_jobs`` table reads the
documented ``status`` column, for ``/metrics``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import job_error

T = TypeVar("T")
ERROR_MAX_CHARS = 4000
"""An error is kept up to this many characters (its end: a traceback's last lines say most)."""

e = job_error
_jobs = sa.table("procrastinate_jobs", sa.column("status", sa.Text))
_ins = pg.insert(e).values(job_id=sa.bindparam("job_id", type_=sa.BigInteger),
                           attempt=sa.bindparam("attempt", type_=sa.Integer),
                           error=sa.bindparam("error", type_=sa.Text))
_CREATE = sql.compiled(_ins.on_conflict_do_update(
    index_elements=[e.c.job_id, e.c.attempt],
    set_={"error": _ins.excluded.error, "failed_at": sa.func.now()}).returning(e.c.job_id))
_LAST = sql.compiled(
    sa.select(e.c.job_id, e.c.attempt, e.c.error, e.c.failed_at)
    .ext(pg.distinct_on(e.c.job_id))
    .where(e.c.job_id == sa.func.any(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))))
    .order_by(e.c.job_id, e.c.attempt.desc()))
_BY_STATUS = sql.compiled(
    sa.select(sa.cast(_jobs.c.status, sa.Text).label("status"), sa.func.count().label("n"))
    .group_by(_jobs.c.status))


def trimmed(error: str) -> str:
    """``error`` as kept: never empty, at most :data:`ERROR_MAX_CHARS` (its end)."""
    error = error.strip() or "(no message)"
    return error if len(error) <= ERROR_MAX_CHARS else "…" + error[-(ERROR_MAX_CHARS - 1):]


async def create_error(db: Database, *, job_id: int, attempt: int, error: str) -> None:
    """Record why ``attempt`` (1 for the first try) of job ``job_id`` failed."""
    await sql.fetch(db, _CREATE, {"job_id": job_id, "attempt": attempt,
                                  "error": trimmed(error)})


async def list_last_errors(db: Database, *, job_ids: Sequence[int]) -> dict[int, Row]:
    """The last recorded error of each of ``job_ids`` that has one, by job id."""
    rows = await sql.fetch(db, _LAST, {"ids": list(job_ids)})
    return {row["job_id"]: row for row in rows}


async def count_by_status(db: Database) -> dict[str, int]:
    """How many jobs the queue holds in each state (``todo``, ``doing``, ``failed``…)."""
    return {row["status"]: int(row["n"]) for row in await sql.fetch(db, _BY_STATUS)}


async def create_jobs(tx: Database, *, defer: Callable[[Any], Awaitable[T]]) -> T:
    """Create jobs in the transaction ``tx``: ``defer`` (procrastinate's defer, from the job
    queue) is given the transaction's raw connection, so the jobs commit or roll back with
    it (procrastinate's ``configure(connection=…)``)."""
    async with tx.connection() as conn:
        return await defer(conn)
