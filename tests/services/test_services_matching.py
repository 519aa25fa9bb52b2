"""派单 from the database: problems built from PostGIS, plans stored, previewed and committed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.auth.tokens import SYSTEM
from hub.services import matching
from hub.services.matching import CST, MatchError, MatchRequest, merge, subtract, weekly_windows
from hub.store.base import ConnectionDatabase
from tests.seeded import SEED, Gql, errors_of

START = datetime.combine(SEED.start_date, datetime.min.time(), CST)
REQUEST = MatchRequest("620000000000", "62", START, START + timedelta(days=28),
                       {"weights": {"skill": 0, "fairness": 0}})


def test_weekly_windows_follow_china_standard_time():
    # Saturday 08:00-18:00 (minutes of the week 7680-8280); 2026-11-28 is a Saturday.
    monday = datetime(2026, 11, 23, tzinfo=CST)
    windows = weekly_windows("{[7680,8280)}", monday, monday + timedelta(days=7))
    assert windows == [(int(datetime(2026, 11, 28, 8, tzinfo=CST).timestamp()),
                        int(datetime(2026, 11, 28, 18, tzinfo=CST).timestamp()))]


def test_windows_merge_and_subtract():
    assert merge([(5, 8), (0, 3), (3, 4)]) == [(0, 4), (5, 8)]
    assert subtract([(0, 10)], [(2, 3), (8, 12)]) == [(0, 2), (3, 8)]
    assert subtract([(0, 10)], [(0, 10)]) == []


def test_a_request_refuses_a_backwards_or_endless_period():
    with pytest.raises(MatchError, match="to"):
        MatchRequest("620000000000", "62", START, START - timedelta(hours=1), {})
    with pytest.raises(MatchError, match="62 days"):
        MatchRequest("620000000000", "62", START, START + timedelta(days=90), {})


async def test_the_problem_holds_the_regions_open_demands_and_reachable_volunteers(
        aconn: psycopg.AsyncConnection[Any], sconn: psycopg.Connection[Any]):
    problem = await matching.build_problem(ConnectionDatabase(aconn), REQUEST)
    open_count = sconn.execute(
        "SELECT count(*) FROM demand WHERE region_code LIKE '62%%' AND status = 'open' AND "
        "lower(time_window) >= %s AND lower(time_window) < %s",
        (REQUEST.starts, REQUEST.ends)).fetchone()
    assert open_count is not None and len(problem.demands) == open_count[0] > 0
    assert problem.volunteers and all(v.availability for v in problem.volunteers)
    statuses = sconn.execute("SELECT DISTINCT status FROM volunteer WHERE id = ANY(%s)",
                             ([int(v.id) for v in problem.volunteers],)).fetchall()
    assert statuses == [("active",)]


async def test_preview_then_commit_offers_each_assignment_once(
        aconn: psycopg.AsyncConnection[Any]):
    db = ConnectionDatabase(aconn)
    result = await matching.preview(db, SYSTEM, REQUEST,
                                    solver=lambda p: matching.solve_in(None, p))
    assert result.plan.stats.status == "OPTIMAL" and result.plan.assignments
    cur = await aconn.execute("SELECT count(*) FROM dispatch")
    assert await cur.fetchone() == (0,)  # a preview dispatches nothing
    done = await matching.commit(db, SYSTEM, plan_id=result.plan_id, ttl_s=3600)
    assert done.offered == len(result.plan.assignments) and not done.skipped
    cur = await aconn.execute("SELECT count(*), count(DISTINCT volunteer_id) FROM dispatch "
                              "WHERE plan_id = %s AND status = 'offered'", (result.plan_id,))
    assert await cur.fetchone() == (done.offered, len({a.volunteer_id for a in
                                                       result.plan.assignments}))
    with pytest.raises(MatchError, match="already committed"):
        await matching.commit(db, SYSTEM, plan_id=result.plan_id, ttl_s=3600)
    again = await matching.build_problem(db, REQUEST)
    assert sum(d.needed for d in again.demands) == sum(
        d.needed for d in result.problem.demands) - done.offered


async def test_commit_skips_what_became_impossible_and_says_why(
        aconn: psycopg.AsyncConnection[Any]):
    db = ConnectionDatabase(aconn)
    result = await matching.preview(db, SYSTEM, REQUEST,
                                    solver=lambda p: matching.solve_in(None, p))
    first = result.plan.assignments[0]
    # Another dispatcher books the volunteer for an overlapping demand in the meantime.
    await aconn.execute(
        "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, respond_by) "
        "SELECT d2.id, %s, d.time_window, 'other', now() + interval '1 day' FROM demand d "
        "JOIN demand d2 ON d2.id <> d.id AND d2.status = 'open' WHERE d.id = %s "
        "ORDER BY d2.id LIMIT 1", (int(first.volunteer_id), int(first.demand_id)))
    done = await matching.commit(db, SYSTEM, plan_id=result.plan_id, ttl_s=3600)
    reasons = {(v, d): why for v, d, why in done.skipped}
    assert "overlapping window" in reasons[(first.volunteer_id, first.demand_id)]
    assert done.offered == len(result.plan.assignments) - len(done.skipped)


PREVIEW = """mutation($code: String!, $from: DateTime!, $to: DateTime!) {
  previewDispatch(input: {regionCode: $code, from: $from, to: $to,
                          options: {weights: {skill: 0, fairness: 0}}}) {
    plan { id stats { solver status filledSlots } assignments { distanceM reason
    volunteer { id } demand { title } } unfilled { code reason missing } lines }
    errors { field code message } } }"""


async def test_preview_and_commit_over_graphql(gql: Gql):
    variables = {"code": "620000", "from": START.isoformat(),
                 "to": (START + timedelta(days=28)).isoformat()}
    dispatcher = Caller(role=Role.DISPATCHER, sub="d1", region="620000000000")
    plan = (await gql.data(PREVIEW, variables, caller=dispatcher))["previewDispatch"]["plan"]
    assert plan["stats"]["status"] == "OPTIMAL"
    assert len(plan["lines"]["features"]) == len(plan["assignments"]) > 0
    assert plan["lines"]["features"][0]["geometry"]["type"] == "LineString"
    assert all(u["reason"] for u in plan["unfilled"])
    commit = ("mutation($id: ID!) { commitDispatch(input: {planId: $id}) { offered "
              "skipped { reason } } }")
    done = (await gql.data(commit, {"id": plan["id"]}, caller=dispatcher))["commitDispatch"]
    assert done["offered"] == len(plan["assignments"])


async def test_only_dispatchers_of_the_region_may_dispatch(gql: Gql):
    variables = {"code": "620000", "from": START.isoformat(),
                 "to": (START + timedelta(days=7)).isoformat()}
    for caller in (Caller(role=Role.DISPATCHER, sub="d", region="410000000000"),
                   Caller(role=Role.PARTNER, sub="p")):
        [(code, _)] = errors_of(await gql(PREVIEW, variables, caller=caller))
        assert code == "FORBIDDEN"
    result = await gql("mutation { commitDispatch(input: {planId: \"nope\"}) { offered "
                       "errors { field code } } }", caller=Caller(role=Role.ADMIN, sub="a"))
    assert result.data and result.data["commitDispatch"]["errors"] == [
        {"field": "planId", "code": "INVALID"}]  # a business refusal: in the payload


async def test_refused_previews_say_why_in_the_payload(gql: Gql):
    admin = Caller(role=Role.ADMIN, sub="a")
    late = (START + timedelta(days=1)).isoformat()
    for code, start, end, expected in (
            ("629999", START.isoformat(), late, ("regionCode", "UNKNOWN_REGION")),
            ("62x", START.isoformat(), late, ("regionCode", "INVALID")),
            ("620000", late, START.isoformat(), ("to", "INVALID_PERIOD"))):
        out = await gql.data(PREVIEW, {"code": code, "from": start, "to": end}, caller=admin)
        assert out["previewDispatch"]["plan"] is None
        [error] = out["previewDispatch"]["errors"]
        assert (error["field"], error["code"]) == expected, error


async def test_the_cli_path_stores_writes_and_commits(aconn: psycopg.AsyncConnection[Any],
                                                      tmp_path: Any):
    import json

    from hub.services.match_cli import match_region, parse_moment

    assert parse_moment("2026-12-01", "--from") == datetime(2026, 12, 1, tzinfo=CST)
    with pytest.raises(MatchError, match="--to"):
        parse_moment("next week", "--to")
    out = tmp_path / "plan.json"
    summary = await match_region(ConnectionDatabase(aconn), REQUEST, plan_path=out, commit=True,
                                 ttl_s=600)
    plan = json.loads(out.read_text())
    assert summary["offered"] == summary["filledSlots"] == len(plan["assignments"])
    assert summary["status"] == plan["stats"]["status"] == "OPTIMAL"
