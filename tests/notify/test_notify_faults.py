"""Faults (issue 15.7): a channel whose provider fails (500s) holds up no other and catches up
once it is back; the same batch delivered twice at once sends each message once; a worker
killed (SIGKILL) mid-batch loses nothing, and what it had in flight is sent again under the same
idempotency key, so the receiver holds each notification once."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import procrastinate
import pytest

from hub.db.pool import Availability, make_pools
from hub.jobs import deliveries as delivery_jobs
from hub.jobs import worker
from hub.jobs.context import Resources
from hub.jobs.queue import make_app
from hub.pii import PiiCipher
from hub.services import deliveries, outbox
from hub.services.channels import ChannelName
from hub.services.channels.kit import build, opened
from hub.services.channels.templates import CHINA
from hub.settings import Settings
from hub.store.base import PoolDatabase
from tests.notify.channel_fixtures import (  # noqa: F401 (fixtures)
    cipher_fixture,
    no_prefs_fixture,
    notify_settings_fixture,
    smtp_fixture,
    templates_file_fixture,
    wechat_fixture,
)
from tests.notify.channel_world import events, people
from tests.notify.standins import SmtpStandIn, WeChatStandIn

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def running_worker(url: str, settings: Settings) -> AsyncIterator[procrastinate.App]:
    """An in-process worker (as `hub worker` runs one) on every queue until the block ends."""
    pool, _reads = make_pools(url, min_size=1, max_size=6, wait_s=5.0)
    app = make_app(settings.jobs, procrastinate.PsycopgConnector(conninfo=url, max_size=6),
                   periodic=False)
    await pool.open()
    try:
        async with opened(settings) as kit, app.open_async():
            resources = Resources(PoolDatabase(pool, Availability(5.0)), settings,
                                  lambda *a: None, kit)
            task = asyncio.create_task(worker.run(app, resources, concurrency=4,
                                                  install_signal_handlers=False, poll_s=0.05))
            try:
                yield app
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        await pool.close()


async def _status(db: PoolDatabase) -> dict[tuple[str, str], int]:
    rows = await db.fetch("SELECT channel, status, count(*) AS n FROM notification_delivery "
                          "GROUP BY 1, 2")
    return {(r["channel"], r["status"]): r["n"] for r in rows}


async def _until(db: PoolDatabase, want: dict[tuple[str, str], int], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while (got := await _status(db)) != want:
        assert time.monotonic() < deadline, got
        await asyncio.sleep(0.1)


async def _people(db: PoolDatabase, cipher: PiiCipher, n: int, tag: str) -> list[int]:
    async with db.transaction() as tx, tx.connection() as conn:
        return await people(conn, cipher, n, tag=tag)


async def test_a_failing_channel_holds_up_no_other(
        db: PoolDatabase, no_prefs: str, clean: str, cipher: PiiCipher,
        notify_settings: Settings, wechat: WeChatStandIn, smtp: SmtpStandIn) -> None:
    wechat.status = 500
    who = await _people(db, cipher, 30, "down")
    ids = await events(db, who, per_event=10)
    patient = replace(notify_settings, jobs=replace(notify_settings.jobs, max_attempts=100,
                                                    retry_max_s=0.5))
    async with running_worker(clean, patient) as app:
        await delivery_jobs.defer_fan_out(app, ids)
        # SMS and e-mail finish while every WeChat send answers 500 and waits to be retried.
        deadline = time.monotonic() + 20
        while (got := await _status(db)).get(("email", "delivered")) != 30 or got.get(
                ("sms", "delivered")) != 30:
            assert time.monotonic() < deadline, got
            await asyncio.sleep(0.1)
        assert got.get(("wechat", "delivered"), 0) == 0
        tried = await db.fetch("SELECT max(tries) AS t, min(last_error) AS e "
                               "FROM notification_delivery WHERE channel = 'wechat'")
        assert tried[0]["t"] >= 1 and "500" in tried[0]["e"]
        wechat.status = 200  # back: the retries catch up, each message once
        await _until(db, {("email", "delivered"): 30, ("sms", "delivered"): 30,
                          ("wechat", "delivered"): 30}, 30)
    assert len(smtp.keys()) == 30 and set(smtp.keys().values()) == {1}
    assert len(wechat.keys()) == 30 and set(wechat.keys().values()) == {1}


async def test_a_channel_failing_for_good_stops_after_its_tries(
        db: PoolDatabase, no_prefs: str, clean: str, cipher: PiiCipher,
        notify_settings: Settings, wechat: WeChatStandIn) -> None:
    wechat.status = 500
    who = await _people(db, cipher, 3, "dead")
    wechat.errcodes["dead-openid-0"] = 43101
    async with running_worker(clean, notify_settings) as app:
        await delivery_jobs.defer_fan_out(app, await events(db, who, per_event=3))
        await _until(db, {("email", "delivered"): 3, ("sms", "delivered"): 3,
                          ("wechat", "failed"): 3}, 30)
    rows = await db.fetch("SELECT tries FROM notification_delivery WHERE channel = 'wechat'")
    assert [r["tries"] for r in rows] == [notify_settings.jobs.max_attempts] * 3


async def test_the_same_batch_delivered_twice_at_once_sends_each_once(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher, notify_settings: Settings,
        wechat: WeChatStandIn, smtp: SmtpStandIn) -> None:
    who = await _people(db, cipher, 20, "thrice")
    tools = build(notify_settings)
    found = await deliveries.events(db, event_ids=await events(db, who, per_event=20))
    batches = await deliveries.fan_out(db, tools.templates, found, channels=set(tools.channels),
                                       batch=100)
    for batch in batches:
        channel = tools.channels[batch.channel]
        sent = await asyncio.gather(*(deliveries.deliver(
            db, tools.cipher, tools.templates, channel, batch.ids,
            notify=notify_settings.notify, jobs=notify_settings.jobs) for _ in range(3)))
        # The runs' claims are disjoint (FOR UPDATE SKIP LOCKED): together they send each
        # once; a run that found some claimed by another would look again when the claim's
        # lease lapses, to find them delivered.
        assert sum(s.delivered for s in sent) == 20
    await tools.channels[ChannelName.WECHAT].aclose()
    assert await _status(db) == {(c, "delivered"): 20 for c in ("wechat", "sms", "email")}
    assert set(wechat.keys().values()) == {1} and set(smtp.keys().values()) == {1}


def _env(notify_url: str, settings: Settings, templates_file: Path, wechat: WeChatStandIn,
         smtp: SmtpStandIn, home: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": notify_url, "HUB_HOME": str(home),
            "HUB_DATA_KEY": settings.data_key or "", "HUB_WECHAT_API_BASE": wechat.base,
            "HUB_WECHAT_APP_ID": "wx-test", "HUB_WECHAT_APP_SECRET": "secret",
            "HUB_SMTP_HOST": "127.0.0.1", "HUB_SMTP_PORT": str(smtp.port),
            "HUB_SMTP_SECURITY": "none", "HUB_NOTIFY_TEMPLATES": str(templates_file),
            "HUB_NOTIFY_LEASE_S": "2", "HUB_NOTIFY_BATCH": "20", "HUB_JOB_RETRY_BASE_S": "0.2",
            "HUB_SMS_GATEWAY": "log"}


async def test_a_worker_killed_mid_batch_loses_nothing_and_the_receiver_holds_each_once(
        db: PoolDatabase, no_prefs: str, clean: str, notify_url: str, cipher: PiiCipher,
        notify_settings: Settings, templates_file: Path, wechat: WeChatStandIn,
        smtp: SmtpStandIn, tmp_path: Path) -> None:
    wechat.delay_s = 0.05  # each WeChat send takes a while: the kill lands mid-batch
    who = await _people(db, cipher, 200, "kill")
    ids = await events(db, who, per_event=50)
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker", "--concurrency", "2",
                             "--queue", "notify", "--queue", "wechat", "--queue", "sms",
                             "--queue", "email"],
                            cwd=ROOT, env=_env(notify_url, notify_settings, templates_file,
                                               wechat, smtp, tmp_path),
                            stderr=subprocess.PIPE, text=True)
    try:
        pool_app = make_app(notify_settings.jobs, procrastinate.PsycopgConnector(conninfo=clean),
                            periodic=False)
        async with pool_app.open_async():
            await delivery_jobs.defer_fan_out(pool_app, ids)
            deadline = time.monotonic() + 60
            while len(wechat.keys()) < 40:  # well into the WeChat batches
                assert proc.poll() is None, proc.stderr and proc.stderr.read()
                assert time.monotonic() < deadline, await _status(db)
                await asyncio.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            before = await _status(db)
            assert before.get(("wechat", "delivered"), 0) < 200  # it died mid-way
            # What the periodic hub.retry_stalled_jobs does once the dead worker's heartbeat is
            # old (30 s in production), here after 1 s.
            await asyncio.sleep(1.5)
            stalled = list(await pool_app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=1))
            for job in stalled:
                await pool_app.job_manager.retry_job(job)
        async with running_worker(clean, notify_settings):
            await _until(db, {(c, "delivered"): 200 for c in ("wechat", "sms", "email")}, 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    expected = {f"{e}-volunteer-{v}-wechat" for e, group in zip(
        ids, [who[i:i + 50] for i in range(0, 200, 50)], strict=True) for v in group}
    seen = wechat.keys()
    assert set(seen) == expected  # nothing lost
    resent = sum(n - 1 for n in seen.values())
    # Only what was in flight when the worker died can arrive twice, and with the same key (the
    # page's ``key``): the mini-program, like a mail client with a Message-ID, shows it once.
    assert resent <= 2 * notify_settings.notify.send_concurrency, seen.most_common(3)
    assert set(smtp.keys()) == {k.replace("wechat", "email") for k in expected}
    rows = await db.fetch("SELECT count(*) AS n FROM notification_delivery WHERE tries > 1")
    assert rows[0]["n"] >= 1 or resent == 0


async def test_quiet_hours_hold_a_batch_until_they_end_and_urgent_ones_go(
        db: PoolDatabase, no_prefs: str, clean: str, cipher: PiiCipher,
        notify_settings: Settings, wechat: WeChatStandIn) -> None:
    china = dt.datetime.now(CHINA)
    start, end = (china - dt.timedelta(hours=1)).time(), (china + dt.timedelta(hours=1)).time()
    async with db.transaction() as tx, tx.connection() as conn:
        who = await people(conn, cipher, 2, tag="night",
                           quiet=(start.replace(microsecond=0), end.replace(microsecond=0)))
    calm = await events(db, who, per_event=2, kind=outbox.EventKind.REVIEW_RECEIVED)
    urgent = await events(db, who, per_event=2)  # offer_made: urgent
    async with running_worker(clean, notify_settings) as app:
        await delivery_jobs.defer_fan_out(app, calm + urgent)
        await _until(db, {("wechat", "delivered"): 2, ("sms", "delivered"): 2,
                          ("email", "delivered"): 2, ("wechat", "pending"): 2,
                          ("email", "pending"): 2}, 30)
    held = await db.fetch("SELECT scheduled_at, lock FROM procrastinate_jobs WHERE status = "
                          "'todo' AND task_name LIKE 'hub.deliver_%'")
    assert len(held) == 2 and all(j["lock"] is None for j in held)  # in no lane
    due = (china + dt.timedelta(hours=1)).replace(microsecond=0)  # the quiet hours' end
    assert {j["scheduled_at"] for j in held} == {due}
    assert set(wechat.keys()) == {f"{urgent[0]}-volunteer-{v}-wechat" for v in who}
