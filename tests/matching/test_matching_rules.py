"""Hand-checked cases: each hard rule on its own, objective tiers, explanations, ties."""

from __future__ import annotations

import pytest
from matching_oracle import BASE_S, HOUR, check_plan, distance_m

from hub.matching import (
    Demand,
    Options,
    Plan,
    Problem,
    ProblemError,
    Volunteer,
    candidates_for_demand,
    greedy,
    solve,
)

PURE = Options(skill_weight=0.0, fairness_weight=0.0)
LON, LAT = 113.62, 34.75
KM_LON = 1 / (111.32 * 0.8221)  # degrees of longitude per km near 34.75° N


def vol(ident: str, km_east: float = 0.0, **kw: object) -> Volunteer:
    base: dict[str, object] = {
        "skills": {"health": 3},
        "capacity": 1,
        "max_distance_m": 20_000.0,
        "availability": ((BASE_S + 8 * HOUR, BASE_S + 18 * HOUR),),
        "insured_until_s": BASE_S + 200 * 24 * HOUR,
    }
    base.update(kw)
    return Volunteer(id=ident, lon=LON + km_east * KM_LON, lat=LAT, **base)  # type: ignore[arg-type]


def dem(ident: str, km_east: float = 0.0, **kw: object) -> Demand:
    base: dict[str, object] = {
        "skills": ("health",),
        "needed": 1,
        "start_s": BASE_S + 9 * HOUR,
        "end_s": BASE_S + 11 * HOUR,
        "priority": 1.0,
        "requires_insurance": True,
    }
    base.update(kw)
    return Demand(id=ident, lon=LON + km_east * KM_LON, lat=LAT, **base)  # type: ignore[arg-type]


def run(vols: list[Volunteer], dems: list[Demand], options: Options = PURE) -> Plan:
    problem = Problem(tuple(vols), tuple(dems), options)
    plan = solve(problem)
    check_plan(problem, plan)
    return plan


def pairs(plan: Plan) -> set[tuple[str, str]]:
    return {(a.volunteer_id, a.demand_id) for a in plan.assignments}


def code(plan: Plan, demand_id: str) -> str:
    return next(u.code for u in plan.unfilled if u.demand_id == demand_id)


def test_nearest_volunteer_serves_with_exact_distance() -> None:
    plan = run([vol("far", 9.0), vol("near", 3.0)], [dem("d")])
    assert pairs(plan) == {("near", "d")}
    a = plan.assignments[0]
    assert a.distance_m == pytest.approx(distance_m(vol("near", 3.0), dem("d")), abs=1e-9)
    assert a.distance_m == pytest.approx(3000, rel=0.01)
    assert "3.0 km away" in a.reason and "health L3" in a.reason
    assert plan.stats.status == "OPTIMAL" and plan.stats.solver == "min_cost_flow"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"skills": {"emergency": 5}}, "NO_SKILL"),
        ({"availability": ((BASE_S + 10 * HOUR, BASE_S + 18 * HOUR),)}, "NOT_AVAILABLE"),
        ({"insured_until_s": BASE_S + 10 * HOUR}, "NO_INSURANCE"),
        ({"insured_until_s": None}, "NO_INSURANCE"),
        ({"max_distance_m": 4_000.0}, "NO_VOLUNTEER_IN_REACH"),
    ],
)
def test_each_hard_rule_alone(change: dict[str, object], expected: str) -> None:
    assert pairs(run([vol("v", 5.0)], [dem("d")])) == {("v", "d")}
    plan = run([vol("v", 5.0, **change)], [dem("d")])
    assert plan.assignments == ()
    assert code(plan, "d") == expected


def test_insurance_only_when_required_and_until_the_end() -> None:
    uninsured = vol("v", insured_until_s=None)
    assert pairs(run([uninsured], [dem("d", requires_insurance=False)])) == {("v", "d")}
    just = vol("v", insured_until_s=BASE_S + 11 * HOUR)
    assert pairs(run([just], [dem("d")])) == {("v", "d")}


def test_window_must_lie_inside_merged_availability() -> None:
    split = ((BASE_S + 8 * HOUR, BASE_S + 10 * HOUR), (BASE_S + 10 * HOUR, BASE_S + 12 * HOUR))
    assert pairs(run([vol("v", availability=split)], [dem("d")])) == {("v", "d")}
    gap = ((BASE_S + 8 * HOUR, BASE_S + 10 * HOUR), (BASE_S + 10 * HOUR + 1, BASE_S + 12 * HOUR))
    assert code(run([vol("v", availability=gap)], [dem("d")]), "d") == "NOT_AVAILABLE"


