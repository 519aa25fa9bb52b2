"""老少边贫 equity (issue 16.4): the figures of the maintained summary against a plain
computation from the rows the test inserted; who may see them; coded bad input."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from tests.office.equity_world import (
    MONTH,
    EquityWorld,
    accept,
    add_demand,
    correct,
    make_world,
    oracle,
    record,
)
from tests.seeded import Gql, errors_of

ADMIN = Caller(Role.ADMIN, "admin-1")
EQUITY = """query($c: String!, $f: Date!, $t: Date!) { equity(regionCode: $c, from: $f, to: $t) {
  regionCode from to
  overall { category labelZh labelEn fillRateGap priority { ...M } rest { ...M } }
  categories { category labelZh labelEn fillRateGap priority { ...M } rest { ...M } } } }
fragment M on EquityMeasures { demands slots filledSlots fillRate meanHoursToFill
  medianHoursToFill meanDistanceKm hours expertHours }"""


async def _populate(conn: psycopg.AsyncConnection[Any]) -> EquityWorld:
    w = await make_world(conn)
    v = [vid for vid, _, _ in w.volunteers]
    # Poor county: health demand fully served, one by an expert; agri demand half filled.
    d1 = await add_demand(conn, w, region=w.poor, category="health", needed=2, day=3,
                          lon=112.35, lat=34.55)
    await accept(conn, w, w.demands[-1], v[0], after_h=5)
    r = await record(conn, w, w.demands[-1], v[0], 3, after_h=60)
    await correct(conn, w.demands[-1], r, v[0], -0.5)
    await record(conn, w, w.demands[-1], v[2], 2, after_h=70)
    await add_demand(conn, w, region=w.poor, category="agri_tech", needed=4, day=9,
                     lon=112.40, lat=34.50)
    await accept(conn, w, w.demands[-1], v[3], after_h=30)
    await accept(conn, w, w.demands[-1], v[4], after_h=10)
    # The rest: two health demands (one unfilled), a cancelled one not counted.
    await add_demand(conn, w, region=w.plain, category="health", needed=1, day=4,
                     lon=112.45, lat=34.62)
    await record(conn, w, w.demands[-1], v[1], 2.5, after_h=50)
    await add_demand(conn, w, region=w.plain, category="health", needed=3, day=20,
                     lon=112.46, lat=34.63)
    await add_demand(conn, w, region=w.plain, category="health", needed=5, day=21,
                     lon=112.46, lat=34.63, cancelled=True)
    assert d1 > 0
    return w


def _check(got: dict[str, Any], want: dict[str, Any] | None) -> None:
    if want is None:
        assert got["demands"] == 0 and got["fillRate"] is None
        return
    for key, value in want.items():
        if value is None or isinstance(value, int):
            assert got[key] == value, key
        else:
            assert got[key] == pytest.approx(value, rel=1e-6, abs=1e-6), key


async def test_equity_matches_a_plain_computation(aconn: psycopg.AsyncConnection[Any],
                                                  gql: Gql) -> None:
    w = await _populate(aconn)
    experts = {w.volunteers[0][0], w.volunteers[1][0]}
    want = oracle(w, experts)
    data = (await gql.data(EQUITY, {"c": w.city, "f": MONTH[0].isoformat(),
                                    "t": MONTH[1].isoformat()}, caller=ADMIN))["equity"]
    assert (data["regionCode"], data["from"], data["to"]) == (w.city, "2020-03-01", "2020-04-01")
    overall = data["overall"]
    assert overall["category"] is None and overall["labelZh"] == "全部类别"
    _check(overall["priority"], want[(None, True)])
    _check(overall["rest"], want[(None, False)])
    assert overall["fillRateGap"] == pytest.approx(
        want[(None, True)]["fillRate"] - want[(None, False)]["fillRate"])
    by = {c["category"]: c for c in data["categories"]}
    assert list(by) == ["agri_tech", "health"]
    assert by["health"]["labelZh"] == "医疗健康" and by["health"]["labelEn"] == "Health"
    for cat in by:
        _check(by[cat]["priority"], want.get((cat, True)))
        _check(by[cat]["rest"], want.get((cat, False)))
    assert by["agri_tech"]["fillRateGap"] is None  # no agri demand outside priority areas
    # The expert hours are the expert's net of the correction: 3 − 0.5.
    assert by["health"]["priority"]["expertHours"] == pytest.approx(2.5)


async def test_equity_follows_flags_and_changes(aconn: psycopg.AsyncConnection[Any],
                                                gql: Gql) -> None:
    """Flagging a county moves its demands at once; a new record counts at once."""
    w = await _populate(aconn)
    args = {"c": w.city, "f": MONTH[0].isoformat(), "t": MONTH[1].isoformat()}
    await aconn.execute("UPDATE region SET is_revolutionary = true WHERE code = %s", (w.plain,))
    data = (await gql.data(EQUITY, args, caller=ADMIN))["equity"]
    assert data["overall"]["rest"]["demands"] == 0
    assert data["overall"]["priority"]["demands"] == 4
    unfilled = w.demands[3]
    await record(aconn, w, unfilled, w.volunteers[5][0], 1.0, after_h=24)
    data = (await gql.data(EQUITY, args, caller=ADMIN))["equity"]
    assert data["overall"]["priority"]["filledSlots"] == 2 + 2 + 1 + 1
    # A county asks only for its own demands.
    county = (await gql.data(EQUITY, {**args, "c": w.poor}, caller=ADMIN))["equity"]
    assert county["overall"]["priority"]["demands"] == 2


async def test_equity_is_for_the_region_s_dispatchers_and_admins(
        aconn: psycopg.AsyncConnection[Any], gql: Gql) -> None:
    w = await _populate(aconn)
    args = {"c": w.city, "f": MONTH[0].isoformat(), "t": MONTH[1].isoformat()}
    mine = Caller(Role.DISPATCHER, "d-1", region=w.city)
    assert (await gql.data(EQUITY, args, caller=mine))["equity"]["overall"]["priority"][
        "demands"] == 2
    for caller, code in ((Caller(Role.DISPATCHER, "d-2", region="410100000000"),
                          "FORBIDDEN"),
                         (Caller(Role.DISPATCHER, "d-3", region=w.poor), "FORBIDDEN"),
                         (Caller(Role.ORG_ADMIN, "o-1", org=1), "FORBIDDEN"),
                         (Caller(Role.ANONYMOUS), "UNAUTHENTICATED")):
        result = await gql(EQUITY, args, caller=caller)
        assert [c for c, _ in errors_of(result)] == [code], caller


@pytest.mark.parametrize(("code", "start", "end", "field", "reason"), [
    ("4103", "2020-03-01", "2020-04-01", "regionCode", "UNKNOWN_REGION"),
    ("419999000000", "2020-03-01", "2020-04-01", "regionCode", "UNKNOWN_REGION"),
    ("410300000000", "2020-04-01", "2020-04-01", "to", "INVALID_PERIOD"),
    ("410300000000", "2020-01-01", "2023-06-01", "to", "INVALID_PERIOD"),
])
async def test_equity_bad_input_is_coded(gql: Gql, code: str, start: str, end: str,
                                         field: str, reason: str) -> None:
    result = await gql(EQUITY, {"c": code, "f": start, "t": end}, caller=ADMIN)
    assert result.errors is not None and len(result.errors) == 1
    ext = result.errors[0].extensions or {}
    assert (ext["code"], ext["field"], ext["reason"]) == ("BAD_USER_INPUT", field, reason)
    assert ext["messageZh"] and ext["messageEn"]
