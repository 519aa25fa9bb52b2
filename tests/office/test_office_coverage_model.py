"""The maximal-covering model (issue 16.5) against independent solvers: brute force over every
N-subset with distances from pyproj on small instances, and a second formulation (one
variable per demand point, no grouping) on CP-SAT, a different OR-Tools backend from the
model's SCIP, on larger ones."""

from __future__ import annotations

import itertools
import random

import pytest
from ortools.sat.python import cp_model
from pyproj import Geod

from hub.office.mclp import CoverProblem, Point, Site, cover_pairs, solve

GEOD = Geod(ellps="WGS84")


def _instance(rng: random.Random, n_sites: int, n_points: int, spread: float = 0.1,
              n: int = 2, radius_m: float = 4000) -> CoverProblem:
    points = tuple(Point(f"d{i}", 113.6 + rng.uniform(-spread, spread),
                         34.7 + rng.uniform(-spread, spread), rng.randint(1, 4))
                   for i in range(n_points))
    sites = tuple(Site(f"s{j}", 113.6 + rng.uniform(-spread, spread),
                       34.7 + rng.uniform(-spread, spread)) for j in range(n_sites))
    return CoverProblem(points, sites, radius_m, n)


def _reach(p: CoverProblem) -> dict[int, set[int]]:
    return {j: {i for i, pt in enumerate(p.points)
                if GEOD.inv(s.lon, s.lat, pt.lon, pt.lat)[2] <= p.radius_m}
            for j, s in enumerate(p.sites)}


def _brute(p: CoverProblem) -> int:
    reach = _reach(p)
    best = 0
    for k in range(min(p.n_sites, len(p.sites)) + 1):
        for combo in itertools.combinations(range(len(p.sites)), k):
            covered = set().union(*(reach[j] for j in combo)) if combo else set()
            best = max(best, sum(p.points[i].weight for i in covered))
    return best


def test_pairs_are_exactly_those_within_the_radius() -> None:
    p = _instance(random.Random(1), 25, 300)
    site, point = cover_pairs(p)
    assert set(zip(site.tolist(), point.tolist(), strict=True)) == {
        (j, i) for j, pts in _reach(p).items() for i in pts}


@pytest.mark.parametrize("seed", range(60))
def test_optimum_matches_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    p = _instance(rng, rng.randint(1, 9), rng.randint(0, 40), n=rng.randint(1, 3),
                  radius_m=rng.choice([2000, 4000, 7000]))
    plan = solve(p)
    assert plan.covered == _brute(p)
    assert plan.status == "OPTIMAL" and plan.bound == plan.covered and plan.gap == 0
    assert len(plan.chosen) <= p.n_sites
    reach = _reach(p)
    assert plan.total == sum(pt.weight for pt in p.points)
    assert plan.coverable == sum(p.points[i].weight for i in set().union(*reach.values()))
    # Explained site by site: what each newly covers, in order, adds up to the plan.
    index = {s.id: j for j, s in enumerate(p.sites)}
    ids = {pt.id: i for i, pt in enumerate(p.points)}
    seen: set[int] = set()
    for rank, c in enumerate(plan.chosen, start=1):
        j = index[c.site_id]
        fresh = {ids[x] for x in c.newly_covered}
        assert c.rank == rank and fresh == reach[j] - seen
        assert c.gain == sum(p.points[i].weight for i in fresh)
        assert c.reach == sum(p.points[i].weight for i in reach[j])
        others = set().union(*(reach[index[o.site_id]] for o in plan.chosen if o is not c))
        assert c.only_here == sum(p.points[i].weight for i in reach[j] - others)
        seen |= fresh
    assert sum(c.gain for c in plan.chosen) == plan.covered
    gains = [c.gain for c in plan.chosen]
    assert gains == sorted(gains, reverse=True), "greedy order: gains never grow"


def _cp_sat(p: CoverProblem) -> float:
    """The textbook MCLP on CP-SAT: x per site, c per point, c_i ≤ Σ_{j covers i} x_j."""
    reach = _reach(p)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(len(p.sites))]
    c = [model.new_bool_var(f"c{i}") for i in range(len(p.points))]
    for i in range(len(p.points)):
        model.add(c[i] <= sum(x[j] for j in reach if i in reach[j]))
    model.add(sum(x) <= p.n_sites)
    model.maximize(sum(pt.weight * c[i] for i, pt in enumerate(p.points)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    solver.parameters.max_time_in_seconds = 60
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver.objective_value


@pytest.mark.parametrize("seed", range(6))
def test_optimum_matches_a_second_formulation_on_cp_sat(seed: int) -> None:
    rng = random.Random(100 + seed)
    p = _instance(rng, 60, 700, spread=0.25, n=rng.randint(3, 8), radius_m=5000)
    plan = solve(p)
    assert plan.status == "OPTIMAL" and plan.solver == "scip"
    assert plan.covered == round(_cp_sat(p))


def test_a_short_time_limit_reports_its_bound_and_gap() -> None:
    rng = random.Random(7)
    p = _instance(rng, 400, 5000, spread=0.6, n=12, radius_m=3000)
    plan = solve(CoverProblem(p.points, p.sites, p.radius_m, p.n_sites, time_limit_s=0.01))
    assert plan.bound >= plan.covered > 0
    assert plan.gap == pytest.approx((plan.bound - plan.covered) / plan.bound)
    assert (plan.status == "OPTIMAL") == (plan.gap == 0)


def test_edges_no_points_no_sites_and_more_sites_than_needed() -> None:
    assert solve(CoverProblem((), (Site("s", 113.6, 34.7),), 1000, 3)).chosen == ()
    assert solve(CoverProblem((Point("d", 113.6, 34.7),), (), 1000, 3)).covered == 0
    p = _instance(random.Random(3), 3, 20, spread=0.02, n=10)
    plan = solve(p)
    assert plan.covered == plan.coverable == _brute(p) and plan.solver == "greedy"
