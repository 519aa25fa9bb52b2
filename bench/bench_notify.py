"""Benchmark: 10,000 notifications queued, drained by two `hub worker` processes (issue 15.7).

Run with `make bench-notify` or `.venv/bin/python bench/bench_notify.py [--events N]
[--workers W] [--concurrency C] [--batch B]`. In the scratch database ``hub_bench_notify``
(created here) it records N outbox events (default 2,500), each addressed to one volunteer with
a phone, a WeChat openid and an e-mail address: four deliveries each (the in-app inbox, WeChat,
SMS, e-mail), 10,000 in all, queued before any worker starts. Then it starts W `hub worker`
subprocesses (default 2) against local channels: the ``log`` SMS gateway, the inbox, a local
SMTP server (aiosmtpd) and a local WeChat stand-in (an HTTP server), both in this process, and
times until every delivery is made: the relay writes the inbox rows and defers the fan-out; the
fan-out writes the external deliveries and defers batches of B per channel queue. It prints one
row per channel and the total, and checks that every receiver holds each message once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.db import database_url
from hub.db.migrate import migrate
from hub.pii import PiiCipher, generate_key_text
from hub.seed import regions as region_loader
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import as_app, create_database
from tests.notify.channel_world import TEMPLATES, events, people

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = ("inbox", "wechat", "sms", "email")


async def prepare(url: str, cipher: PiiCipher, n: int) -> list[int]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        who = await people(conn, cipher, n, tag="bench")
        await conn.commit()
        return await events(ConnectionDatabase(conn), who, per_event=1)


def counts(conn: psycopg.Connection) -> dict[str, int]:
    found = dict.fromkeys(CHANNELS, 0)
    for channel, n in conn.execute("SELECT channel, count(*) FROM notification_delivery "
                                   "WHERE status = 'delivered' GROUP BY 1").fetchall():
        found[channel] = n
    found["inbox"] = conn.execute("SELECT count(*) FROM notification").fetchone()[0]
    return found


def standin(kind: str) -> tuple[subprocess.Popen[str], int, str]:
    """A stand-in in a process of its own: the process, its port and its keys' URL."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.notify.standins", kind], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port, keys = proc.stdout.readline().split()
    return proc, int(port), f"http://127.0.0.1:{keys}/"


def keys(url: str) -> dict[str, int]:
    with urllib.request.urlopen(url, timeout=30) as answer:
        found: dict[str, int] = json.loads(answer.read())
        return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16,
                        help="jobs one worker runs at once (I/O-bound: more than the default 4)")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    owner = create_database(database_url(Settings.from_env(), start=True), "hub_bench_notify")
    migrate(owner)
    with psycopg.connect(owner) as conn:
        region_loader.load(conn)
        conn.commit()
    key = generate_key_text()
    cipher = PiiCipher.from_text(key)
    started = time.perf_counter()
    asyncio.run(prepare(owner, cipher, args.events))
    total = args.events * len(CHANNELS)
    print(f"queued {args.events} events for {total} deliveries in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    (wechat, wechat_port, wechat_keys), (smtp, smtp_port, smtp_keys) = (
        standin("wechat"), standin("smtp"))
    home = Path(tempfile.mkdtemp(prefix="hub-bench-notify-"))
    templates = home / "templates.json"
    templates.write_text(json.dumps(TEMPLATES), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": owner, "HUB_HOME": str(home), "HUB_DATA_KEY": key,
           "HUB_WECHAT_API_BASE": f"http://127.0.0.1:{wechat_port}",
           "HUB_WECHAT_APP_ID": "wx-bench", "HUB_WECHAT_APP_SECRET": "secret",
           "HUB_SMTP_HOST": "127.0.0.1",
           "HUB_SMTP_PORT": str(smtp_port), "HUB_SMTP_SECURITY": "none",
           "HUB_NOTIFY_TEMPLATES": str(templates), "HUB_NOTIFY_BATCH": str(args.batch),
           "HUB_SMS_GATEWAY": "log", "HUB_WORKER_CONCURRENCY": str(args.concurrency)}
    procs = []
    first: dict[str, float] = {}
    done_at: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "hub.cli", "worker", "--name",
                                   f"bench-{i}"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for i in range(args.workers)]
        with psycopg.connect(as_app(owner), autocommit=True) as conn:
            while True:
                now = time.perf_counter() - t0
                seen = counts(conn)
                for channel, n in seen.items():
                    if n and channel not in first:
                        first[channel] = now
                    if n >= args.events and channel not in done_at:
                        done_at[channel] = now
                if len(done_at) == len(CHANNELS):
                    break
                if now > args.timeout or any(p.poll() is not None for p in procs):
                    print(f"gave up after {now:.1f} s: {seen}", file=sys.stderr)
                    return 1
                time.sleep(0.05)
            jobs = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name "
                                "LIKE 'hub.deliver_%' OR task_name = 'hub.notify_fan_out'"
                                ).fetchone()[0]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        seen_wechat, seen_smtp = keys(wechat_keys), keys(smtp_keys)
        for proc in (wechat, smtp):
            proc.communicate(timeout=30)
    elapsed = max(done_at.values())
    rows = [("channel", "deliveries", "first at s", "done at s", "per s (own span)")]
    for channel in CHANNELS:
        span = done_at[channel] - first[channel]
        rows.append((channel, str(args.events), f"{first[channel]:.2f}",
                     f"{done_at[channel]:.2f}", f"{args.events / max(span, 1e-3):,.0f}"))
    start = min(first.values())
    rows.append(("all", str(total), f"{start:.2f}", f"{elapsed:.2f}",
                 f"{total / (elapsed - start):,.0f}"))
    rows.append(("all, start-up too", str(total), "0.00", f"{elapsed:.2f}",
                 f"{total / elapsed:,.0f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    dupes = sum(n - 1 for n in seen_wechat.values()) + sum(n - 1 for n in seen_smtp.values())
    print(f"{args.workers} workers x {args.concurrency} jobs at once, batches of {args.batch}, "
          f"{jobs} delivery jobs; receivers: WeChat {len(seen_wechat)}, SMTP "
          f"{len(seen_smtp)} distinct, {dupes} copies twice")
    ok = total / elapsed >= 500 and dupes == 0 and len(seen_wechat) == args.events
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} CPUs (the workers, the stand-ins and "
          "PostgreSQL share them)")
    print("PASS: >= 500 deliveries/s" if ok else "FAIL: under 500 deliveries/s or duplicates")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
