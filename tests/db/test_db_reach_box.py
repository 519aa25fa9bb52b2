"""reach_box (hub.store.matcher_reads), the strips and latitudes that list_reachable_volunteers
reads from sql/0042's volunteer_reach_idx, against PostGIS itself: every point within r of the
demands by ``ST_DWithin(geography)`` (the spheroid) lies in the strips and latitudes it gives,
for random centres, at the antimeridian, at high latitudes and on strip edges, at distances
just under r in every direction; and list_reachable_volunteers equals the brute-force
ST_DWithin query on volunteers placed just inside and just outside their radius.

It can fail (checked when written, reach_box's metres-per-degree divided by 0.98 in a pytest
plugin): with both paddings 2 % smaller every one of the 120 cases has points outside the box
(by latitude) and list_reachable_volunteers misses volunteers; with only the longitude padding
2 % smaller, 6 cases escape (large radii, where 2 % is wider than a 0.05° strip)."""

from __future__ import annotations

import math
import random
from typing import Any

import psycopg
import pytest

from hub.store import matcher_reads, sql
from hub.store.base import ConnectionDatabase
from hub.store.matcher_reads import STRIPS_PER_DEGREE, reach_box

# Points at fractions of r from each demand, every 2° of azimuth: the extremes of the
# circle in latitude (due north and south) and in longitude (near east and west) among them.
_ESCAPES = """
WITH d AS (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326)::geography AS g
             FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) AS t(x, y)),
     p AS (SELECT ST_Project(d.g, %(r)s * f, radians(a))::geometry AS geom
             FROM d, generate_series(0, 358, 2) AS a, unnest(%(fractions)s::float8[]) AS f),
     near AS (SELECT geom FROM p WHERE ST_DWithin(geom::geography,
              (SELECT ST_Collect(g::geometry)::geography FROM d), %(r)s))
SELECT count(*) AS tested,
       count(*) FILTER (WHERE NOT (floor(ST_X(geom) * %(per)s)::integer = ANY(%(strips)s)
                                   AND ST_Y(geom) BETWEEN %(y0)s AND %(y1)s)) AS escaped,
       min(ST_AsText(geom)) FILTER (WHERE NOT (floor(ST_X(geom) * %(per)s)::integer
                                    = ANY(%(strips)s) AND ST_Y(geom) BETWEEN %(y0)s AND %(y1)s))
         AS example
  FROM near"""
FRACTIONS = [0.5, 0.999, 0.99999]
CASES = 120


def _centre(rng: random.Random, kind: str) -> tuple[float, float]:
    if kind == "antimeridian":
        return rng.choice([-1, 1]) * rng.uniform(179.0, 179.999), rng.uniform(-70.0, 70.0)
    if kind == "polar":
        return rng.uniform(-180.0, 180.0), rng.choice([-1, 1]) * rng.uniform(60.0, 89.9)
    if kind == "strip_edge":  # a demand (and so the box's edge) on or by a strip's edge
        edge = rng.randint(-3599, 3599) / STRIPS_PER_DEGREE
        return edge + rng.choice([0.0, 1e-9, -1e-9]), rng.uniform(-60.0, 60.0)
    return rng.uniform(-179.0, 179.0), rng.uniform(-80.0, 80.0)


def _cases(rng: random.Random, count: int) -> list[tuple[list[float], list[float], float]]:
    """(demand longitudes, latitudes, r) of ``count`` random cases: one to three demands
    within ~20 km of a centre, r from 50 m to 500 km (log-uniform)."""
    kinds = ["random", "antimeridian", "polar", "strip_edge"]
    out = []
    for k in range(count):
        lon, lat = _centre(rng, kinds[k % len(kinds)])
        xs, ys = [lon], [lat]
        for _ in range(rng.randint(0, 2)):
            xs.append(max(-180.0, min(180.0, lon + rng.uniform(-0.2, 0.2))))
            ys.append(max(-89.99, min(89.99, lat + rng.uniform(-0.2, 0.2))))
        out.append((xs, ys, math.exp(rng.uniform(math.log(50.0), math.log(500_000.0)))))
    return out


