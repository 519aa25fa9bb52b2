"""The dispatch preview's choice (issue 17.3, docs/matching.md "Fanned out"): below
HUB_MATCH_FANOUT_MIN_DEMANDS in process and silent; at it, in process saying why when no worker
is alive or none takes a part (a worker serving other queues only), fanned out when a worker
serves 'matching'; every plan equal to the single-process one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg
import pytest

from bench.bench_matching_data import henan_problem
from hub.jobs import worker
from hub.jobs.fanout import deferring, preview_solver
from hub.matching import Options, Plan, plan_to_dict, solve
from hub.matching import parts as matching_parts
from hub.services import fanout
from hub.settings import Settings
from tests.jobs.conftest import a_worker, running, until

DEMANDS = 800


def _comparable(plan: Plan) -> dict[str, Any]:
    doc = plan_to_dict(plan)
    for key in ("seconds", "timings", "fanout"):
        doc["stats"].pop(key, None)
    return doc


async def _live(url: str) -> bool:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute("SELECT count(*) FROM procrastinate_workers")
        row = await cur.fetchone()
    return bool(row and row[0])


async def test_the_preview_fans_out_only_when_big_and_a_worker_takes_parts(
        empty_queue: str, fast: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching_parts, "PART_PAIRS", 2000)
    problem = henan_problem(4000, DEMANDS, capacity_max=3, full_days=True, n_seats=40, days=2,
                            seed=7, regions=True, options=Options(time_limit_s=120))
    single = solve(problem)
    at = replace(fast, match_fanout_min_demands=DEMANDS)
    async with a_worker(empty_queue, fast, periodic=False) as one:
        db = one.resources.db
        below = await preview_solver(db, replace(at, match_fanout_min_demands=DEMANDS + 1),
                                     None)(problem)
        nobody = await preview_solver(db, at, None)(problem)
        elsewhere_runs = worker.run(one.app, one.resources, concurrency=1, name="elsewhere",
                                    queues=["periodic"], install_signal_handlers=False,
                                    poll_s=0.2)
        async with running(elsewhere_runs):
            await until(lambda: _live(empty_queue))
            elsewhere = await fanout.solve_chosen(db, problem, defer=deferring(one.app),
                                                  min_demands=DEMANDS, pickup_s=1.0)
        async with running(one.run(name="matcher", concurrency=1)):
            await until(lambda: _live(empty_queue))
            on = await preview_solver(db, at, None)(problem)
    assert below.stats.fanout is None
    assert nobody.stats.fanout == "in process: no hub worker alive"
    assert elsewhere.stats.fanout == "in process: no worker took a part within 1 s"
    assert on.stats.fanout == "workers: 3 parts on 1 worker(s)"
    assert plan_to_dict(on)["stats"]["fanout"] == on.stats.fanout
    for plan in (below, nobody, elsewhere, on):
        assert _comparable(plan) == _comparable(single)
