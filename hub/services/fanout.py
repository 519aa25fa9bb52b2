"""The matcher fanned out over the job queue (docs/matching.md, "Fanned out").

The coordinator (:func:`solve_fanned`) splits a problem into parts (hub.matching.fanout: unions
of whole components grouped by county, no volunteer or demand in two parts), stores each part's
problem (match_part), has one ``hub.match_part`` job deferred per part, waits until every part
has its result, assembles one plan (status and gap from the weakest part; the priority-area
floor applied to the whole plan) and deletes the parts. Any number of workers take parts;
:func:`solve_stored_part` is what each job runs. The plan equals ``hub.matching.solve``'s on
the same problem: both solve the same parts the same way.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from hub.matching import Plan, Problem, parse_problem, problem_to_dict
from hub.matching.fanout import assemble, solve_part, split
from hub.services.matching import MatchError
from hub.store import fanout as store
from hub.store.base import Database

#: Defer the job of one part: (fan-out id, part number).
Defer = Callable[[str, int], Awaitable[None]]
POLL_S = 0.2


@dataclass(frozen=True)
class PartDone:
    """How one part went: its size, regions, who solved it and how long it took."""

    part: int
    pairs: int
    regions: tuple[str, ...]
    solved_by: str
    seconds: float


@dataclass(frozen=True)
class Fanned:
    """The assembled plan and its parts."""

    plan: Plan
    parts: tuple[PartDone, ...]


async def solve_fanned(db: Database, problem: Problem, *, defer: Defer,
                       wait_s: float | None = None, poll_s: float = POLL_S,
                       executor: Executor | None = None) -> Fanned:
    """Split, fan out, wait, assemble. ``wait_s`` (default: the time limit once per part, and
    a minute) bounds the wait for the workers; beyond it the parts are deleted and a
    FANOUT_TIMEOUT error raised."""
    loop = asyncio.get_running_loop()
    whole = await loop.run_in_executor(executor, split, problem)
    n = len(whole.parts)
    fanout_id = str(uuid.uuid4())
    docs = [problem_to_dict(p.problem) for p in whole.parts]
    async with db.transaction() as tx:
        for k, (part, doc) in enumerate(zip(whole.parts, docs, strict=True)):
            await store.create(tx, fanout_id=fanout_id, part=k, parts=n, regions=part.regions,
                               pairs=part.pairs, quantum=whole.quantum, problem=doc)
    try:
        for k in range(n):
            await defer(fanout_id, k)
        limit = wait_s if wait_s is not None else problem.options.time_limit_s * n + 60
        deadline = time.monotonic() + limit
        while (await store.count_done(db, fanout_id=fanout_id))[0] < n:
            if time.monotonic() > deadline:
                raise MatchError(
                    "fanout", f"the workers did not solve all {n} parts within {limit:g} s "
                    "(is `hub worker` running?)", "FANOUT_TIMEOUT",
                    f"工作进程未在 {limit:g} 秒内完成全部 {n} 个分片（是否已运行 hub worker？）")
            await asyncio.sleep(poll_s)
        rows = await store.list_(db, fanout_id=fanout_id)
        results = [r["result"] for r in rows]
        plan = await loop.run_in_executor(executor, assemble, whole, results)
    finally:
        await store.delete(db, fanout_id=fanout_id)
    done = tuple(PartDone(r["part"], r["pairs"], tuple(r["regions"]), r["solved_by"] or "",
                          float(r["result"].get("seconds", 0.0))) for r in rows)
    return Fanned(plan, done)


async def solve_stored_part(db: Database, *, fanout_id: str, part: int, solved_by: str,
                            executor: Executor | None = None) -> str:
    """Solve one stored part and record its result (a job's work). Idempotent: a part already
    solved, or gone (its coordinator gave up), is left alone. Says what it did."""
    row = await store.get(db, fanout_id=fanout_id, part=part)
    if row is None:
        return "gone"
    if row["result"] is not None:
        return "solved already"
    problem = parse_problem(row["problem"])
    loop = asyncio.get_running_loop()
    result: dict[str, Any] = await loop.run_in_executor(executor, solve_part, problem,
                                                        float(row["quantum"]))
    stored = await store.update_result(db, fanout_id=fanout_id, part=part, result=result,
                                       solved_by=solved_by)
    return "solved" if stored else "solved already"
