"""previewDispatch with the 老少边贫 floor (issue 16.4): the plan fills at least the required
priority-area slots, counted here from the demands' own regions and flags, and prices it."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import psycopg

from hub.auth import Caller, Role
from hub.services.matching import CST
from tests.seeded import SEED, Gql

START = datetime.combine(SEED.start_date, datetime.min.time(), CST)
PREVIEW = """mutation($code: String!, $from: DateTime!, $to: DateTime!, $rate: Float) {
  previewDispatch(input: {regionCode: $code, from: $from, to: $to, priorityMinFillRate: $rate,
                          options: {weights: {skill: 0, fairness: 0}}}) {
    plan { stats { status objective totalDistanceM priorityFloor { minFillRate slots reachable
      required filled binding filledWithout objectiveWithout distanceWithoutM priceDistanceM
      priceObjective } }
      assignments { demand { id } } }
    errors { field code message } } }"""
# A demand is in a priority area when its region, or a division above it, carries a flag:
# written out here by the code's levels, independently of hub_region_flags.
AREA = """SELECT d.id, d.needed - (SELECT count(*) FROM dispatch x WHERE x.demand_id = d.id
                                   AND x.active)
  FROM demand d WHERE d.region_code LIKE '62%%' AND lower(d.time_window) >= %s
   AND lower(d.time_window) < %s AND d.status IN ('open', 'dispatched')
   AND EXISTS (SELECT 1 FROM region r WHERE (r.is_remote OR r.is_poor OR r.is_border
               OR r.is_ethnic OR r.is_revolutionary) AND r.code IN (d.region_code,
               rpad(left(d.region_code, 9), 12, '0'), rpad(left(d.region_code, 6), 12, '0'),
               rpad(left(d.region_code, 4), 12, '0'), rpad(left(d.region_code, 2), 12, '0')))"""


async def test_preview_with_the_floor(aconn: psycopg.AsyncConnection[Any], gql: Gql) -> None:
    ends = START + timedelta(days=7)
    cur = await aconn.execute(AREA, (START, ends))
    remaining = {str(i): int(n) for i, n in await cur.fetchall() if n > 0}
    assert remaining, "the seeded Gansu week has demands in priority areas"
    dispatcher = Caller(role=Role.DISPATCHER, sub="d1", region="620000000000")
    args = {"code": "620000", "from": START.isoformat(), "to": ends.isoformat()}
    out = (await gql.data(PREVIEW, {**args, "rate": 1.0}, caller=dispatcher))["previewDispatch"]
    assert out["errors"] == []
    stats = out["plan"]["stats"]
    f = stats["priorityFloor"]
    assert f["slots"] == sum(remaining.values())
    assert f["required"] == min(math.ceil(f["slots"]), f["reachable"])
    from hub.schema.node import decode_id

    ids = [str(decode_id(a["demand"]["id"], "Demand")) for a in out["plan"]["assignments"]]
    assert f["filled"] == sum(1 for i in ids if i in remaining) >= f["required"]
    assert f["priceObjective"] >= 0
    assert f["priceDistanceM"] == stats["totalDistanceM"] - f["distanceWithoutM"]
    # Without the rate, no floor figures.
    plain = (await gql.data(PREVIEW, args, caller=dispatcher))["previewDispatch"]["plan"]
    assert plain["stats"]["priorityFloor"] is None
    assert plain["stats"]["objective"] == f["objectiveWithout"]
    bad = (await gql.data(PREVIEW, {**args, "rate": 1.5}, caller=dispatcher))["previewDispatch"]
    assert bad["plan"] is None
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("priorityMinFillRate",
                                                                 "INVALID")]
