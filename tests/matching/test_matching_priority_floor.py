"""The priority-area floor (老少边贫): proven optimal against the independent MILP, priced, and
always feasible (the floor is capped by what volunteers in reach can fill)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from matching_oracle import (
    BASE_S,
    HOUR,
    check_plan,
    floor_required,
    milp_optimum,
    milp_reachable,
    random_problem,
)

from hub.matching import (
    Demand,
    Options,
    Problem,
    ProblemError,
    Volunteer,
    parse_problem,
    plan_to_dict,
    problem_to_dict,
    solve,
)

CASES = 80


def _marked(rng: random.Random, problem: Problem, rate: float) -> Problem:
    demands = tuple(replace(d, priority_area=rng.random() < 0.5) for d in problem.demands)
    return Problem(problem.volunteers, demands,
                   replace(problem.options, priority_min_fill_rate=rate))


@pytest.mark.parametrize("engine", ["auto", "cp_sat"])
def test_floor_matches_milp(engine: str) -> None:
    rng = random.Random(f"floor-{engine}")
    options = Options(skill_weight=0.0, fairness_weight=0.0, engine=engine)
    binding = 0
    for _ in range(CASES):
        plain_problem = random_problem(rng, flow_shaped=rng.random() < 0.3, capacity_max=3,
                                       options=options, crowded=rng.random() < 0.5)
        problem = _marked(rng, plain_problem, rng.choice([0.3, 0.6, 0.8, 1.0]))
        plan = solve(problem)
        check_plan(problem, plan)
        s, f = plan.stats, plan.stats.priority_floor
        assert f is not None and s.status == "OPTIMAL"
        reachable = milp_reachable(problem)
        assert f.reachable == reachable and f.reachable_proven
        assert f.required == floor_required(problem, reachable)
        assert f.slots == sum(d.needed for d in problem.demands if d.priority_area)
        area = {d.id for d in problem.demands if d.priority_area}
        assert f.filled == sum(a.demand_id in area for a in plan.assignments) >= f.required
        best, least = milp_optimum(problem)
        assert s.objective == pytest.approx(best, abs=1e-9)
        assert abs(s.total_distance_m - least) <= s.filled_slots * s.distance_resolution_m + 1e-6
        # The price: against the optimum without the floor, solved on its own.
        free = solve(replace(problem, options=replace(problem.options,
                                                      priority_min_fill_rate=None)))
        assert f.objective_without == pytest.approx(free.stats.objective)
        assert f.price_objective == pytest.approx(free.stats.objective - s.objective)
        assert f.price_distance_m == pytest.approx(
            s.total_distance_m - f.distance_without_m, abs=1e-6)
        assert f.price_objective >= -1e-9
        assert f.binding == (f.filled_without < f.required)
        binding += f.binding
    assert binding >= 3, "the random cases must exercise a binding floor"


def _volunteer(ident: str, lon: float, capacity: int = 1) -> Volunteer:
    return Volunteer(id=ident, lon=lon, lat=34.75, skills={}, capacity=capacity,
                     max_distance_m=30_000, availability=((BASE_S, BASE_S + 24 * HOUR),))


def _demand(ident: str, lon: float, *, area: bool, priority: float = 1.0,
            needed: int = 1) -> Demand:
    return Demand(id=ident, lon=lon, lat=34.75, skills=(), needed=needed,
                  start_s=BASE_S + 9 * HOUR, end_s=BASE_S + 11 * HOUR, priority=priority,
                  priority_area=area)


def test_binding_floor_is_priced() -> None:
    """One volunteer, two demands at once: the nearer, weightier one loses to the floor."""
    problem = Problem(
        (_volunteer("v", 113.60),),
        (_demand("town", 113.61, area=False, priority=2.0),
         _demand("hills", 113.75, area=True)),
        Options(priority_min_fill_rate=1.0),
    )
    plan = solve(problem)
    f = plan.stats.priority_floor
    assert f is not None and f.binding and plan.stats.status == "OPTIMAL"
    assert [a.demand_id for a in plan.assignments] == ["hills"]
    assert (f.slots, f.reachable, f.required, f.filled, f.filled_without) == (1, 1, 1, 1, 0)
    assert f.price_objective == pytest.approx(1.0)
    assert f.price_distance_m == pytest.approx(
        plan.assignments[0].distance_m - f.distance_without_m)
    assert f.price_distance_m > 10_000
    doc = plan_to_dict(plan)["stats"]["priorityFloor"]
    assert doc["binding"] is True and doc["priceObjective"] == pytest.approx(1.0)


def test_floor_beyond_reach_is_capped() -> None:
    """Rate 1 over 5 slots with one volunteer in reach: the floor asks for the 1 reachable."""
    problem = Problem(
        (_volunteer("v", 113.60, capacity=3), _volunteer("far", 116.0)),
        (_demand("hills", 113.70, area=True, needed=5),
         _demand("town", 113.61, area=False, priority=3.0)),
        Options(priority_min_fill_rate=1.0),
    )
    plan = solve(problem)
    f = plan.stats.priority_floor
    assert f is not None and plan.stats.status == "OPTIMAL"
    assert (f.slots, f.reachable, f.required, f.filled) == (5, 1, 1, 1)
    assert [u.missing for u in plan.unfilled if u.demand_id == "hills"] == [4]


def test_no_priority_demands_and_a_zero_rate() -> None:
    vols = (_volunteer("v", 113.60),)
    for demands, rate in (((_demand("town", 113.61, area=False),), 1.0),
                          ((_demand("hills", 113.61, area=True),), 0.0)):
        plan = solve(Problem(vols, demands, Options(priority_min_fill_rate=rate)))
        f = plan.stats.priority_floor
        assert f is not None and not f.binding and f.price_distance_m == 0.0
        assert len(plan.assignments) == 1


def test_floor_options_are_checked_and_round_trip() -> None:
    problem = Problem((_volunteer("v", 113.60),), (_demand("hills", 113.61, area=True),),
                      Options(priority_min_fill_rate=0.75))
    doc = problem_to_dict(problem)
    assert doc["options"]["priorityMinFillRate"] == 0.75
    assert doc["demands"][0]["priorityArea"] is True
    again = parse_problem(doc)
    assert again.options.priority_min_fill_rate == 0.75 and again.demands[0].priority_area
    doc["options"]["priorityMinFillRate"] = 1.5
    with pytest.raises(ProblemError) as err:
        parse_problem(doc)
    assert err.value.path == "options.priorityMinFillRate" and "1.5" in str(err.value)
    doc["options"]["priorityMinFillRate"] = None
    doc["demands"][0]["priorityArea"] = "yes"
    with pytest.raises(ProblemError) as err:
        parse_problem(doc)
    assert err.value.path == "demands[0].priorityArea"


def test_floored_plan_and_problem_fit_their_schemas() -> None:
    here = Path(__file__).resolve().parents[2] / "hub" / "matching"
    problem = Problem((_volunteer("v", 113.60),),
                      (_demand("town", 113.61, area=False, priority=2.0),
                       _demand("hills", 113.75, area=True)),
                      Options(priority_min_fill_rate=1.0))
    for name, doc in (("problem", problem_to_dict(problem)),
                      ("plan", plan_to_dict(solve(problem)))):
        schema = json.loads((here / f"{name}.schema.json").read_text())
        jsonschema.Draft202012Validator(schema).validate(doc)
