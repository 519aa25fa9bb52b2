"""A chunk too large for CP-SAT within its time (hub/matching/restrict.py): CP-SAT on each
demand's cheapest candidates, or no CP-SAT at all; rules kept, status and bounds honest."""

from __future__ import annotations

import numpy as np
import pytest
from matching_oracle import check_plan, milp_optimum
from test_matching_optimality import crowded_day

from hub.matching import chunks, restrict, solve


def test_cheapest_keeps_each_demands_k_cheapest_and_the_plan() -> None:
    pd = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    cost = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 8.0, 7.0, 6.0, 6.0])
    keep = np.zeros(10, dtype=bool)
    keep[0] = True  # demand 0's dearest, in the plan
    sub = restrict.cheapest(pd, cost, keep, 8)
    assert sub is not None
    # k = 4 (8 pairs): demand 0 drops nothing it must keep; demand 1 drops its dearest (9.0)
    assert sub.tolist() == [True, True, True, True, True, False, True, True, True, True]
    assert restrict.cheapest(pd, cost, keep, 6) is not None  # k = 3
    assert restrict.cheapest(pd, cost, keep, 5) is None  # k = 2 < MIN_PER_DEMAND
    everything = restrict.cheapest(pd, cost, keep, 10)
    assert everything is not None and everything.all()


@pytest.mark.parametrize("rate", [0, 400])
def test_a_restricted_or_skipped_model_keeps_every_rule_and_an_honest_status(
    monkeypatch: pytest.MonkeyPatch, rate: int
) -> None:
    """rate 0: no model fits, the dive's plan stands; 400 pairs/s: about half the 1,303
    pairs fit in the 5 s, so CP-SAT gets each demand's cheapest candidates."""
    problem = crowded_day(11, 90, 60, 5.0)
    full = solve(problem)
    assert full.stats.components["cpSat"] >= 1, "the case must need CP-SAT"
    monkeypatch.setattr(restrict, "CP_PAIRS_PER_S", rate)
    chosen: list[int] = []
    original = restrict.cheapest

    def spy(*args: object, **kw: object) -> object:
        sub = original(*args, **kw)  # type: ignore[arg-type]
        chosen.append(-1 if sub is None else int(sub.sum()))
        return sub

    monkeypatch.setattr(chunks, "cheapest", spy)
    plan = solve(problem)
    check_plan(problem, plan)
    best, _ = milp_optimum(problem)
    s = plan.stats
    assert s.objective <= best + 1e-9
    assert s.bound is not None and s.bound >= best - 1e-9
    if s.status == "OPTIMAL":
        assert s.objective == pytest.approx(best)
        assert s.gap == 0
    else:
        assert s.gap is None or s.gap >= 0
    if rate == 0:
        assert chosen == [] or chosen == [-1]
        assert s.components["cpSat"] == 0  # CP-SAT never ran
    else:
        assert chosen and 0 < chosen[0] < s.candidate_pairs  # restricted
        assert s.components["cpSat"] == 1
        assert s.status == "FEASIBLE" or full.stats.gap == 0