async def test_every_point_within_reach_lies_in_the_box(
        aconn: psycopg.AsyncConnection[Any]) -> None:
    db = ConnectionDatabase(aconn)
    tested, escapes = 0, []
    for xs, ys, r in _cases(random.Random(20261205), CASES):
        strips, y0, y1 = reach_box(min(xs), max(xs), min(ys), max(ys), r)
        [row] = await db.fetch(_ESCAPES, {"xs": xs, "ys": ys, "r": r, "fractions": FRACTIONS,
                                          "per": STRIPS_PER_DEGREE, "strips": strips,
                                          "y0": y0, "y1": y1})
        tested += row["tested"]
        if row["escaped"]:
            escapes.append((xs, ys, round(r), row["escaped"], row["example"]))
    assert tested > CASES * 180 * len(FRACTIONS) * 0.9  # ST_DWithin agrees the points are near
    assert escapes == [], f"{len(escapes)} cases escape the box, e.g. {escapes[:3]}"


# Scenes for list_reachable_volunteers: demands at (lon, lat) and the volunteers' radii.
SCENES = [
    [(179.98, 12.5), (-179.97, 12.52)],        # across the antimeridian
    [(25.3, 78.2), (25.9, 78.25)],             # Svalbard: high latitude, wide strips
    [(0.05, -33.0), (0.1 - 1e-9, -33.02)],     # on strip edges
    [(116.4, 39.9)],                           # a city
]


async def test_reachable_volunteers_equal_brute_force(
        aconn: psycopg.AsyncConnection[Any]) -> None:
    db, rng = ConnectionDatabase(aconn), random.Random(42)
    demand_ids = [r["id"] for r in await db.fetch("SELECT id FROM demand ORDER BY id LIMIT 2")]
    volunteer_ids = [r["id"] for r in await db.fetch(
        "SELECT id FROM volunteer WHERE status = 'active' ORDER BY id LIMIT 48")]
    assert len(demand_ids) == 2 and len(volunteer_ids) == 48
    for scene in SCENES:
        ids = demand_ids[:len(scene)]
        for did, (x, y) in zip(ids, scene, strict=True):
            await aconn.execute("UPDATE demand SET location_geom = ST_SetSRID(ST_MakePoint(%s, %s),"
                             " 4326) WHERE id = %s", (x, y, did))
        # Each volunteer just inside or just outside their own radius of a demand, any way.
        for k, vid in enumerate(volunteer_ids):
            x, y = scene[k % len(scene)]
            radius = rng.choice([300, 5_000, 30_000, 120_000])
            await aconn.execute(
                "UPDATE volunteer SET service_radius_m = %s, home_geom = ST_Project("
                "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, radians(%s))::geometry"
                " WHERE id = %s",
                (radius, x, y, radius * (0.995 if k % 2 else 1.005), rng.uniform(0, 360), vid))
        rows = await matcher_reads.list_reachable_volunteers(db, demand_ids=ids)
        got = {r["id"] for r in rows}
        assert [r["id"] for r in rows] == sorted(got)  # in id order, as the matcher reads them
        held = {r["id"]: r["skills"] for r in await db.fetch(
            "SELECT id, skills FROM volunteer WHERE id = ANY(%s)", (sorted(got),))}
        assert all(r["skills"] == held[r["id"]] for r in rows)  # parsed once per skill set
        brute = {r["id"] for r in await db.fetch(
            "SELECT v.id FROM volunteer v WHERE v.status = 'active' AND ST_DWithin(v.home, "
            "(SELECT ST_Collect(location_geom)::geography FROM demand WHERE id = ANY(%s)), "
            "v.service_radius_m)", (ids,))}
        placed_inside = {vid for k, vid in enumerate(volunteer_ids) if k % 2}
        assert placed_inside <= brute, scene  # the placement did what it says
        assert got == brute, (scene, sorted(got ^ brute))


async def test_an_id_array_is_read_back_as_written(aconn: psycopg.AsyncConnection[Any]) -> None:
    db = ConnectionDatabase(aconn)
    for ids in ([], [7], [3, -1, 2**62, 0, 3]):
        row = await db.fetch("SELECT %(ids)s::bigint[] AS ids", {"ids": sql.int_array(ids)})
        assert row[0]["ids"] == ids
    with pytest.raises(ValueError):
        sql.int_array(["1); DROP TABLE volunteer; --"])  # type: ignore[list-item]
