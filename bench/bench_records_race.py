"""Benchmark: many concurrent corrections, confirmations, check-outs and redemptions on one
volunteer's records and ledgers (issue 11, "concurrent writes stay serialisable in effect").

Run with `.venv/bin/python bench/bench_records_race.py [--rounds N] [--scale K]
[--connections C]`. Each round builds a fresh volunteer in the scratch database
``hub_bench_records_race`` (created here), fires ``50 * K`` calls at once over ``C`` connections
(the suite's race, ``tests/records/test_records_race.py``, is one round at K = 1), then checks
that the corrections took effect in a serial order and that every balance equals what the
confirmed records imply less what was spent. It prints one row per round.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.db import database_url
from hub.db.migrate import migrate
from hub.seed import regions as region_loader
from hub.services import records
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import create_database
from tests.records import race_world as race

COLUMNS = ("round", "calls", "conns", "seconds", "calls/s", "corrections ok/refused",
           "confirms ok", "check-outs ok", "redeems ok/refused", "serial", "balances")


async def _round(url: str, n: int, scale: int, connections: int) -> tuple[object, ...]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        world = await race.make_world(conn, pending=4 * scale, checkouts=4 * scale)
        await conn.commit()
    todo = race.calls(world, random.Random(n), corrections=22 * scale,
                      redemptions=12 * scale)
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=True)
             for _ in range(connections)]
    try:
        dbs = [ConnectionDatabase(c) for c in conns]
        started = time.perf_counter()
        outcomes, accepted = await race.run(todo, dbs)
        seconds = time.perf_counter() - started
        await race.check_serial(dbs[0], world["target"], accepted)
        await records.confirm_due(dbs[0], after_s=0)
        await race.check_balances(dbs[0], world["volunteer"])
    finally:
        for c in conns:
            await c.close()
    refused = sum(v for (kind, code), v in outcomes.items() if kind == "correct" and code != "ok")
    spent = sum(v for (kind, code), v in outcomes.items() if kind == "redeem" and code != "ok")
    return (n, len(todo), connections, f"{seconds:.2f}", f"{len(todo) / seconds:.0f}",
            f"{outcomes['correct', 'ok']}/{refused}", outcomes["confirm", "ok"],
            outcomes["check_out", "ok"], f"{outcomes['redeem', 'ok']}/{spent}", "ok", "ok")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=int, default=10, help="calls per round = 50 * scale")
    parser.add_argument("--connections", type=int, default=40)
    args = parser.parse_args()
    url = create_database(database_url(Settings.from_env(), start=True),
                          "hub_bench_records_race")
    migrate(url)
    with psycopg.connect(url) as conn:
        region_loader.load(conn)
        conn.commit()
    rows = [COLUMNS]
    for n in range(1, args.rounds + 1):
        rows.append(tuple(str(x) for x in await _round(url, n, args.scale, args.connections)))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(COLUMNS))]
    for row in rows:
        print(" | ".join(str(x).rjust(w) for x, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    asyncio.run(main())
