"""JSON documents: parsing errors name their path; run_files exit codes; schemas hold."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hub.matching import (
    Options,
    ProblemError,
    greedy,
    parse_problem,
    plan_to_dict,
    problem_to_dict,
    solve,
)
from hub.matching.io import run_files

SCHEMAS = Path(__file__).resolve().parents[2] / "hub" / "matching"
EXAMPLE: dict[str, Any] = {
    "volunteers": [
        {
            "id": "v1",
            "lon": 113.62,
            "lat": 34.75,
            "skills": {"health": 3},
            "capacity": 1,
            "maxDistanceM": 20000,
            "availability": [["2026-12-05T08:00:00+08:00", "2026-12-05T18:00:00+08:00"]],
            "insuredUntil": "2027-06-30",
        },
        {
            "id": "v2",
            "lon": 113.66,
            "lat": 34.73,
            "skills": ["health"],
            "maxDistanceM": 5000,
            "availability": [["2026-12-05T00:00:00Z", "2026-12-05T10:00:00Z"]],
        },
    ],
    "demands": [
        {
            "id": "d1",
            "lon": 113.65,
            "lat": 34.72,
            "skills": ["health"],
            "needed": 2,
            "start": "2026-12-05T09:00:00+08:00",
            "end": "2026-12-05T11:00:00+08:00",
            "priority": 1.0,
            "requiresInsurance": True,
        }
    ],
    "options": {"weights": {"skill": 0, "fairness": 0}, "timeLimitS": 30},
}


def schema(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / name).read_text()))


def test_example_parses_and_solves() -> None:
    problem = parse_problem(EXAMPLE)
    v1, v2 = problem.volunteers
    assert v2.skills == {"health": 1} and v2.capacity == 1 and v2.insured_until_s is None
    assert v1.availability[0][1] - v1.availability[0][0] == 10 * 3600
    assert problem.options == Options(skill_weight=0.0, fairness_weight=0.0, time_limit_s=30.0)
    plan = solve(problem)
    assert [a.volunteer_id for a in plan.assignments] == ["v1"]
    assert plan.unfilled[0].missing == 1 and plan.unfilled[0].code == "TOO_FEW_CANDIDATES"
    doc = plan_to_dict(plan)
    schema("plan.schema.json").validate(doc)
    schema("plan.schema.json").validate(plan_to_dict(greedy(problem)))
    assert doc["stats"]["solver"] == "min_cost_flow" and doc["stats"]["status"] == "OPTIMAL"


def test_problem_documents_round_trip_and_match_the_schema() -> None:
    schema("problem.schema.json").validate(EXAMPLE)
    problem = parse_problem(EXAMPLE)
    again = problem_to_dict(problem)
    schema("problem.schema.json").validate(again)
    assert parse_problem(again) == problem


def test_insured_until_a_date_covers_that_whole_day() -> None:
    doc = copy.deepcopy(EXAMPLE)
    doc["volunteers"][0]["insuredUntil"] = "2026-12-05"
    assert len(solve(parse_problem(doc)).assignments) == 1
    doc["volunteers"][0]["insuredUntil"] = "2026-12-04"
    assert solve(parse_problem(doc)).assignments == ()
    doc["volunteers"][0]["insuredUntil"] = "2026-12-05T10:59:59+08:00"
    assert solve(parse_problem(doc)).assignments == ()


def _set(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLE)
    *parents, last = path.split("/")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is KeyError:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_set("volunteers/0/lat", 91), "volunteers[0].lat: 91 is outside -90..90"),
        (_set("demands/0/lon", -181.5), "demands[0].lon: -181.5 is outside -180..180"),
        (_set("volunteers/1/lat", "34"), 'volunteers[1].lat: "34" is not a number'),
        (_set("volunteers/0/colour", "red"), "volunteers[0].colour: unknown key"),
        (_set("extra", 1), "extra: unknown key"),
        (_set("options/weights/speed", 1), "options.weights.speed: unknown key"),
        (
            _set("volunteers/1/id", "v1"),
            'volunteers[1].id: duplicate id "v1" (first at volunteers[0])',
        ),
        (_set("demands/0/id", ""), 'demands[0].id: "" must be a non-empty string'),
        (_set("demands/0/end", "2026-12-05T08:00:00+08:00"), "demands[0].end: "),
        (_set("demands/0/needed", 0), "demands[0].needed: 0 must be >= 1"),
        (_set("demands/0/needed", 1.5), "demands[0].needed: 1.5 is not an integer"),
        (_set("demands/0/priority", 0), "demands[0].priority: 0 must be > 0"),
        (_set("demands/0/skills", ["a", "a"]), 'demands[0].skills[1]: "a" is listed twice'),
        (_set("demands/0/requiresInsurance", "yes"), "demands[0].requiresInsurance: "),
        (_set("volunteers/0/skills/health", 6), "volunteers[0].skills.health: 6 is outside 1..5"),
        (_set("volunteers/0/skills", "health"), "volunteers[0].skills: must be an object or"),
        (_set("volunteers/0/capacity", -1), "volunteers[0].capacity: -1 must be >= 0"),
        (_set("volunteers/0/maxDistanceM", -5), "volunteers[0].maxDistanceM: -5 must be >= 0"),
        (_set("volunteers/0/maxDistanceM", KeyError), "volunteers[0].maxDistanceM: is required"),
        (
            _set("volunteers/0/availability/0", ["2026-12-05T08:00:00+08:00"]),
            "volunteers[0].availability[0]: must be a [start, end] pair",
        ),
        (
            _set("volunteers/0/availability/0", ["2026-12-05T08:00:00", "2026-12-05T09:00:00"]),
            'volunteers[0].availability[0][0]: "2026-12-05T08:00:00" needs a UTC offset',
        ),
        (
            _set(
                "volunteers/0/availability/0",
                ["2026-12-05T09:00:00+08:00", "2026-12-05T08:00:00+08:00"],
            ),
            "volunteers[0].availability[0][1]: ",
        ),
        (_set("volunteers/0/insuredUntil", "2027-02-30"), "volunteers[0].insuredUntil: "),
        (_set("demands/0/start", "soon"), 'demands[0].start: "soon" is not an ISO 8601 date-time'),
        (_set("options/crs", "EPSG:3857"), 'options.crs: "EPSG:3857" is not one of'),
        (_set("options/engine", "gurobi"), 'options.engine: "gurobi" is not one of'),
        (_set("options/timeLimitS", 0), "options.timeLimitS: 0 must be > 0"),
        (_set("options/weights/skill", -1), "options.weights.skill: -1 must be >= 0"),
        (_set("demands", {}), "demands: must be an array"),
        (_set("volunteers/0", []), "volunteers[0]: must be an object"),
        ({"volunteers": []}, "demands: is required"),
    ],
)
def test_malformed_documents_name_the_path(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ProblemError) as caught:
        parse_problem(doc)
    assert str(caught.value).startswith(message)
    assert caught.value.path == message.split(":")[0]


def test_run_files_writes_a_schema_valid_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem, plan = tmp_path / "problem.json", tmp_path / "plan.json"
    problem.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    assert run_files(problem, plan) == 0
    doc = json.loads(plan.read_text(encoding="utf-8"))
    schema("plan.schema.json").validate(doc)
    assert doc["stats"]["filledSlots"] == 1
    assert run_files(problem, "-") == 0
    assert json.loads(capsys.readouterr().out)["stats"]["status"] == "OPTIMAL"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps(_set("volunteers/0/lat", 91)), "volunteers[0].lat: 91 is outside -90..90"),
        ('{"volunteers": [], "demands": [], "demands": []}', "demands: appears twice"),
        ("[]", "must be an object"),
    ],
)
def test_run_files_rejects_bad_problems_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    problem, plan = tmp_path / "problem.json", tmp_path / "plan.json"
    problem.write_text(text, encoding="utf-8")
    assert run_files(problem, plan) == 2
    assert message in capsys.readouterr().err
    assert not plan.exists()
    assert run_files(tmp_path / "missing.json", plan) == 2
    assert "cannot read" in capsys.readouterr().err
