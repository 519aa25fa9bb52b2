"""The measuring half of bench/bench_national.py: near, z12 tiles, a city's dispatch and a
province's scorecard on the national database, each against the issue's target."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from bench_graphql import ADMIN, NEAR_QUERY, PARTNER, log, pct, timed
from national_seed import BIGGEST, Sizes

from hub.app import create_app
from hub.auth import Field, ScopeNone, scope_of
from hub.gc_tuning import tuned_gc
from hub.geo.divisions import subtree_prefix
from hub.schema import schema
from hub.schema.context import Context
from hub.services import scorecards
from hub.services.match_cli import match_region
from hub.services.matching import CST, MatchRequest
from hub.settings import Settings
from hub.store.base import ConnectionDatabase, RequestDatabase, connect
from hub.store.tiles import TileFilters, tile_sql

PROVINCES = ("44", "37", "41", "51", "31", "62", "65", "54")  # big, middling, far west
NEAR_P50_MS, TILE_MS, DISPATCH_S, SCORECARD_MS = 5.0, 50.0, 10.0, 500.0


@dataclass(frozen=True)
class Row:
    what: str
    p50: float
    p95: float | None
    unit: str
    target: float
    note: str

    def line(self) -> str:
        p95 = "" if self.p95 is None else f"{self.p95:.1f}"
        met = "PASS" if self.p50 <= self.target else "**FAIL**"
        return (f"| {self.what} | {self.p50:.1f} | {p95} | ≤ {self.target:g} {self.unit} "
                f"| {met} | {self.note} |")


def places(url: str) -> list[tuple[str, str, str]]:
    """(county code, name, dense|rural) per province: its most populous district and a
    median rural county (名 …县)."""
    out: list[tuple[str, str, str]] = []
    with psycopg.connect(url) as conn:
        for prov in PROVINCES:
            rows = conn.execute(
                "SELECT v.region_code, r.name, count(*) FROM volunteer v "
                "JOIN region r ON r.code = v.region_code WHERE v.region_code >= %s "
                "AND v.region_code < %s GROUP BY 1, 2 ORDER BY 3 DESC",
                (prov, prov + ":")).fetchall()
            if not rows:
                continue
            out.append((rows[0][0], rows[0][1], "dense"))
            rural = [r for r in rows if r[1].endswith("县")]
            if rural:
                pick = rural[len(rural) // 2]
                out.append((pick[0], pick[1], "rural"))
    return out


def centres(url: str, counties: list[tuple[str, str, str]], per: int
            ) -> dict[str, list[tuple[float, float]]]:
    """``per`` random volunteers' homes in each county, by kind (dense, rural)."""
    got: dict[str, list[tuple[float, float]]] = {"dense": [], "rural": []}
    with psycopg.connect(url) as conn:
        for code, _, kind in counties:
            rows = conn.execute(
                "SELECT ST_X(home_geom), ST_Y(home_geom) FROM volunteer WHERE region_code = %s "
                "ORDER BY hashint8(id + 17) LIMIT %s", (code, per)).fetchall()
            got[kind] += [(float(x), float(y)) for x, y in rows]
    return got


