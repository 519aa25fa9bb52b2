"""The plan is a proven optimum: hundreds of random instances against an independent MILP."""

from __future__ import annotations

import random

import pytest
from matching_oracle import (
    BASE_S,
    HOUR,
    check_plan,
    feasible_pairs,
    milp_optimum,
    random_problem,
)

from hub.matching import Demand, Options, Problem, Volunteer, greedy, solve

PURE = Options(skill_weight=0.0, fairness_weight=0.0)
CASES = 110


def _tolerance(plan_slots: int, unit_m: float) -> float:
    """Per-pair rounding of the second tier to the engine's unit, plus float noise."""
    return plan_slots * unit_m / 2 + 1e-6


@pytest.mark.parametrize(
    ("flow_shaped", "capacity_max", "engine", "crowded"),
    [
        (True, 1, "auto", False),
        (True, 3, "auto", False),
        (False, 1, "auto", False),
        (False, 3, "auto", False),
        (False, 3, "auto", True),
        (False, 3, "cp_sat", False),
    ],
)
def test_pure_objective_matches_milp(
    flow_shaped: bool, capacity_max: int, engine: str, crowded: bool
) -> None:
    rng = random.Random(f"{flow_shaped}-{capacity_max}-{engine}-{crowded}")
    options = Options(skill_weight=0.0, fairness_weight=0.0, engine=engine)
    engines = set()
    for _ in range(CASES):
        problem = random_problem(
            rng,
            flow_shaped=flow_shaped,
            capacity_max=capacity_max,
            options=options,
            crowded=crowded,
        )
        plan = solve(problem)
        check_plan(problem, plan)
        best, least = milp_optimum(problem)
        s = plan.stats
        assert s.status == "OPTIMAL"
        assert s.candidate_pairs == len(feasible_pairs(problem))
        assert s.objective == pytest.approx(best, abs=1e-9)
        assert s.bound == pytest.approx(best, abs=1e-9)
        assert abs(s.total_distance_m - least) <= _tolerance(
            s.filled_slots, s.distance_resolution_m
        )
        engines.add(s.solver)
    if engine == "cp_sat":
        assert engines == {"cp_sat"}
    elif flow_shaped or capacity_max == 1:
        assert engines == {"min_cost_flow"}
    elif crowded:
        assert "cp_sat" in engines or "min_cost_flow+cp_sat" in engines


@pytest.mark.parametrize("engine", ["auto", "cp_sat"])
def test_weighted_objective_matches_milp(engine: str) -> None:
    """Skill and fairness terms as documented: second tier = Σ cost_m + fairness penalty."""
    rng = random.Random(engine)
    options = Options(skill_weight=1.5, fairness_weight=2.0, engine=engine)
    for _ in range(60):
        problem = random_problem(
            rng, flow_shaped=rng.random() < 0.5, capacity_max=3, options=options
        )
        plan = solve(problem)
        check_plan(problem, plan)
        best, least = milp_optimum(problem)
        assert plan.stats.status == "OPTIMAL"
        assert plan.stats.objective == pytest.approx(best, abs=1e-9)
        tol = _tolerance(plan.stats.filled_slots * 3, plan.stats.distance_resolution_m)
        assert abs(plan.stats.cost_m - least) <= tol


def test_greedy_is_feasible_and_never_better() -> None:
    rng = random.Random(7)
    for _ in range(60):
        problem = random_problem(rng, flow_shaped=False, capacity_max=3, options=PURE)
        base = greedy(problem)
        check_plan(problem, base)
        assert base.stats.solver == "greedy"
        assert base.stats.bound is None
        assert base.stats.objective <= solve(problem).stats.objective + 1e-9


def crowded_day(seed: int, n_vol: int, n_dem: int, time_limit_s: float) -> Problem:
    """Whole-day volunteers with capacity up to 3 and a day of overlapping demands."""
    rng = random.Random(seed)
    day = (BASE_S + 8 * HOUR, BASE_S + 20 * HOUR)
    vols = tuple(
        Volunteer(
            f"v{i}",
            113.6 + rng.uniform(-0.1, 0.1),
            34.75 + rng.uniform(-0.1, 0.1),
            {s: rng.randint(1, 5) for s in rng.sample(("a", "b", "c"), rng.randint(1, 2))},
            rng.randint(1, 3),
            rng.uniform(5_000, 15_000),
            (day,),
            None,
        )
        for i in range(n_vol)
    )
    dems = []
    for j in range(n_dem):
        start = BASE_S + rng.randint(8, 17) * HOUR + rng.choice((0, 1800))
        dems.append(
            Demand(
                f"d{j}",
                113.6 + rng.uniform(-0.1, 0.1),
                34.75 + rng.uniform(-0.1, 0.1),
                (rng.choice(("a", "b", "c")),),
                rng.randint(1, 3),
                start,
                start + rng.randint(1, 3) * HOUR,
                rng.choice((1.0, 2.0)),
                False,
            )
        )
    return Problem(vols, tuple(dems), Options(time_limit_s=time_limit_s))


def test_time_limit_gives_a_feasible_plan_with_a_bound() -> None:
    problem = crowded_day(3, 400, 160, 0.3)
    plan = solve(problem)
    check_plan(problem, plan)
    s = plan.stats
    assert s.solver in {"cp_sat", "min_cost_flow+cp_sat"}
    assert s.bound is not None and s.bound >= s.objective - 1e-9
    assert s.status in {"OPTIMAL", "FEASIBLE"}
    assert s.gap is None or s.gap >= 0


def test_cp_sat_plans_are_deterministic() -> None:
    problem = crowded_day(5, 60, 40, 30.0)
    first = solve(problem)
    assert first.stats.status == "OPTIMAL"
    assert solve(problem).assignments == first.assignments
