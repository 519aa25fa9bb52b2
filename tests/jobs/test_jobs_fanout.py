"""Matching fanned out over the job queue (issue 17.3, docs/matching.md "Fanned out"): the
parts of a county-grouped problem solved by two real in-process workers (as `hub worker`
runs them) against the test database, assembled by the coordinator (woken by LISTEN, not by
its poll), equal the single-process plan; a fan-out with no worker times out with a coded
error and leaves no part behind; a part's job run twice records one result; a dead
coordinator's parts are swept, a live one's are not; a broken kernel is refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import procrastinate
import psycopg
import pytest

from bench.bench_matching_data import henan_problem
from hub.jobs.fanout import MATCH_QUEUE, deferring
from hub.matching import Options, Plan, plan_to_dict, solve
from hub.matching import parts as matching_parts
from hub.matching.fanout import options_to_dict, split
from hub.matching.kernel import from_bytes, to_bytes
from hub.matching.problem import ProblemError
from hub.services import fanout, sweeps
from hub.services.matching import MatchError
from hub.settings import Settings
from hub.store import fanout as store
from tests.jobs.conftest import a_worker, running


def _problem(rate: float | None = None) -> Any:
    """About 4,600 pairs over 40 county seats on two days, capacities up to 3 and whole-day
    windows (so some components need CP-SAT): three parts at 2,000 pairs a part."""
    return henan_problem(4000, 800, capacity_max=3, full_days=True, n_seats=40, days=2,
                         seed=7, regions=True,
                         options=Options(time_limit_s=120, priority_min_fill_rate=rate))


def _comparable(plan: Plan) -> dict[str, Any]:
    doc = plan_to_dict(plan)
    doc["stats"].pop("seconds")
    doc["stats"].pop("timings")
    return doc


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching_parts, "PART_PAIRS", 2000)


async def _left(url: str) -> int:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute("SELECT count(*) FROM match_part")
        row = await cur.fetchone()
        assert row is not None
        return int(row[0])


@pytest.mark.parametrize("rate", [None, 0.95])
async def test_fanned_out_plan_equals_the_single_process_plan(
        empty_queue: str, fast: Settings, small_parts: None, rate: float | None) -> None:
    problem = _problem(rate)
    single = solve(problem)
    assert single.stats.status == "OPTIMAL"
    assert single.stats.components["cpSat"] > 0  # CP-SAT's parts are compared too
    assert single.stats.components["parts"] >= 3
    async with (a_worker(empty_queue, fast, periodic=False) as one,
                a_worker(empty_queue, fast, periodic=False) as two,
                running(one.run(name="one", concurrency=1), two.run(name="two", concurrency=1))):
        # A minute between polls: the coordinator hears each result announced (LISTEN).
        fanned = await fanout.solve_fanned(one.resources.db, problem, defer=deferring(one.app),
                                           poll_s=60, wait_s=120)
    assert _comparable(fanned.plan) == _comparable(single)
    assert len(fanned.parts) == single.stats.components["parts"]
    assert {p.solved_by for p in fanned.parts} <= {"one", "two"}
    assert all(p.queued_s >= 0 and p.taken_s >= p.seconds > 0 for p in fanned.parts)
    assert fanned.phases["wait"][0] < 50, fanned.phases  # not a poll's minute
    assert list(fanned.phases) == ["split", "store", "defer", "wait", "assemble"]
    assert await _left(empty_queue) == 0


async def test_parts_share_no_volunteer_and_no_demand(small_parts: None) -> None:
    whole = split(_problem(0.95))
    pairs = whole.prep.pairs
    vols = [v for idx in whole.idx for v in np.unique(pairs.v[idx]).tolist()]
    dems = [d for idx in whole.idx for d in np.unique(pairs.d[idx]).tolist()]
    assert len(vols) == len(set(vols)) and len(dems) == len(set(dems))
    assert [p.kernel.n_vol for p in whole.parts] == [np.unique(pairs.v[i]).size
                                                     for i in whole.idx]
    sizes = sorted(p.pairs for p in whole.parts)
    assert sizes[-1] < 2 * sizes[0]  # packed to balanced sizes
    assert options_to_dict(whole.problem.options)["priorityMinFillRate"] is None


def test_a_kernel_travels_intact_and_a_broken_one_is_refused(small_parts: None) -> None:
    kernel = split(_problem()).parts[0].kernel
    back = from_bytes(to_bytes(kernel))
    for name in ("v_cap", "d_need", "d_start", "d_end", "d_prio", "p_int", "cost_m"):
        assert np.array_equal(getattr(back, name), getattr(kernel, name)), name
    assert np.array_equal(back.pairs.v, kernel.pairs.v)
    assert np.array_equal(back.pairs.d, kernel.pairs.d)
    with pytest.raises(ProblemError, match="not a part's kernel"):
        from_bytes(b"not an npz")
    bad = replace(kernel, v_cap=kernel.v_cap[:1])  # pairs name volunteers it no longer has
    with pytest.raises(ProblemError, match="outside the part"):
        from_bytes(to_bytes(bad))


async def test_no_worker_times_out_and_leaves_nothing(
        empty_queue: str, fast: Settings, small_parts: None) -> None:
    # Deferred through a bare app, as `hub match --fanout` does: the job names its queue.
    bare = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=empty_queue))
    async with a_worker(empty_queue, fast, periodic=False) as one, bare.open_async():
        with pytest.raises(MatchError) as caught:
            await fanout.solve_fanned(one.resources.db, _problem(), defer=deferring(bare),
                                      poll_s=0.05, wait_s=0.5)
    assert caught.value.code == "FANOUT_TIMEOUT"
    assert "hub worker" in caught.value.message and caught.value.message_zh
    assert await _left(empty_queue) == 0
    async with await psycopg.AsyncConnection.connect(empty_queue) as conn:
        cur = await conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE queue_name = %s",
                                 (MATCH_QUEUE,))
        row = await cur.fetchone()
    assert row is not None and row[0] == 3  # deferred; a worker finding no part does nothing


async def _store_first_part(db: Any, fanout_id: str, *, wait_s: float) -> None:
    """Part 0 of the test problem stored as fan-out ``fanout_id`` of one part."""
    whole = split(_problem())
    part = whole.parts[0]
    await store.create(db, fanout_id=fanout_id, part=0, parts=1, regions=part.regions,
                       pairs=part.pairs, quantum=whole.quantum, kernel=to_bytes(part.kernel),
                       options=options_to_dict(whole.problem.options), wait_s=wait_s)


async def test_a_part_solved_twice_records_one_result(
        empty_queue: str, fast: Settings, small_parts: None) -> None:
    async with a_worker(empty_queue, fast, periodic=False) as one:
        db = one.resources.db
        await _store_first_part(db, "00000000-0000-4000-8000-000000000017", wait_s=60)
        said = [await fanout.solve_stored_part(
            db, fanout_id="00000000-0000-4000-8000-000000000017", part=0, solved_by=name)
            for name in ("a", "b")]
        rows = await store.list_(db, fanout_id="00000000-0000-4000-8000-000000000017")
        gone = await fanout.solve_stored_part(
            db, fanout_id="00000000-0000-4000-8000-000000000018", part=0, solved_by="c")
        await store.delete_parts(db, fanout_id="00000000-0000-4000-8000-000000000017")
    assert said == ["solved", "gone or solved already"]
    assert rows[0]["solved_by"] == "a" and gone == "gone or solved already"


async def test_a_dead_coordinators_parts_are_swept(
        empty_queue: str, fast: Settings, small_parts: None) -> None:
    async with a_worker(empty_queue, fast, periodic=False) as one:
        db = one.resources.db
        for fanout_id, wait_s in (("00000000-0000-4000-8000-0000000000d1", -400.0),
                                  ("00000000-0000-4000-8000-0000000000d2", -200.0),
                                  ("00000000-0000-4000-8000-0000000000a1", 600.0)):
            await _store_first_part(db, fanout_id, wait_s=wait_s)
        # Given up 400 s ago: dead (a live coordinator deletes its own parts on giving up);
        # 200 s ago: within the grace; a live one still waits.
        swept = await fanout.delete_orphans(db, grace_s=300)
        step = next(s for s in sweeps.STEPS if s.name == "match_parts")
        again = await step.run(db, 600, None)
        left = await _left(empty_queue)
        for fanout_id in ("00000000-0000-4000-8000-0000000000d2",
                          "00000000-0000-4000-8000-0000000000a1"):
            await store.delete_parts(db, fanout_id=fanout_id)
    assert (swept, again, left) == (1, 0, 2)