async def near_rows(url: str, settings: Settings, points: dict[str, list[tuple[float, float]]],
                    iterations: int) -> list[Row]:
    """BenchNear through schema().execute with a Context, as bench_graphql.py measures it."""
    app = create_app(settings, database_url=url)
    sch = schema()
    out: list[Row] = []
    async with app.router.lifespan_context(app):
        state = app.state
        for kind, pts in points.items():
            for name, caller in (("partner", PARTNER), ("admin", ADMIN)):
                def run(i: int, pts: list[tuple[float, float]] = pts, caller: Any = caller
                        ) -> Awaitable[Any]:
                    lon, lat = pts[i % len(pts)]
                    ctx = Context(db=RequestDatabase(state.db), caller=caller,
                                  settings=state.settings, cipher=state.cipher,
                                  reads=state.reads, raw_json=True)
                    return sch.execute(NEAR_QUERY, variable_values={"lon": lon, "lat": lat},
                                       context_value=ctx)
                samples = await timed(run, iterations, max(20, iterations // 10))
                out.append(Row(f"near 50×6 in process, {kind} counties, {name}",
                               pct(samples, 0.5), pct(samples, 0.95), "ms", NEAR_P50_MS,
                               f"{len(pts)} centres in {len(PROVINCES)} provinces"))
                log(out[-1].line())
    return out


def tile_of(lon: float, lat: float, z: int = 12) -> tuple[int, int]:
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def tiles(url: str, points: dict[str, list[tuple[float, float]]], rounds: int) -> list[Row]:
    """The SQL of a z12 volunteers tile (hub.store.tiles.tile_sql) on a plain connection."""
    out: list[Row] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for kind, pts in points.items():
            xy = sorted({tile_of(lon, lat) for lon, lat in pts})
            for name, caller in (("partner", PARTNER), ("admin", ADMIN)):
                scope = scope_of(caller, Field.VOLUNTEER_LOCATION)
                cells = isinstance(scope_of(caller, Field.VOLUNTEER), ScopeNone)
                samples, sizes = [], []
                for r in range(rounds + 1):
                    for x, y in xy:
                        sql, params = tile_sql(layer="volunteers", z=12, x=x, y=y,
                                               filters=TileFilters(), volunteer_scope=scope,
                                               cells=cells)
                        started = time.perf_counter()
                        row = conn.execute(sql, params).fetchone()
                        if r:  # the first round warms the cache
                            samples.append(time.perf_counter() - started)
                            sizes.append(len(row[0] or b"") if row else 0)
                out.append(Row(f"z12 volunteers tile (SQL), {kind} counties, {name}",
                               pct(samples, 0.5), pct(samples, 0.95), "ms", TILE_MS,
                               f"{len(xy)} tiles, mean {sum(sizes) // max(1, len(sizes)):,} B"))
                log(out[-1].line())
    return out


async def dispatch(url: str) -> list[Row]:
    """hub.services.matching.preview (as `hub match` calls it) on the city with the most open
    demands in the coming week (Monday to Monday), and on the median city."""
    today = datetime.now(CST).date()
    monday = today + timedelta(days=7 - today.weekday())
    starts = datetime.combine(monday, datetime.min.time(), CST)
    ends = starts + timedelta(days=7)
    with psycopg.connect(url) as conn:
        cities = conn.execute(
            "SELECT coalesce(c.code, r.code), coalesce(c.name, r.name), count(*) FROM demand d "
            "JOIN region r ON r.code = d.region_code "
            "LEFT JOIN region c ON c.code = r.parent_code AND c.level = 'city' "
            "WHERE d.status = 'open' AND lower(d.time_window) >= %s AND lower(d.time_window) < %s "
            "GROUP BY 1, 2 ORDER BY 3 DESC, 1", (starts, ends)).fetchall()
    assert cities, "no open demands next week"
    out: list[Row] = []
    for (city, name, _), which in ((cities[0], "busiest"), (cities[len(cities) // 2], "median")):
        request = MatchRequest(city, subtree_prefix(city), starts, ends, {})
        started = time.perf_counter()
        # As `hub match` runs it: with the hub's collector settings (hub/gc_tuning.py).
        with tuned_gc(Settings.from_env().gc_gen0_threshold):
            async with connect(url, autocommit=True) as db:
                summary = await match_region(db, request, plan_path=None, commit=False,
                                             ttl_s=600)
        seconds = time.perf_counter() - started
        log(f"dispatch {name}: {seconds:.1f} s {summary}")
        out.append(Row(f"a city's dispatch (preview), the {which}: {name} {city[:4]}",
                       seconds, None, "s", DISPATCH_S,
                       f"{summary['demands']:,} demands, {summary['slots']:,} slots, "
                       f"{summary['volunteers']:,} candidates, {summary['filledSlots']:,} filled, "
                       f"{summary['solver']} {summary['status']}, "
                       f"{summary['seconds']:.1f} s of it solving"))
    return out


async def _samples(call: Callable[[], Awaitable[Any]], n: int) -> tuple[list[float], float]:
    """``n`` timed calls after two warm-ups, and the first call's time (the coldest)."""
    samples = []
    for _ in range(n + 2):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples[2:], samples[0] * 1000


async def scorecard(url: str, n: int) -> list[Row]:
    """hub.services.scorecards for the biggest province, as bench_scorecards.py: the cards
    (figures from counts) today (the seed dates every row on its load day, so a past date
    finds few candidates: bench_scorecards.py measures those), and the why-not lists the 看板
    asks when a card is opened (entries(first: 30, counts: false) of each item) for its
    biggest city's pilot."""
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    db = ConnectionDatabase(conn)
    code = BIGGEST + "0000000000"
    cards = await scorecards.scorecards(db, ADMIN, region_code=code)
    city = max((c for c in cards if c.pilot["pilot_type"] == "city"),
               key=lambda c: sum(i.candidates for i in c.items))
    runs: list[tuple[str, Callable[[], Awaitable[Any]], str]] = [
        (f"a province's scorecard, {code[:2]} (the biggest), today",
         lambda: scorecards.scorecards(db, ADMIN, region_code=code),
         f"{len(cards)} pilots, 4 items each, "
         f"{sum(i.candidates for c in cards for i in c.items):,} candidates counted"),
        (f"a pilot's why-not lists, {city.pilot['region_name']} (city)",
         lambda: scorecards.entries(db, [(city, i.item) for i in city.items], first=30,
                                    counts=False),
         f"first 30 not counted of each item, of "
         f"{sum(i.candidates for i in city.items):,} candidates"),
    ]
    out = []
    for what, call, note in runs:
        samples, first = await _samples(call, n)
        out.append(Row(what, pct(samples, 0.5), pct(samples, 0.95), "ms", SCORECARD_MS,
                       f"{note}; first call {first:,.0f} ms"))
        log(out[-1].line())
    await conn.close()
    return out


PARTS = ("near", "tiles", "scorecard", "dispatch")


def measure_all(url: str, sizes: Sizes, *, iterations: int, only: str = "") -> str:
    """The measures (``only``: one part of PARTS)."""
    settings = Settings.from_env()
    rows: list[Row] = []
    if only in ("", "near", "tiles"):
        counties = places(url)
        log("counties: " + ", ".join(f"{n} ({k})" for _, n, k in counties))
        points = centres(url, counties, 25)
        if only in ("", "near"):
            rows += asyncio.run(near_rows(url, settings, points, iterations))
        if only in ("", "tiles"):
            rows += tiles(url, points, rounds=2)
    if only in ("", "scorecard"):
        rows += asyncio.run(scorecard(url, 20))
    if only in ("", "dispatch"):
        rows += asyncio.run(dispatch(url))
    head = (f"\nNational rehearsal on {sizes.volunteers:,} volunteers, {sizes.stations:,} "
            f"stations, {sizes.demands:,} demands (2 shared cores: pessimistic)\n\n"
            "| measure | p50 | p95 | target | met | note |\n|---|---:|---:|---|---|---|")
    return "\n".join([head, *(r.line() for r in rows)])
