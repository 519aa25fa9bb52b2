"""Benchmark: vector tiles over 1,000,000 volunteers.

Targets (issue 7): an uncached z12 volunteers tile over HTTP in ≤ 1.2 × the time of the bare SQL
that builds it, measured side by side in one run; cached tiles at ≥ 2,000 per second.

Run with `.venv/bin/python bench/bench_tiles.py [--quick] [--seconds S]`.

* Database: bench/bench_graphql.py's scratch database ``hub_bench_graphql`` (1,000,000
  volunteers; created and seeded by the same code when absent), ``hub_bench_graphql_100000``
  with ``--quick``.
* Tiles: the z12 tiles of random volunteers' homes in Henan (so tiles as a map user sees them).
* Side by side: for each tile in turn, the statement from ``hub.store.tiles.tile_sql`` on a
  plain psycopg connection, then ``GET /tiles/volunteers/12/x/y.mvt`` on uvicorn (one worker)
  with a fresh ``v`` each time so the cache always misses; both timed from the client.
* Cached: wrk (a separate process, one thread) over those tiles' URLs, once warmed.
"""

from __future__ import annotations

import argparse
import http.client
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_graphql import (
    FULL_VOLUNTEERS,
    HENAN,
    QUICK_VOLUNTEERS,
    ensure_database,
    log,
    uvicorn_server,
)

from hub.app import dev_settings
from hub.auth import ANONYMOUS, Caller, Field, Role, ScopeNone, issue_token, scope_of
from hub.db import database_url
from hub.settings import Settings
from hub.store.tiles import TileFilters, tile_sql

Z = 12
RATIO_TARGET = 1.2
CACHED_RPS_TARGET = 2_000.0
WRK_SCRIPT = """
local paths = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""


def pick_tiles(url: str, n: int, rng: random.Random) -> list[tuple[int, int]]:
    """Distinct z12 tiles holding random volunteers' homes in Henan."""
    west, south, east, north = HENAN
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT ST_X(home_geom), ST_Y(home_geom) FROM volunteer TABLESAMPLE SYSTEM (1) "
            "REPEATABLE (%s) WHERE home_geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) LIMIT 5000",
            (rng.randint(0, 10**6), west, south, east, north),
        ).fetchall()
    tiles: list[tuple[int, int]] = []
    for lon, lat in rng.sample(rows, len(rows)):
        tile = _tile_of(lon, lat)
        if tile not in tiles:
            tiles.append(tile)
        if len(tiles) == n:
            break
    return tiles


def _tile_of(lon: float, lat: float) -> tuple[int, int]:
    n = 2**Z
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return int((lon + 180.0) / 360.0 * n), int(y)


def side_by_side(
    url: str,
    base: str,
    tiles: list[tuple[int, int]],
    caller: Caller,
    headers: dict[str, str],
    rounds: int,
) -> tuple[list[float], list[float], int]:
    """(bare SQL ms, HTTP uncached ms, mean tile bytes), interleaved tile by tile."""
    scope = scope_of(caller, Field.VOLUNTEER_LOCATION)
    cells = isinstance(scope_of(caller, Field.VOLUNTEER), ScopeNone)  # as hub/tiles.py decides
    host = urlsplit(base)
    web = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    sql_ms: list[float] = []
    http_ms: list[float] = []
    sizes: list[int] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for r in range(rounds):
            for i, (x, y) in enumerate(tiles):
                sql, params = tile_sql(
                    layer="volunteers", z=Z, x=x, y=y, filters=TileFilters(), volunteer_scope=scope,
                    cells=cells,
                )
                started = time.perf_counter()
                row = conn.execute(sql, params).fetchone()
                elapsed = (time.perf_counter() - started) * 1000
                size = len(row[0] or b"") if row else 0
                started = time.perf_counter()
                web.request(
                    "GET",
                    f"/tiles/volunteers/{Z}/{x}/{y}.mvt?v={r}-{i}-{time.time_ns()}",
                    headers=headers,
                )
                answer = web.getresponse()
                body = answer.read()
                http_elapsed = (time.perf_counter() - started) * 1000
                # Sizes may differ by a few per cent: parallel workers build partial layers.
                if answer.status != 200 or (size > 0) != (len(body) > 0):
                    raise RuntimeError(
                        f"tile {x}/{y}: HTTP {answer.status}, {len(body)} bytes (SQL gave {size})"
                    )
                if r > 0:  # the first round warms caches on both paths
                    sql_ms.append(elapsed)
                    http_ms.append(http_elapsed)
                    sizes.append(size)
    web.close()
    return sql_ms, http_ms, int(statistics.mean(sizes))


