"""Benchmark: the GraphQL `near` list and the `mapLayer` over 1,000,000 volunteers.

Targets (the issue's): on 1,000,000 volunteers, `volunteers(first: 50, near: …)` with 6 fields
at p50 ≤ 5 ms in process and ≥ 400 requests/s over HTTP (load from a second process, this
2-core machine); a 5,000-feature `mapLayer` in ≤ 60 ms.

Run with `.venv/bin/python bench/bench_graphql.py [--quick] [--reseed] [--volunteers N]`.

* Database: a scratch database on the hub's server (DATABASE_URL, else the embedded cluster),
  ``hub_bench_graphql`` for the default 1,000,000 volunteers and ``hub_bench_graphql_<N>`` for
  other sizes (``--quick`` seeds 100,000). It is kept between runs and reused when its
  volunteer count matches; ``--reseed`` drops and seeds it again.
* In process: the app's lifespan opens its pool, and queries run through
  ``schema().execute`` with a ``Context`` built as ``hub/schema/http.py`` builds it.
  Centres of `near` are random volunteers' homes in Henan, so 5 km always has neighbours.
  Partners see coarsened locations and masked names (the policy), admins exact ones
  (anonymous callers get no volunteer record).
* HTTP: ``python -m hub.serve`` (as ``hub serve --workers N``; bench/bench_graphql_app.py) with
  1 and 2 workers on 127.0.0.1,
  loaded by ``wrk`` (or bench/bench_graphql_load.py when wrk is missing) as a separate process.
  Servers are stopped (process group, SIGTERM then SIGKILL) before the program exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import inspect
import io
import json
import os
import pstats
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hub.app import create_app, dev_settings
from hub.auth import Caller, Field, Role, issue_token, scope_of
from hub.db import database_url
from hub.db.migrate import migrate
from hub.schema import schema
from hub.schema.context import Context
from hub.schema.trusted import TrustedDocuments
from hub.seed import SeedOptions, seed
from hub.seed import regions as region_loader
from hub.settings import PROJECT_ROOT, Settings
from hub.store import maplayer, volunteers
from hub.store.base import RequestDatabase
from hub.store.listing import Near

BENCH_DIR = Path(__file__).resolve().parent
FULL_VOLUNTEERS = 1_000_000
QUICK_VOLUNTEERS = 100_000
HENAN = (112.5, 33.0, 114.8, 35.5)  # west, south, east, north: the populated middle of Henan
ZHENGZHOU = (113.65, 34.75)
MAP_FEATURES = 5_000
RADIUS_M = 5_000

# Registered documents (hub/schema/documents/), answered by their compiled plans.
_DOCUMENTS = {d.name: d.body for d in TrustedDocuments.load()}
NEAR_QUERY = _DOCUMENTS["BenchNear"]
MAP_QUERY = _DOCUMENTS["BenchMap"]

NEAR_P50_MS = 5.0
NEAR_RPS = 400.0
MAP_P50_MS = 60.0

ADMIN = Caller(role=Role.ADMIN, sub="bench-admin")
# The coarse caller: anonymous callers get no volunteer record at all (issue 11), so partners
# (masked names, ~1 km cells) are the benchmark's counterpart of admins.
PARTNER = Caller(role=Role.PARTNER, sub="bench-partner")


def log(message: str) -> None:
    """A progress line (stderr, so the table on stdout stays clean)."""
    print(f"[bench_graphql {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the database


def _with_dbname(url: str, name: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = name
    return make_conninfo("", **params)


def _volunteer_count(url: str) -> int | None:
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute("SELECT count(*) FROM volunteer").fetchone()
            return int(row[0]) if row else None
    except psycopg.Error:
        return None


def _seed_with_progress(url: str, options: SeedOptions, settings: Settings) -> dict[str, float]:
    result: dict[str, Any] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            result["counts"] = seed(url, options, settings=settings)
        except BaseException as exc:  # re-raised in the main thread
            result["error"] = exc
        finally:
            finished.set()

    started = time.perf_counter()
    threading.Thread(target=work, name="seed", daemon=True).start()
    while not finished.wait(15):
        log(f"  … still seeding ({time.perf_counter() - started:.0f} s)")
    if "error" in result:
        raise result["error"]
    counts: dict[str, float] = result["counts"]
    return counts


def ensure_database(
    server_url: str, name: str, n_volunteers: int, *, reseed: bool, settings: Settings
) -> str:
    """The URL of ``name``, migrated and seeded with ``n_volunteers``; reused when it fits."""
    url = _with_dbname(server_url, name)
    if not reseed:
        count = _volunteer_count(url)
        if count == n_volunteers:
            migrate(url)  # pending migrations only; an edited applied one raises: use --reseed
            log(f"reusing database {name} ({count:,} volunteers)")
            return url
        log(
            f"database {name}: {'absent' if count is None else f'{count:,} volunteers'}, "
            f"want {n_volunteers:,}: creating it"
        )
    admin = _with_dbname(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"created {name}; migrating")
    migrate(url)
    with psycopg.connect(url) as conn:
        region_loader.load(conn)
        conn.commit()
    log(f"seeding {n_volunteers:,} volunteers (about {max(5, n_volunteers // 8_000)} s)")
    started = time.perf_counter()
    counts = _seed_with_progress(
        url, SeedOptions(volunteers=n_volunteers, progress=False), settings
    )
    log(
        f"seeded in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k != "seconds")
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE volunteer")  # visibility map: index-only scans, fresh stats
    return url


def pick_centres(url: str, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """``n`` homes of random volunteers in the middle of Henan."""
    with psycopg.connect(url) as conn:
        total = conn.execute("SELECT count(*) FROM volunteer").fetchone()[0]  # type: ignore[index]
        percent = min(100.0, 100.0 * 40 * n / max(total, 1))
        rows = conn.execute(
            "SELECT ST_X(home_geom), ST_Y(home_geom) FROM volunteer "
            f"TABLESAMPLE BERNOULLI ({percent}) REPEATABLE (%s) "
            "WHERE home_geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
            (rng.randrange(1 << 30), *HENAN),
        ).fetchall()
    if not rows:
        raise SystemExit("no volunteers in Henan: is the database seeded?")
    rng.shuffle(rows)
    return [(float(x), float(y)) for x, y in rows[:n]]


def pick_bbox(
    url: str, features: int = MAP_FEATURES
) -> tuple[tuple[float, float, float, float], int]:
    """The smallest square box around Zhengzhou holding at least ``features`` active volunteers."""
    lon, lat = ZHENGZHOU

    def count(half: float) -> int:
        row = conn.execute(
            "SELECT count(*) FROM volunteer WHERE status = 'active' AND "
            "home_geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
            (lon - half, lat - half, lon + half, lat + half),
        ).fetchone()
        return int(row[0]) if row else 0

    with psycopg.connect(url) as conn:
        lo, hi = 0.0, 0.05
        while count(hi) < features:
            lo, hi = hi, hi * 2
            if hi > 10:
                raise SystemExit(f"fewer than {features} active volunteers near Zhengzhou")
        for _ in range(14):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if count(mid) < features else (lo, mid)
        n = count(hi)
    return (round(lon - hi, 5), round(lat - hi, 5), round(lon + hi, 5), round(lat + hi, 5)), n


# --------------------------------------------------------------------------- measurement


@dataclass
class Line:
    """One row of the table."""

    what: str
    p50_ms: float
    p95_ms: float
    rps: float
    target: str = "—"
    met: bool | None = None
    note: str = ""


def pct(samples: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``samples`` in milliseconds (samples are seconds)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def line_of(
    what: str,
    samples: list[float],
    *,
    target: str = "—",
    met: Callable[[float, float, float], bool] | None = None,
    note: str = "",
) -> Line:
    p50, p95 = pct(samples, 0.5), pct(samples, 0.95)
    rps = len(samples) / sum(samples) if samples else 0.0
    return Line(what, p50, p95, rps, target, met(p50, p95, rps) if met else None, note)


async def timed(fn: Callable[[int], Awaitable[Any]], n: int, warmup: int) -> list[float]:
    """Wall seconds of ``n`` sequential calls ``fn(i)`` after ``warmup`` untimed ones."""
    for i in range(warmup):
        await fn(i)
    samples = []
    for i in range(n):
        started = time.perf_counter()
        await fn(warmup + i)
        samples.append(time.perf_counter() - started)
    return samples


class Capture(RequestDatabase):
    """A request database that remembers the statements it ran (for EXPLAIN ANALYZE)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.seen: list[tuple[str, Any]] = []

    async def fetch(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.seen.append((sql, params))
        return await super().fetch(sql, params)

    async def fetch_one(self, sql: str, params: Any = None, *, binary: bool = False) -> Any:
        self.seen.append((sql, params))
        return await super().fetch_one(sql, params, binary=binary)


async def server_ms(state: Any, runs: list[Callable[[Capture], Awaitable[Any]]]) -> float:
    """Median PostgreSQL planning + execution time (EXPLAIN ANALYZE) of each run's statements."""
    times = []
    for run in runs:
        cap = Capture(state.db)
        await run(cap)
        total = 0.0
        async with state.db.connection() as conn:
            for sql, params in cap.seen:
                cur = await conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                row = await cur.fetchone()
                assert row is not None
                plan = row[0][0]
                total += plan["Execution Time"] + plan.get("Planning Time", 0.0)
        times.append(total)
    return statistics.median(times)


@contextlib.contextmanager
def count_validations() -> Iterator[list[int]]:
    """Counts full graphql-core validations (ValidationCache misses); [] if not countable."""
    import strawberry.schema.schema as strawberry_schema

    counter: list[int] = []
    original = getattr(strawberry_schema, "validate", None)
    if original is None:
        yield counter
        return
    counter.append(0)

    def counting(*args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return original(*args, **kwargs)

    strawberry_schema.validate = counting
    try:
        yield counter
    finally:
        strawberry_schema.validate = original


_LIST_TAKES_SCOPE = "location_scope" in inspect.signature(volunteers.list_).parameters


async def near_rows(db: Any, lon: float, lat: float, caller: Caller) -> list[dict[str, Any]]:
    """The store call the `volunteers(near:)` resolver makes, for ``caller``."""
    extra: dict[str, Any] = {}
    if _LIST_TAKES_SCOPE:  # the store measures to the visible point (coarsened in SQL)
        extra["location_scope"] = scope_of(caller, Field.VOLUNTEER_LOCATION)
    rows: list[dict[str, Any]] = await volunteers.list_(
        db,
        filter=volunteers.VolunteerFilter(),
        first=50,
        after=None,
        near=Near(lon, lat, RADIUS_M),
        within=None,
        scope_org=None,
        **extra,
    )
    return rows


async def in_process(
    url: str,
    settings: Settings,
    centres: list[tuple[float, float]],
    bbox: tuple[float, float, float, float],
    *,
    iterations: int,
    map_iterations: int,
    profile: bool,
) -> tuple[list[Line], list[str]]:
    """The in-process lines and notes."""
    app = create_app(settings, database_url=url)
    sch = schema()
    lines: list[Line] = []
    notes: list[str] = []
    async with app.router.lifespan_context(app):
        state = app.state

        def context(caller: Caller, db: Any = None) -> Context:
            return Context(
                db=db or RequestDatabase(state.db),
                caller=caller,
                settings=state.settings,
                cipher=state.cipher,
                reads=state.reads,
                raw_json=True,
            )

        edges: list[int] = []
        encode: list[float] = []

        def near_fn(caller: Caller) -> Callable[[int], Awaitable[None]]:
            async def run(i: int) -> None:
                lon, lat = centres[i % len(centres)]
                result = await sch.execute(
                    NEAR_QUERY,
                    variable_values={"lon": lon, "lat": lat},
                    context_value=context(caller),
                )
                if result.errors:
                    raise RuntimeError(f"near failed: {result.errors[0]}")
                assert result.data is not None
                # Serialised as HTTP does (orjson: a page PostgreSQL wrote is embedded as it is).
                started = time.perf_counter()
                body = orjson.dumps({"data": result.data})
                encode.append(time.perf_counter() - started)
                edges.append(len(orjson.loads(body)["data"]["volunteers"]["edges"]))

            return run

        def near_sql(caller: Caller) -> Callable[[int], Awaitable[None]]:
            async def run(i: int) -> None:
                lon, lat = centres[i % len(centres)]
                await near_rows(RequestDatabase(state.db), lon, lat, caller)

            return run

        warm = max(20, iterations // 10)
        for name, caller in (("partner", PARTNER), ("admin", ADMIN)):
            edges.clear()
            encode.clear()
            with count_validations() as validations:
                samples = await timed(near_fn(caller), iterations, warm)
            if validations:
                notes.append(
                    f"near {name}: graphql-core validation ran {validations[0]} times "
                    f"for {iterations + warm} executions of one query text "
                    "(0 would mean strawberry's ValidationCache hits)"
                )
            lines.append(
                line_of(
                    f"near 50×6, in process, {name} (schema.execute)",
                    samples,
                    target=f"p50 ≤ {NEAR_P50_MS:g} ms",
                    met=lambda p50, _p95, _r: p50 <= NEAR_P50_MS,
                )
            )
            notes.append(
                f"near {name}: {statistics.mean(edges[-iterations:]):.1f} edges per "
                f"answer on average; orjson.dumps of the answer p50 "
                f"{pct(encode, 0.5):.2f} ms (not in the execute time)"
            )
        for name, caller in (("partner", PARTNER), ("admin", ADMIN)):
            samples = await timed(near_sql(caller), iterations, warm)
            lines.append(line_of(f"near SQL only, {name} (store.volunteers.list_, pool)", samples))

        # The GraphQL layer alone: the store call answers from rows fetched beforehand.
        real_list = volunteers.list_
        for name, caller in (("partner", PARTNER), ("admin", ADMIN)):
            cached = [await near_rows(RequestDatabase(state.db), *c, caller) for c in centres[:50]]
            turn = iter(range(1 << 62))

            async def stub(
                *_a: Any, cached: list[Any] = cached, turn: Any = turn, **_k: Any
            ) -> Any:
                return cached[next(turn) % len(cached)]

            volunteers.list_ = stub
            try:
                samples = await timed(near_fn(caller), iterations, warm)
            finally:
                volunteers.list_ = real_list
            lines.append(line_of(f"near GraphQL layer only, {name} (store stubbed)", samples))

        def near_of(c: tuple[float, float], caller: Caller) -> Callable[[Capture], Awaitable[Any]]:
            return lambda cap: near_rows(cap, c[0], c[1], caller)

        db_ms = {
            name: await server_ms(state, [near_of(c, caller) for c in centres[:30]])
            for name, caller in (("partner", PARTNER), ("admin", ADMIN))
        }
        notes.append(
            "near: PostgreSQL planning + execution (EXPLAIN ANALYZE) median "
            + ", ".join(f"{k} {v:.2f} ms" for k, v in db_ms.items())
        )

        map_vars = dict(zip(("w", "s", "e", "n"), bbox, strict=True))
        features: list[int] = []

        async def map_run(_i: int) -> None:
            result = await sch.execute(
                MAP_QUERY, variable_values=map_vars, context_value=context(PARTNER)
            )
            if result.errors:
                raise RuntimeError(f"mapLayer failed: {result.errors[0]}")
            assert result.data is not None
            layer = result.data["mapLayer"]  # JSON text as it goes out over HTTP (raw_json)
            features.append(len(orjson.loads(orjson.dumps(layer))["features"]) if not features
                            else features[-1])

        samples = await timed(map_run, map_iterations, max(3, map_iterations // 10))
        lines.append(
            line_of(
                f"mapLayer {MAP_FEATURES:,} volunteers, in process",
                samples,
                target=f"p50 ≤ {MAP_P50_MS:g} ms",
                met=lambda p50, _p95, _r: p50 <= MAP_P50_MS,
            )
        )
        notes.append(f"mapLayer: {features[-1]:,} features per answer; bbox {bbox}")
        scope = scope_of(PARTNER, Field.VOLUNTEER_LOCATION)

        async def map_sql(_i: int) -> None:
            await maplayer.get_feature_collection(
                state.reads,  # as the app reads map layers (hub.store.base.ThreadedReads)
                layer="volunteers",
                bbox=bbox,
                limit=MAP_FEATURES,
                volunteer_scope=scope,
            )

        samples = await timed(map_sql, map_iterations, 3)
        lines.append(line_of("mapLayer SQL only (store.maplayer, incl. orjson.loads)", samples))
        result = await sch.execute(
            MAP_QUERY, variable_values=map_vars, context_value=context(PARTNER)
        )
        started = time.perf_counter()
        body = orjson.dumps({"data": result.data})  # as hub/schema/http.py encodes answers
        dumps_ms = (time.perf_counter() - started) * 1000
        map_db_ms = await server_ms(
            state,
            [
                lambda cap: maplayer.get_feature_collection(
                    cap, layer="volunteers", bbox=bbox, limit=MAP_FEATURES, volunteer_scope=scope
                )
            ]
            * 3,
        )
        notes.append(
            f"mapLayer: answer {len(body) / 1e6:.2f} MB, orjson.dumps "
            f"{dumps_ms:.1f} ms; PostgreSQL planning + "
            f"execution {map_db_ms:.1f} ms"
        )

        if profile:
            profiler = cProfile.Profile()
            run = near_fn(PARTNER)
            profiler.enable()
            for i in range(iterations):
                await run(i)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            out.write("\n")
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            print(
                f"\n### cProfile of {iterations} partner near queries\n\n```\n"
                f"{out.getvalue()}```\n",
                flush=True,
            )
    return lines, notes


# --------------------------------------------------------------------------- HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def uvicorn_server(url: str, workers: int) -> Iterator[str]:
    """The hub served on 127.0.0.1 in its own process group; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "HUB_BENCH_DATABASE_URL": url,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    # As `hub serve --workers N` serves: each worker its own SO_REUSEPORT socket (hub/serve.py).
    command = [sys.executable, "-m", "hub.serve", "bench_graphql_app:app", "--app-dir",
               str(BENCH_DIR), "--host", "127.0.0.1", "--port", str(port), "--workers",
               str(workers), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not become ready in 60 s")
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


WRK_SCRIPT = r"""
local bodies = {}
local counter = 0
local errors = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  counter = tonumber(args[2] or "0")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local graphql_errors = 0
  for _, t in ipairs(threads) do graphql_errors = graphql_errors + (t:get("errors") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_s": %f, "p50_ms": %f, "p95_ms": %f, "p99_ms": %f, ' ..
    '"errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    graphql_errors + e.connect + e.read + e.write + e.timeout))
end
"""


def load(
    base: str,
    bodies_file: Path,
    *,
    connections: int,
    seconds: float,
    headers: list[str],
    workdir: Path,
) -> dict[str, float]:
    """Run the load generator (a separate process) against ``base``/graphql; its summary."""
    url = base + "/graphql"
    wrk = shutil.which("wrk")
    if wrk:
        script = workdir / "bench_graphql.lua"
        script.write_text(WRK_SCRIPT)
        command = [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
        ]
        for h in headers:
            command += ["-H", h]
        command += [url, "--", str(bodies_file), "0"]
        marker = "WRKJSON "
    else:
        command = [
            sys.executable,
            str(BENCH_DIR / "bench_graphql_load.py"),
            "--url",
            url,
            "--bodies",
            str(bodies_file),
            "--connections",
            str(connections),
            "--duration",
            str(seconds),
        ]
        for h in headers:
            command += ["--header", h]
        marker = "LOADJSON "
    out = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 120, check=True
    ).stdout
    for text in out.splitlines():
        if text.startswith(marker):
            result: dict[str, float] = json.loads(text[len(marker) :])
            return result
    raise RuntimeError(f"the load generator printed no summary:\n{out}")


def http_lines(
    url: str,
    settings: Settings,
    centres: list[tuple[float, float]],
    bbox: tuple[float, float, float, float],
    *,
    workers_list: list[int],
    connections: int,
    seconds: float,
    map_seconds: float,
    admin: bool,
) -> list[Line]:
    """The HTTP lines: near under load for each worker count, and mapLayer at 1 connection."""
    lines: list[Line] = []
    token = issue_token(dev_settings(settings), sub="bench-admin", role="admin", ttl_s=7200)
    generator = "wrk -t1" if shutil.which("wrk") else "asyncio client"
    with tempfile.TemporaryDirectory(prefix="bench_graphql_") as tmp:
        workdir = Path(tmp)
        near_bodies = workdir / "near.jsonl"
        near_bodies.write_text(
            "".join(
                json.dumps({"query": NEAR_QUERY, "variables": {"lon": lon, "lat": lat}}) + "\n"
                for lon, lat in centres
            )
        )
        floor_bodies = workdir / "floor.jsonl"
        floor_bodies.write_text(json.dumps({"query": "{ __typename }"}) + "\n")
        map_bodies = workdir / "map.jsonl"
        map_bodies.write_text(
            json.dumps(
                {
                    "query": MAP_QUERY,
                    "variables": dict(zip(("w", "s", "e", "n"), bbox, strict=True)),
                }
            )
            + "\n"
        )
        partner = issue_token(dev_settings(settings), sub="bench-partner", role="partner",
                              ttl_s=7200)
        callers: list[tuple[str, list[str]]] = [("partner", [f"Authorization: Bearer {partner}"])]
        if admin:
            callers.append(("admin", [f"Authorization: Bearer {token}"]))
        for workers in workers_list:
            log(f"HTTP: uvicorn with {workers} worker(s)")
            with uvicorn_server(url, workers) as base:
                load(
                    base,
                    near_bodies,
                    connections=connections,
                    seconds=3,
                    headers=[],
                    workdir=workdir,
                )  # warm-up: every worker's pool, caches and code paths
                r = load(
                    base,
                    floor_bodies,
                    connections=connections,
                    seconds=max(2.0, seconds / 3),
                    headers=[],
                    workdir=workdir,
                )
                lines.append(
                    Line(
                        f"HTTP floor: {{ __typename }}, {workers} worker(s), {connections} conns",
                        r["p50_ms"],
                        r["p95_ms"],
                        r["requests"] / r["duration_s"],
                        note=f"{generator}; parse + validate + HTTP, no resolver, no SQL",
                    )
                )
                for name, headers in callers:
                    r = load(
                        base,
                        near_bodies,
                        connections=connections,
                        seconds=seconds,
                        headers=headers,
                        workdir=workdir,
                    )
                    rps = r["requests"] / r["duration_s"]
                    lines.append(
                        Line(
                            f"near 50×6, HTTP, {name}, {workers} worker(s), {connections} conns",
                            r["p50_ms"],
                            r["p95_ms"],
                            rps,
                            f"≥ {NEAR_RPS:g} req/s",
                            rps >= NEAR_RPS,
                            f"{generator}, {r['requests']:,} requests, {r['errors']:,} errors",
                        )
                    )
                    log(f"  near {name}: {rps:.0f} req/s, p50 {r['p50_ms']:.1f} ms")
                r = load(
                    base,
                    map_bodies,
                    connections=1,
                    seconds=map_seconds,
                    headers=[],
                    workdir=workdir,
                )
                lines.append(
                    Line(
                        f"mapLayer {MAP_FEATURES:,}, HTTP, {workers} worker(s), 1 conn",
                        r["p50_ms"],
                        r["p95_ms"],
                        r["requests"] / r["duration_s"],
                        f"p50 ≤ {MAP_P50_MS:g} ms",
                        r["p50_ms"] <= MAP_P50_MS,
                        f"{generator}, {r['requests']:,} requests, {r['errors']:,} errors",
                    )
                )
                log(f"  mapLayer: p50 {r['p50_ms']:.1f} ms")
    return lines


# --------------------------------------------------------------------------- report


def table(lines: list[Line]) -> str:
    """The markdown table."""
    out = [
        "| line | p50 ms | p95 ms | req/s | target | met | notes |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for ln in lines:
        met = "—" if ln.met is None else ("yes" if ln.met else "**NO**")
        out.append(
            f"| {ln.what} | {ln.p50_ms:.2f} | {ln.p95_ms:.2f} | {ln.rps:,.0f} | "
            f"{ln.target} | {met} | {ln.note} |"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 100,000 volunteers, fewer iterations, 5 s of load",
    )
    parser.add_argument(
        "--volunteers",
        type=int,
        default=None,
        help=f"default {FULL_VOLUNTEERS:,} ({QUICK_VOLUNTEERS:,} with --quick)",
    )
    parser.add_argument("--database", default=None, help="scratch database name")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    parser.add_argument("--iterations", type=int, default=None, help="near queries (500)")
    parser.add_argument("--map-iterations", type=int, default=None, help="mapLayer runs (100)")
    parser.add_argument("--seconds", type=float, default=None, help="HTTP load per line (15)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts to try")
    parser.add_argument("--no-http", action="store_true", help="in-process lines only")
    parser.add_argument(
        "--no-admin-http", action="store_true", help="skip the HTTP lines with an admin token"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print a cProfile of the in-process partner near queries",
    )
    parser.add_argument("--seed", type=int, default=20231101, help="random seed for centres")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before measuring, wait up to this long for the 1-minute load "
        "average to fall below 0.8 (other work on the machine)",
    )
    args = parser.parse_args()

    n_volunteers = args.volunteers or (QUICK_VOLUNTEERS if args.quick else FULL_VOLUNTEERS)
    iterations = args.iterations or (100 if args.quick else 500)
    map_iterations = args.map_iterations or (20 if args.quick else 100)
    seconds = args.seconds or (5.0 if args.quick else 15.0)
    name = args.database or (
        "hub_bench_graphql"
        if n_volunteers == FULL_VOLUNTEERS
        else f"hub_bench_graphql_{n_volunteers}"
    )
    settings = Settings.from_env()
    url = ensure_database(
        database_url(settings, start=True),
        name,
        n_volunteers,
        reseed=args.reseed,
        settings=settings,
    )
    rng = random.Random(args.seed)
    centres = pick_centres(url, 2_000, rng)
    bbox, in_box = pick_bbox(url)
    log(f"{len(centres):,} centres; mapLayer bbox {bbox} holds {in_box:,} active volunteers")

    deadline = time.monotonic() + args.wait_quiet
    while os.getloadavg()[0] >= 0.8 and time.monotonic() < deadline:
        log(f"waiting for a quiet machine (load average {os.getloadavg()[0]:.2f})")
        time.sleep(min(30.0, max(1.0, deadline - time.monotonic())))
    load_before = os.getloadavg()[0]
    if load_before >= 0.8:
        log(f"warning: load average {load_before:.2f}: other processes share the 2 cores")
    log(f"in process: {iterations} near queries per caller, {map_iterations} mapLayers")
    lines, notes = asyncio.run(
        in_process(
            url,
            settings,
            centres,
            bbox,
            iterations=iterations,
            map_iterations=map_iterations,
            profile=args.profile,
        )
    )
    if not args.no_http:
        lines += http_lines(
            url,
            settings,
            centres,
            bbox,
            workers_list=[int(w) for w in args.workers.split(",") if w],
            connections=args.connections,
            seconds=seconds,
            map_seconds=max(3.0, seconds / 3),
            admin=not args.no_admin_http,
        )

    print(
        f"\n## GraphQL benchmark: {n_volunteers:,} volunteers ({name}), "
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}\n"
    )
    print(table(lines))
    print()
    for note in notes:
        print(f"- {note}")
    print("- in-process req/s = 1 / mean latency of one sequential client")
    print(
        f"- 1-minute load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f} "
        f"(other processes on the machine distort every figure)"
    )


if __name__ == "__main__":
    main()
