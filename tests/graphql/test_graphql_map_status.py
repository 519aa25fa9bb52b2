"""The map shows demands still to be served (open, dispatched, in progress): done, reviewed and
cancelled ones (a year of them in the demo's history) are not drawn, on the layer nor on tiles.
Through the whole HTTP app on the seeded PostGIS, in the test's rolled-back transaction."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from hub.schema.node import decode_id

LAYER = ("{ mapLayer(layer: DEMANDS, bbox: {west: 73, south: 18, east: 135, north: 54}, "
         "limit: 10000) }")
LIVE = ("open", "dispatched", "in_progress")


async def test_only_demands_still_to_be_served_are_drawn(
        admin_http: httpx.AsyncClient, aconn: psycopg.AsyncConnection[Any]):
    ids = [r[0] for r in await (await aconn.execute(
        "SELECT id FROM demand ORDER BY id LIMIT 6")).fetchall()]
    states = dict(zip(ids, ("open", "dispatched", "in_progress", "done", "reviewed",
                            "cancelled"), strict=True))
    for ident, state in states.items():
        await aconn.execute("UPDATE demand SET status = %s WHERE id = %s", (state, ident))
    body = (await admin_http.post("/graphql", json={"query": LAYER})).json()
    drawn = {decode_id(f["id"], "Demand"): f["properties"]["status"]
             for f in body["data"]["mapLayer"]["features"]}
    assert drawn and set(drawn.values()) <= set(LIVE)
    assert {i for i, s in states.items() if s in LIVE} <= set(drawn)
    assert not {i for i, s in states.items() if s not in LIVE} & set(drawn)
    [[hidden]] = await (await aconn.execute(
        "SELECT count(*) FROM demand WHERE status NOT IN ('open', 'dispatched', 'in_progress')"
    )).fetchall()
    [[live]] = await (await aconn.execute(
        "SELECT count(*) FROM demand WHERE status IN ('open', 'dispatched', 'in_progress')"
    )).fetchall()
    assert hidden >= 3 and len(drawn) == live
