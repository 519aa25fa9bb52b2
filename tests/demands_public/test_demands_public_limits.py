"""Public 点单 is rate-limited per account and per client (RATE_LIMITED with retryAfterS), and a
demand's priority is raised for 老少边贫 regions by a rule kept as data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from demands_world import NEIGHBOUR, RAISE, RESIDENT, demand_input

from hub.services import demands
from hub.services.ratelimit import RateLimited
from hub.store.base import ConnectionDatabase
from tests.seeded import Gql, errors_of
from tests.workflow.workflow_world import ADMIN, ZHENGZHOU, one

RULE = """{ demandPriorityRules { id name flags multiplier floor inForce activeFrom } }"""
SHOW = """query($id: ID!) { node(id: $id) { ... on Demand { priority basePriority
  priorityRule { id name flags multiplier } } } }"""


async def test_an_account_over_its_hourly_limit_is_told_rate_limited(gql: Gql):
    limit = gql.settings.demand_raises_per_account_per_hour
    for _ in range(limit):
        out = await gql.data(RAISE, {"input": demand_input()}, caller=RESIDENT)
        assert out["raiseDemand"]["errors"] == []
    result = await gql(RAISE, {"input": demand_input()}, caller=RESIDENT)
    [(code, message)] = errors_of(result)
    assert code == "RATE_LIMITED" and "demands raised from this account" in message
    assert result.errors and result.errors[0].extensions
    assert 0 < result.errors[0].extensions["retryAfterS"] <= 3600
    # Another resident is not held back by the first one's count, nor are dispatchers.
    assert (await gql.data(RAISE, {"input": demand_input()}, caller=NEIGHBOUR)
            )["raiseDemand"]["errors"] == []
    for _ in range(limit + 1):
        out = await gql.data(RAISE, {"input": demand_input()}, caller=ZHENGZHOU)
        assert out["raiseDemand"]["errors"] == []


async def test_a_client_over_its_hourly_limit_is_refused_whichever_account_it_uses(
        aconn: psycopg.AsyncConnection[Any]):
    db = ConnectionDatabase(aconn)
    station, region, lon, lat = await one(aconn, "SELECT id, region_code, ST_X(location_geom), "
                                                 "ST_Y(location_geom) FROM station WHERE id = 1")
    starts = datetime.now(UTC) + timedelta(days=2)
    demand = demands.NewDemand(
        title="科普讲座", description="", category="health", required_skills=("health",),
        needed=1, starts_at=starts, ends_at=starts + timedelta(hours=2), lon=lon, lat=lat,
        station_id=station, region_code=region, raised_by="resident:x",
        raised_by_kind="community", priority=1.0, requires_insurance=False)
    limits = demands.RaiseLimits(client="203.0.113.7", per_account=100, per_client=2)
    for caller in (RESIDENT, NEIGHBOUR):
        await demands.raise_demand(db, caller, replace(demand, raised_by=f"x:{caller.sub}"),
                                   region_prefix=region[:6], limits=limits)
    with pytest.raises(RateLimited) as refused:
        await demands.raise_demand(db, RESIDENT, demand, region_prefix=region[:6],
                                   limits=limits)
    assert "from this client" in refused.value.message and refused.value.retry_after_s > 0


async def test_a_demand_in_a_poor_county_gets_the_raised_priority(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    [rule] = (await gql.data(RULE))["demandPriorityRules"]
    assert rule["inForce"] and rule["multiplier"] == 2 and rule["activeFrom"] is None
    assert set(rule["flags"]) == {"remote", "poor", "border", "ethnic", "revolutionary"}
    # 兰考县 (410225) is a poor county and old revolutionary base area in the demo's list;
    # 郑州市中原区 (410102) is neither.
    poor = await one(aconn, "SELECT is_poor FROM region WHERE code = '410225000000'")
    assert poor is True
    raised = await _raise_at(gql, aconn, "410225000000", priority=3)
    assert raised["priority"] == 6 and raised["basePriority"] == 3
    assert raised["priorityRule"]["id"] == rule["id"]
    plain = await _raise_at(gql, aconn, "410102000000", priority=3)
    assert plain["priority"] == 3 and plain["priorityRule"] is None


END = """mutation($id: Int!) { endDemandPriorityRule(input: {ruleId: $id}) {
  rule { id inForce activeUntil } errors { field code } } }"""
ADD = """mutation($i: AddDemandPriorityRuleInput!) { addDemandPriorityRule(input: $i) {
  rule { id name flags floor multiplier inForce } errors { field code message messageZh } } }"""


async def test_changing_the_rule_changes_new_demands_only(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    before = await _raise_at(gql, aconn, "410225000000", priority=2)
    assert before["priority"] == 4
    # The old rule ends now; a new one (a floor of 50 for 老区) starts.
    [rule] = (await gql.data(RULE))["demandPriorityRules"]
    ended = (await gql.data(END, {"id": rule["id"]}, caller=ADMIN))["endDemandPriorityRule"]
    assert ended["errors"] == [] and not ended["rule"]["inForce"]
    again = (await gql.data(END, {"id": rule["id"]}, caller=ADMIN))["endDemandPriorityRule"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]
    added = (await gql.data(ADD, {"i": {"name": "革命老区 50 起", "flags": ["revolutionary"],
                                        "floor": 50}}, caller=ADMIN))["addDemandPriorityRule"]
    assert added["errors"] == [] and added["rule"]["inForce"]
    after = await _raise_at(gql, aconn, "410225000000", priority=2)
    assert after["priority"] == 50 and after["priorityRule"]["flags"] == ["revolutionary"]
    again = (await gql.data(SHOW, {"id": before["id"]}, caller=ADMIN))["node"]
    assert again["priority"] == 4 and again["basePriority"] == 2  # as it was raised
    # A rule never lowers a priority, and never beyond 100.
    high = await _raise_at(gql, aconn, "410225000000", priority=80)
    assert high["priority"] == 80 and high["priorityRule"] is None


async def test_a_bad_rule_is_refused_field_by_field_and_only_admins_manage_rules(gql: Gql):
    bad = {"name": "x", "flags": ["rich"], "regionPrefix": "41a", "category": "占卜",
           "multiplier": 0.5, "floor": 101}
    out = (await gql.data(ADD, {"i": bad}, caller=ADMIN))["addDemandPriorityRule"]
    assert out["rule"] is None
    assert {e["field"] for e in out["errors"]} == {
        "name", "flags[0]", "regionPrefix", "category", "multiplier", "floor"}
    assert all(e["code"] == "INVALID" and e["messageZh"] for e in out["errors"])
    later = datetime.now(UTC) + timedelta(days=30)
    future = (await gql.data(ADD, {"i": {"name": "明年起", "multiplier": 3,
                                         "activeFrom": later.isoformat()}},
                             caller=ADMIN))["addDemandPriorityRule"]
    assert future["errors"] == [] and not future["rule"]["inForce"]
    removed = (await gql.data(END, {"id": future["rule"]["id"]}, caller=ADMIN)
               )["endDemandPriorityRule"]
    assert removed == {"rule": None, "errors": []}  # it never began: removed
    for caller in (ZHENGZHOU, RESIDENT):
        [(code, _)] = errors_of(await gql(ADD, {"i": {"name": "调度员规则", "multiplier": 2}},
                                          caller=caller))
        assert code == "FORBIDDEN"


async def test_a_priority_rule_is_data_the_database_checks(aconn: psycopg.AsyncConnection[Any]):
    for values in ("'x', '{rich}', 2", "'x', '{poor}', 0.5", "'x', '{poor}', 1"):
        async with aconn.transaction():
            with pytest.raises(psycopg.errors.CheckViolation):
                await aconn.execute("INSERT INTO demand_priority_rule (name, flags, multiplier) "
                                    f"VALUES ({values})")


async def _raise_at(gql: Gql, aconn: psycopg.AsyncConnection[Any], region: str,
                    priority: float) -> dict[str, Any]:
    lon, lat = await one(aconn, "SELECT ST_X(centroid_geom), ST_Y(centroid_geom) FROM region "
                                "WHERE code = %s", (region,))
    data = demand_input(None, regionCode=region, location={"lon": lon, "lat": lat},
                        priority=priority)
    out = (await gql.data(RAISE, {"input": data}, caller=ADMIN))["raiseDemand"]
    assert out["errors"] == [], out["errors"]
    shown = (await gql.data(SHOW, {"id": out["demand"]["id"]}, caller=ADMIN))["node"]
    return {"id": out["demand"]["id"], **shown}
