"""The office's measures (issue 16.8): regionSeries and regionMeasure against a plain Python
computation over the rows of the tables (tests/office/measures_world.py), pilots passed
against the scorecards' drill-down, who may ask, and the bounds' coded errors."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.office.measures import INFOS, Measure
from tests.office.measures_world import CITY, PERIOD, oracle, populate
from tests.seeded import Gql, errors_of

ADMIN = Caller(Role.ADMIN, "admin-1")
SERIES = """query($c: String!, $m: [OfficeMeasure!]!, $f: Date!, $t: Date!) {
  regionSeries(regionCode: $c, measures: $m, from: $f, to: $t) {
    regionCode regionName months series { measure { measure unit cumulative labelZh }
    values } } }"""
MAP = """query($c: String!, $m: OfficeMeasure!, $f: Date!, $t: Date!) {
  regionMeasure(regionCode: $c, measure: $m, from: $f, to: $t) {
    measure { measure label labelEn } regionCode regionName from to total
    children { regionCode regionName level value } } }"""
DRILL = """query($c: String!, $d: Date!) { scorecards(regionCode: $c, asOf: $d) {
  total { pilotsPassed } children { regionCode pilotsPassed } } }"""
ALL = [m for m in Measure if m is not Measure.PILOTS_PASSED]
ARGS = {"c": CITY, "f": PERIOD[0].isoformat(), "t": PERIOD[1].isoformat()}


def _same(got: float | None, want: float | None, what: str) -> None:
    if want is None:
        assert got is None, what
    else:
        assert got == pytest.approx(want, abs=1e-6), what


async def test_series_and_map_match_the_rows(aconn: psycopg.AsyncConnection[Any],
                                             gql: Gql) -> None:
    a, b = await populate(aconn)
    series = (await gql.data(SERIES, {**ARGS, "m": [m.name for m in ALL]},
                             caller=ADMIN))["regionSeries"]
    assert series["months"] == ["2019-01-01", "2019-02-01", "2019-03-01"]
    assert series["regionName"] == "洛阳市"
    want = await oracle(aconn, 12)
    for s in series["series"]:
        m = Measure[s["measure"]["measure"]]
        assert s["measure"]["cumulative"] == INFOS[m].cumulative
        for k, got in enumerate(s["values"], start=1):
            _same(got, want[m].get((None, k), None if m.name.endswith("RATE") else 0.0),
                  f"{m.name} month {k}")
    # The rows put in show up: the star volunteers are v1 (January) and v4 (March).
    by = {s["measure"]["measure"]: s["values"] for s in series["series"]}
    assert by["STAR_VOLUNTEERS"][2] - by["STAR_VOLUNTEERS"][0] >= 1
    assert by["SERVICE_HOURS"][1] - 0 >= 3  # v2's 5 h corrected to 3, v1's 1 h netted out
    areas = await oracle(aconn, 6)
    for m in ALL:
        got = (await gql.data(MAP, {**ARGS, "m": m.name}, caller=ADMIN))["regionMeasure"]
        default = None if m.name.endswith("RATE") else 0.0
        _same(got["total"], areas[m].get((None, None), default), f"{m.name} total")
        children = {c["regionCode"]: c for c in got["children"]}
        assert a in children and b in children and children[a]["level"] == "county"
        for code, child in children.items():
            _same(child["value"], areas[m].get((code[:6], None), default), f"{m.name} {code}")
    fill = (await gql.data(MAP, {**ARGS, "m": "PRIORITY_FILL_RATE"}, caller=ADMIN))
    values = {c["regionCode"]: c["value"] for c in fill["regionMeasure"]["children"]}
    assert values[a] is None and values[b] == pytest.approx(100 / 3)


async def test_pilots_passed_follow_the_scorecards(aconn: psycopg.AsyncConnection[Any],
                                                   gql: Gql) -> None:
    await populate(aconn)
    province = "410000000000"
    series = (await gql.data(SERIES, {**ARGS, "c": province, "m": ["PILOTS_PASSED"]},
                             caller=ADMIN))["regionSeries"]["series"][0]["values"]
    for k, last in enumerate(("2019-01-31", "2019-02-28", "2019-03-31")):
        drill = (await gql.data(DRILL, {"c": province, "d": last}, caller=ADMIN))["scorecards"]
        assert series[k] == drill["total"]["pilotsPassed"], last
    got = (await gql.data(MAP, {**ARGS, "c": province, "m": "PILOTS_PASSED"},
                          caller=ADMIN))["regionMeasure"]
    drill = (await gql.data(DRILL, {"c": province, "d": "2019-03-31"}, caller=ADMIN))
    assert {c["regionCode"]: c["value"] for c in got["children"]} == {
        c["regionCode"]: c["pilotsPassed"] for c in drill["scorecards"]["children"]}


async def test_dispatchers_see_their_subtree_only(aconn: psycopg.AsyncConnection[Any],
                                                  gql: Gql) -> None:
    a, _ = await populate(aconn)
    mine = Caller(Role.DISPATCHER, "d-1", region=CITY)
    args = {**ARGS, "m": "SERVICE_HOURS"}
    got = (await gql.data(MAP, args, caller=mine))["regionMeasure"]
    own = (await gql.data(MAP, {**args, "c": a}, caller=mine))["regionMeasure"]
    assert own["total"] == next(c["value"] for c in got["children"] if c["regionCode"] == a)
    for caller, code in ((Caller(Role.DISPATCHER, "d-2", region="410100000000"), "FORBIDDEN"),
                         (Caller(Role.DISPATCHER, "d-3", region=a), "FORBIDDEN"),
                         (Caller(Role.ORG_ADMIN, "o-1", org=1), "FORBIDDEN"),
                         (Caller(Role.ANONYMOUS), "UNAUTHENTICATED")):
        for query, extra in ((MAP, {"m": "SERVICE_HOURS"}), (SERIES, {"m": ["VOLUNTEERS"]})):
            result = await gql(query, {**ARGS, **extra}, caller=caller)
            assert [c for c, _ in errors_of(result)] == [code], caller


@pytest.mark.parametrize(("code", "start", "end", "measures", "field", "reason"), [
    ("4103", "2019-01-01", "2019-02-01", 1, "regionCode", "UNKNOWN_REGION"),
    ("419999000000", "2019-01-01", "2019-02-01", 1, "regionCode", "UNKNOWN_REGION"),
    (CITY, "2019-02-01", "2019-02-01", 1, "to", "INVALID_PERIOD"),
    (CITY, "2019-03-01", "2019-02-01", 1, "to", "INVALID_PERIOD"),
    (CITY, "1999-12-01", "2000-02-01", 1, "from", "INVALID_PERIOD"),
    (CITY, "2019-01-31", "2022-01-02", 1, "to", "TOO_MANY_MONTHS"),
    (CITY, "2019-01-01", "2019-02-01", 0, "measures", "TOO_MANY_MEASURES"),
    (CITY, "2019-01-01", "2019-02-01", 13, "measures", "TOO_MANY_MEASURES"),
])
async def test_bounds_are_coded(gql: Gql, code: str, start: str, end: str, measures: int,
                                field: str, reason: str) -> None:
    names = [m.name for m in Measure]
    result = await gql(SERIES, {"c": code, "f": start, "t": end,
                                "m": (names * 2)[:measures]}, caller=ADMIN)
    assert result.errors is not None and len(result.errors) == 1
    ext = result.errors[0].extensions or {}
    assert (ext["code"], ext["field"], ext["reason"]) == ("BAD_USER_INPUT", field, reason)
    assert ext["messageZh"] and ext["messageEn"]


async def test_36_months_are_allowed(gql: Gql) -> None:
    got = (await gql.data(SERIES, {"c": CITY, "f": "2019-01-31", "t": "2022-01-01",
                                   "m": ["DEMANDS"]}, caller=ADMIN))["regionSeries"]
    assert len(got["months"]) == 36 and len(got["series"][0]["values"]) == 36


async def test_measures_are_listed(gql: Gql) -> None:
    got = (await gql.data("{ officeMeasures { measure labelZh labelEn unit cumulative } }",
                          {}, caller=ADMIN))["officeMeasures"]
    assert [g["measure"] for g in got] == [m.name for m in Measure]
    assert all(g["labelZh"] and g["labelEn"] and g["unit"] for g in got)