def test_all_required_skills_and_plain_level() -> None:
    two = dem("d", skills=("health", "emergency"))
    assert code(run([vol("v")], [two]), "d") == "NO_SKILL"
    assert pairs(run([vol("v", skills={"health": 1, "emergency": 1})], [two])) == {("v", "d")}
    assert pairs(run([vol("v", skills={})], [dem("d", skills=())])) == {("v", "d")}


def test_many_skills_use_several_mask_words() -> None:
    names = {f"s{i}": 1 for i in range(130)}
    plan = run([vol("v", skills=names)], [dem("d", skills=("s129", "s64", "s0"))])
    assert pairs(plan) == {("v", "d")}
    assert code(run([vol("v", skills={"s0": 1})], [dem("d", skills=("s0", "s100"))]), "d") == (
        "NO_SKILL"
    )


def test_overlap_and_capacity() -> None:
    v = vol("v", capacity=3)
    a = dem("a", start_s=BASE_S + 9 * HOUR, end_s=BASE_S + 11 * HOUR)
    b = dem("b", start_s=BASE_S + 10 * HOUR, end_s=BASE_S + 12 * HOUR, priority=1.5)
    c = dem("c", start_s=BASE_S + 11 * HOUR, end_s=BASE_S + 13 * HOUR)
    # a and c touch without overlapping; b overlaps both and is worth less than a + c.
    plan = run([v], [a, b, c])
    assert pairs(plan) == {("v", "a"), ("v", "c")}
    assert code(plan, "b") == "CANDIDATES_BUSY"
    assert "overlapping" in next(u.reason for u in plan.unfilled)
    assert len(run([vol("v", capacity=1)], [a, c]).assignments) == 1
    assert run([vol("v", capacity=0)], [a]).assignments == ()


def test_one_slot_per_volunteer_per_demand() -> None:
    plan = run([vol("v", capacity=2)], [dem("d", needed=2)])
    assert len(plan.assignments) == 1
    assert plan.unfilled[0].missing == 1 and plan.unfilled[0].code == "TOO_FEW_CANDIDATES"


def test_priority_beats_distance() -> None:
    near = dem("near", 1.0, priority=1.0)
    remote = dem("remote", 15.0, priority=2.0)  # 老少边贫: the scarce volunteer goes there
    plan = run([vol("v")], [near, remote])
    assert pairs(plan) == {("v", "remote")}
    assert "v is at capacity 1 (remote)" in plan.unfilled[0].reason
    # Equal priorities: distance decides.
    assert pairs(run([vol("v")], [dem("near", 1.0), dem("far", 15.0)])) == {("v", "near")}


def test_total_distance_beats_greedy_nearest_first() -> None:
    vols = [vol("a", 0.0), vol("b", 2.0)]
    dems = [dem("x", 1.0), dem("y", -1.0)]
    # Greedy takes a–x (1 km) first, leaving b–y (3 km); optimum is a–y + b–x (2 km).
    problem = Problem(tuple(vols), tuple(dems), PURE)
    best, base = solve(problem), greedy(problem)
    assert pairs(best) == {("a", "y"), ("b", "x")}
    assert best.stats.total_distance_m < base.stats.total_distance_m
    assert base.stats.filled_slots == best.stats.filled_slots == 2


def test_ties_are_deterministic() -> None:
    twins = [vol(f"t{i}", 2.0) for i in range(4)]
    dems = [dem("d", needed=2), dem("e", 4.0, needed=1)]
    for engine in ("auto", "cp_sat"):
        options = Options(skill_weight=0.0, fairness_weight=0.0, engine=engine)
        first = run(twins, dems, options)
        for _ in range(3):
            assert run(twins, dems, options).assignments == first.assignments


def test_skill_weight_prefers_higher_level() -> None:
    expert = vol("expert", 3.0, skills={"health": 5})
    novice = vol("novice", 1.0, skills={"health": 1})
    assert pairs(run([expert, novice], [dem("d")])) == {("novice", "d")}
    weighted = Options(skill_weight=1.0, fairness_weight=0.0)
    assert pairs(run([expert, novice], [dem("d")], weighted)) == {("expert", "d")}


def test_fairness_spreads_load() -> None:
    busy = vol("busy", 0.0, capacity=2)
    spare = vol("spare", 0.5, capacity=2)
    a = dem("a", 0.2)
    b = dem("b", 0.2, start_s=BASE_S + 12 * HOUR, end_s=BASE_S + 13 * HOUR)
    assert {v for v, _ in pairs(run([busy, spare], [a, b]))} == {"busy"}
    fair = Options(skill_weight=0.0, fairness_weight=1.0)
    assert {v for v, _ in pairs(run([busy, spare], [a, b], fair))} == {"busy", "spare"}


