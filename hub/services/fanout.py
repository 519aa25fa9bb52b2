"""The matcher fanned out over the job queue (docs/matching.md, "Fanned out").

The coordinator (:func:`solve_fanned`) splits a problem into parts (hub.matching.fanout: unions
of whole components grouped by county, no volunteer or demand in two parts), stores each part's
kernel (match_part: the engine's arrays for its pairs, hub.matching.kernel), has one
``hub.match_part`` job deferred per part, waits (LISTEN hub_match_part, a poll as the safety
net) until every part has its result, assembles one plan (status and gap from the weakest part;
the priority-area floor applied to the whole plan) and deletes the parts. Any number of
workers take parts; :func:`solve_stored_part` is what each job runs. The plan equals
``hub.matching.solve``'s on the same problem: both solve the same parts the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Any

from hub.matching import Plan, Problem
from hub.matching.fanout import Split, assemble, options_from_dict, options_to_dict, solve_part
from hub.matching.fanout import split as split_problem
from hub.matching.kernel import from_bytes, to_bytes
from hub.services.events import Listener, conninfo_of
from hub.services.matching import MatchError, solve_in
from hub.store import fanout as store
from hub.store.base import Database

#: Defer the job of one part: (fan-out id, part number).
Defer = Callable[[str, int], Awaitable[None]]
#: How often the coordinator looks again when no result was announced (a safety net).
POLL_S = 1.0
#: Parts left this long past their coordinator's give-up time are a dead one's (sweep step).
ORPHAN_GRACE_S = 300.0
#: The preview's choice: a worker is alive when it beat this recently (procrastinate beats
#: every 10 s), and it must take a part this soon, else the preview solves in process.
LIVE_S = 30.0
PICKUP_S = 5.0


@dataclass(frozen=True)
class PartDone:
    """How one part went: its size, regions, who solved it, the worker's solve (wall and
    process CPU seconds), and its time in the queue (deferred to taken) and taken (to solved,
    reading and writing included)."""

    part: int
    pairs: int
    regions: tuple[str, ...]
    solved_by: str
    seconds: float
    cpu_s: float
    queued_s: float
    taken_s: float


@dataclass
class Phases:
    """The coordinator's phases: name -> (wall seconds, this process's CPU seconds)."""

    spent: dict[str, tuple[float, float]] = field(default_factory=dict)
    _wall: float = field(default_factory=time.perf_counter)
    _cpu: float = field(default_factory=time.process_time)

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.spent[name] = (wall - self._wall, cpu - self._cpu)
        self._wall, self._cpu = wall, cpu


@dataclass(frozen=True)
class Fanned:
    """The assembled plan, its parts and the coordinator's phases."""

    plan: Plan
    parts: tuple[PartDone, ...]
    phases: dict[str, tuple[float, float]]


def _cut(problem: Problem) -> tuple[Split, list[bytes]]:
    whole = split_problem(problem)
    return whole, [to_bytes(p.kernel) for p in whole.parts]


@contextlib.asynccontextmanager
async def _announced(db: Database, fanout_id: str) -> AsyncIterator[
        Callable[[float], Awaitable[None]]]:
    """While open: a wait for the next result of ``fanout_id`` announced on hub_match_part,
    at most the given seconds (LISTENing before any job is deferred, so none is missed)."""
    listener = Listener(await conninfo_of(db), store.SOLVED_CHANNEL)
    try:
        async with listener.subscribe(wants=lambda e: e.get("fanoutId") == fanout_id) as queue:
            async def heard(timeout_s: float) -> None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.get(), timeout_s)
            yield heard
    finally:
        await listener.close()


def _timed_out(n: int, limit: float) -> MatchError:
    return MatchError("fanout", f"the workers did not solve all {n} parts within {limit:g} s "
                      "(is `hub worker` running?)", "FANOUT_TIMEOUT",
                      f"工作进程未在 {limit:g} 秒内完成全部 {n} 个分片（是否已运行 hub worker？）")


def _not_taken(pickup_s: float) -> MatchError:
    return MatchError("fanout", f"no worker took a part within {pickup_s:g} s",
                      "FANOUT_NO_WORKER", f"{pickup_s:g} 秒内没有工作进程领取分片")