def cached_rps(base: str, tiles: list[tuple[int, int]], seconds: int, workdir: Path) -> float:
    """Requests per second for tiles already in the cache (wrk, 1 thread, 32 connections)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is needed for the cached-tile line (apt-get install wrk)")
    paths = [f"/tiles/volunteers/{Z}/{x}/{y}.mvt" for x, y in tiles]
    host = urlsplit(base)
    web = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    for path in paths:  # warm the cache
        web.request("GET", path)
        web.getresponse().read()
    web.close()
    (workdir / "paths.txt").write_text("\n".join(paths) + "\n")
    (workdir / "tiles.lua").write_text(WRK_SCRIPT)
    out = subprocess.run(
        [
            wrk,
            "-t1",
            "-c32",
            f"-d{seconds}s",
            "-s",
            str(workdir / "tiles.lua"),
            base,
            "--",
            str(workdir / "paths.txt"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError(f"wrk printed no rate:\n{out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 volunteers")
    parser.add_argument("--tiles", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    settings = dev_settings(Settings.from_env())
    n = QUICK_VOLUNTEERS if args.quick else FULL_VOLUNTEERS
    name = "hub_bench_graphql" if n == FULL_VOLUNTEERS else f"hub_bench_graphql_{n}"
    url = ensure_database(
        database_url(settings, start=True), name, n, reseed=False, settings=settings
    )
    tiles = pick_tiles(url, args.tiles, random.Random(7))
    log(f"{len(tiles)} z{Z} tiles")
    admin = Caller(role=Role.ADMIN, sub="bench-admin")
    token = issue_token(settings, sub="bench-admin", role="admin")
    partner = issue_token(settings, sub="bench-partner", role="partner")
    rows: list[tuple[str, str, str, str]] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, uvicorn_server(url, 1) as base:
        for label, caller, headers in (
            ("anonymous (cells)", ANONYMOUS, {}),
            ("partner (coarse)", Caller(role=Role.PARTNER, sub="bench-partner"),
             {"Authorization": f"Bearer {partner}"}),
            ("admin (exact)", admin, {"Authorization": f"Bearer {token}"}),
        ):
            sql_ms, http_ms, size = side_by_side(url, base, tiles, caller, headers, args.rounds)
            ratio = statistics.median(http_ms) / statistics.median(sql_ms)
            rows.append(
                (
                    f"z{Z} volunteers, {label}, bare SQL",
                    f"{statistics.median(sql_ms):.1f} ms",
                    f"{size:,} B",
                    "",
                )
            )
            rows.append(
                (
                    f"z{Z} volunteers, {label}, HTTP uncached",
                    f"{statistics.median(http_ms):.1f} ms",
                    f"× {ratio:.2f}",
                    f"≤ {RATIO_TARGET} ×",
                )
            )
            if ratio > RATIO_TARGET:
                failures.append(f"{label}: HTTP/SQL = {ratio:.2f}")
        rps = cached_rps(base, tiles, args.seconds, Path(tmp))
        rows.append(
            (
                "cached tiles, wrk 32 connections, 1 worker",
                f"{rps:,.0f} /s",
                "",
                f"≥ {CACHED_RPS_TARGET:,.0f} /s",
            )
        )
        if rps < CACHED_RPS_TARGET:
            failures.append(f"cached tiles: {rps:,.0f}/s")
    print(
        f"\nVector tiles over {n:,} volunteers (p50 per tile, {len(tiles)} tiles × "
        f"{args.rounds - 1} rounds)\n"
    )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("what", "time / rate", "size / ratio", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print("\n" + ("all targets met" if not failures else "MISSED: " + "; ".join(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