def test_empty_and_infeasible_problems() -> None:
    assert run([], []).stats.status == "OPTIMAL"
    assert run([vol("v")], []).assignments == ()
    nobody = run([], [dem("d", needed=2)])
    assert [(u.demand_id, u.missing, u.code) for u in nobody.unfilled] == [
        ("d", 2, "NO_VOLUNTEER_IN_REACH")
    ]
    far = run([vol("v", 100.0)], [dem("d", skills=())])
    assert far.assignments == () and code(far, "d") == "NO_VOLUNTEER_IN_REACH"
    assert far.stats.filled_slots == 0 and far.stats.objective == 0.0


def test_candidates_for_demand_ranks_and_excludes() -> None:
    vols = [vol("c", 6.0), vol("a", 2.0), vol("x", 1.0, skills={}), vol("b", 4.0)]
    problem = Problem(tuple(vols), (dem("d"),), PURE)
    ranked = candidates_for_demand(problem, "d")
    assert [v for v, _ in ranked] == ["a", "b", "c"]
    assert ranked[0][1] == pytest.approx(2000, rel=0.01)
    assert [v for v, _ in candidates_for_demand(problem, "d", exclude=("a",))] == ["b", "c"]
    with pytest.raises(ProblemError):
        candidates_for_demand(problem, "nope")


def test_invalid_dataclasses_are_rejected_with_paths() -> None:
    with pytest.raises(ProblemError, match=r"volunteers\[0\]\.lat: 91 is outside -90..90"):
        solve(Problem((Volunteer("v", 0, 91, {}, 1, 1, ()),), ()))
    with pytest.raises(ProblemError, match=r"demands\[1\]\.id: duplicate id 'd'"):
        solve(Problem((), (dem("d"), dem("d"))))
    with pytest.raises(ProblemError, match=r"demands\[0\]\.end: is not after start"):
        solve(Problem((), (dem("d", end_s=BASE_S),)))


def test_shared_skills_and_windows_compile_as_separate_ones_and_errors_name_the_first() -> None:
    """The hub shares one skills mapping per skill set and one windows tuple per pattern
    among volunteers; each is read once, with the same result and the same error paths."""
    skills, hours = {"health": 3, "unused": 2}, ((BASE_S + 8 * HOUR, BASE_S + 18 * HOUR),)
    shared = [vol(f"s{i}", i, skills=skills, availability=hours) for i in range(4)]
    apart = [vol(f"s{i}", i, skills=dict(skills), availability=tuple(hours)) for i in range(4)]
    demands = (dem("d", 1.0, needed=3),)
    one, other = (solve(Problem(tuple(v), demands, PURE)) for v in (shared, apart))
    assert one.assignments == other.assignments and len(one.assignments) == 3
    assert one.unfilled == other.unfilled
    bad_level = {"health": 9}
    vols = (vol("a"), vol("b", skills=bad_level), vol("c", skills=bad_level))
    with pytest.raises(ProblemError, match=r"volunteers\[1\]\.skills\.health: level 9"):
        solve(Problem(vols, demands))
    backwards = ((BASE_S, BASE_S + HOUR), (BASE_S + 3 * HOUR, BASE_S + 2 * HOUR))
    vols = (vol("a"), vol("b", availability=backwards), vol("c", availability=backwards))
    with pytest.raises(ProblemError, match=r"volunteers\[1\]\.availability\[1\]: end is not"):
        solve(Problem(vols, demands))


def test_other_crs_is_converted_last() -> None:
    crs = pytest.importorskip("hub.geo.crs")
    lon, lat = crs.convert(LON + 3 * KM_LON, LAT, "WGS84", "GCJ02")
    moved = Volunteer(
        "v",
        float(lon),
        float(lat),
        {"health": 3},
        1,
        20_000.0,
        vol("v").availability,
        vol("v").insured_until_s,
    )
    d_lon, d_lat = crs.convert(LON, LAT, "WGS84", "GCJ02")
    target = Demand(
        "d",
        float(d_lon),
        float(d_lat),
        ("health",),
        1,
        BASE_S + 9 * HOUR,
        BASE_S + 11 * HOUR,
        1.0,
        True,
    )
    plan = solve(Problem((moved,), (target,), Options(crs="GCJ02")))
    assert plan.assignments[0].distance_m == pytest.approx(3000, abs=35)