async def solve_fanned(db: Database, problem: Problem, *, defer: Defer,
                       wait_s: float | None = None, poll_s: float = POLL_S,
                       pickup_s: float | None = None,
                       executor: Executor | None = None) -> Fanned:
    """Split, fan out, wait, assemble. ``wait_s`` (default: the time limit once per part, and
    a minute) bounds the wait for the workers; beyond it the parts are deleted and a
    FANOUT_TIMEOUT error raised. With ``pickup_s``, no part taken by then raises
    FANOUT_NO_WORKER (the parts deleted: a job finding its part gone does nothing)."""
    clock = Phases()
    loop = asyncio.get_running_loop()
    whole, kernels = await loop.run_in_executor(executor, _cut, problem)
    clock.lap("split")
    n = len(whole.parts)
    limit = wait_s if wait_s is not None else problem.options.time_limit_s * n + 60
    fanout_id = str(uuid.uuid4())
    options = options_to_dict(problem.options)
    async with db.transaction() as tx:
        for k, (part, kernel) in enumerate(zip(whole.parts, kernels, strict=True)):
            await store.create(tx, fanout_id=fanout_id, part=k, parts=n, regions=part.regions,
                               pairs=part.pairs, quantum=whole.quantum, kernel=kernel,
                               options=options, wait_s=limit)
    clock.lap("store")
    try:
        async with _announced(db, fanout_id) as heard:
            for k in range(n):
                await defer(fanout_id, k)
            clock.lap("defer")
            now = time.monotonic()
            deadline, pickup = now + limit, now + (pickup_s if pickup_s is not None else limit)
            while True:
                solved, started, _n = await store.count_progress(db, fanout_id=fanout_id)
                now = time.monotonic()
                if solved == n:
                    break
                if now > deadline:
                    raise _timed_out(n, limit)
                if pickup_s is not None and started == 0 and now > pickup:
                    raise _not_taken(pickup_s)
                soonest = pickup if started == 0 else deadline
                await heard(min(poll_s, max(soonest - now, 0.01)))
        clock.lap("wait")
        rows = await store.list_(db, fanout_id=fanout_id)
        plan = await loop.run_in_executor(executor, assemble, whole, [r["result"] for r in rows])
    finally:
        await store.delete_parts(db, fanout_id=fanout_id)
    clock.lap("assemble")
    done = tuple(PartDone(r["part"], r["pairs"], tuple(r["regions"]), r["solved_by"] or "",
                          float(r["result"].get("seconds", 0.0)),
                          float(r["result"].get("cpuSeconds", 0.0)),
                          float(r["queued_s"] or 0.0), float(r["taken_s"] or 0.0))
                 for r in rows)
    return Fanned(plan, done, clock.spent)


def _noted(plan: Plan, fanout: str) -> Plan:
    return replace(plan, stats=replace(plan.stats, fanout=fanout))


def wants_workers(problem: Problem, min_demands: int) -> bool:
    """Whether a preview of ``problem`` should try the workers (HUB_MATCH_FANOUT_MIN_DEMANDS;
    0 or less: never)."""
    return 0 < min_demands <= len(problem.demands)


async def solve_chosen(db: Database, problem: Problem, *, defer: Defer, min_demands: int,
                       executor: Executor | None = None, pickup_s: float = PICKUP_S) -> Plan:
    """The dispatch preview's solver: in process below ``min_demands`` demands; else fanned
    out when a job-queue worker is alive and one takes a part within ``pickup_s``, else in
    process. Past the threshold, ``stats.fanout`` says which and why."""
    if not wants_workers(problem, min_demands):
        return await solve_in(executor, problem)
    why = "in process: no hub worker alive"
    if await store.count_live_workers(db, within_s=LIVE_S) > 0:
        try:
            fanned = await solve_fanned(db, problem, defer=defer, executor=executor,
                                        pickup_s=pickup_s)
        except MatchError as exc:
            if exc.code != "FANOUT_NO_WORKER":
                raise
            why = f"in process: no worker took a part within {pickup_s:g} s"
        else:
            by = len({p.solved_by for p in fanned.parts})
            return _noted(fanned.plan, f"workers: {len(fanned.parts)} parts on {by} worker(s)")
    return _noted(await solve_in(executor, problem), why)


def _solve_blob(kernel: bytes, options: dict[str, Any]) -> dict[str, Any]:
    return solve_part(from_bytes(kernel), options_from_dict(options))


async def solve_stored_part(db: Database, *, fanout_id: str, part: int, solved_by: str,
                            executor: Executor | None = None) -> str:
    """Solve one stored part and record its result (a job's work). Idempotent: a part already
    solved, or gone (its coordinator gave up), is left alone. Says what it did."""
    row = await store.update_taken(db, fanout_id=fanout_id, part=part)
    if row is None:
        return "gone or solved already"
    loop = asyncio.get_running_loop()
    result: dict[str, Any] = await loop.run_in_executor(executor, _solve_blob, row["kernel"],
                                                        row["options"])
    stored = await store.update_result(db, fanout_id=fanout_id, part=part, result=result,
                                       solved_by=solved_by)
    return "solved" if stored else "solved already"


async def delete_orphans(db: Database, *, grace_s: float = ORPHAN_GRACE_S) -> int:
    """Delete the parts of coordinators that died (past their give-up time by ``grace_s``);
    how many (the sweep step ``match_parts``)."""
    async with db.transaction() as tx:
        return await store.delete_orphans(tx, grace_s=grace_s)
