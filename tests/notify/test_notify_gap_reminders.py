"""Reminders for activity sign-ups (issue 15 gap 2): the ``remind`` step records the 24-hour
and 2-hour reminders for volunteers signed up to a published activity (not waitlisted, not yet
checked in, not cancelled), each once (``reminder_24h:signup:<activity>:<volunteer>``) however
often and however many runs at once, with the activity's title, time and place."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.pii import PiiCipher
from hub.services import reminders
from hub.store.base import PoolDatabase
from tests.notify.channel_fixtures import cipher_fixture  # noqa: F401 (fixture)
from tests.notify.channel_world import people

pytestmark = pytest.mark.asyncio
COUNTY = "SELECT min(code) FROM region WHERE level = 'county'"


async def _activity(db: PoolDatabase, title: str, starts_in: timedelta, *,
                    status: str = "published", station: bool = False) -> int:
    start = datetime.now(UTC) + starts_in
    async with db.transaction() as tx:
        org = await tx.fetch(f"INSERT INTO organization (name, level, region_code, kind) "
                             f"VALUES (%(n)s, 'squad', ({COUNTY}), 'association') RETURNING id",
                             {"n": f"提醒测试分队{random.randrange(10**9)}"})
        station_id = None
        if station:
            rows = await tx.fetch(
                "INSERT INTO station (name, kind, location_geom, region_code) VALUES "
                "('文化路社区新时代文明实践站', 'civilization_station', "
                f"ST_SetSRID(ST_MakePoint(113.6, 34.7), 4326), ({COUNTY})) RETURNING id")
            station_id = rows[0]["id"]
        rows = await tx.fetch(
            "INSERT INTO activity (title, organization_id, category, time_window, location_geom, "
            "station_id, region_code, capacity, status, required_skills) VALUES (%(t)s, %(o)s, "
            "(SELECT min(code) FROM service_category), tstzrange(%(s)s, %(e)s), "
            f"ST_SetSRID(ST_MakePoint(113.6, 34.7), 4326), %(st)s, ({COUNTY}), 50, %(status)s, "
            "'{}') RETURNING id",
            {"t": title, "o": org[0]["id"], "s": start, "e": start + timedelta(hours=2),
             "st": station_id, "status": status})
    return int(rows[0]["id"])


async def _sign_up(db: PoolDatabase, activity_id: int, volunteers: dict[int, str]) -> None:
    for volunteer_id, status in volunteers.items():
        await db.fetch(
            "INSERT INTO activity_signup (activity_id, volunteer_id, status, waitlist_no, "
            "checked_in_at) VALUES (%(a)s, %(v)s, %(s)s, "
            "CASE WHEN %(s)s = 'waitlisted' THEN 1 END, "
            "CASE WHEN %(s)s = 'checked_in' THEN now() END)",
            {"a": activity_id, "v": volunteer_id, "s": status})


async def _reminders(db: PoolDatabase, activity_ids: list[int]) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT kind, subject_kind, subject_id, recipients, payload, once_key FROM outbox_event "
        "WHERE subject_kind = 'activity' AND subject_id = ANY(%(a)s) ORDER BY once_key",
        {"a": activity_ids})


async def test_signed_up_volunteers_are_reminded_once_at_24_and_2_hours(
        db: PoolDatabase, cipher: PiiCipher) -> None:
    async with db.transaction() as tx, tx.connection() as conn:
        v = await people(conn, cipher, 5, tag=f"rem{random.randrange(10**6)}")
    tomorrow = await _activity(db, "青少年科普讲座", timedelta(hours=20), station=True)
    soon = await _activity(db, "防范电信诈骗宣讲", timedelta(minutes=90))
    later = await _activity(db, "下周的活动", timedelta(days=3))
    draft = await _activity(db, "未发布的活动", timedelta(hours=20), status="draft")
    await _sign_up(db, tomorrow, {v[0]: "signed_up", v[1]: "waitlisted", v[2]: "cancelled"})
    await _sign_up(db, soon, {v[0]: "signed_up", v[3]: "checked_in", v[4]: "signed_up"})
    await _sign_up(db, later, {v[0]: "signed_up"})
    await _sign_up(db, draft, {v[0]: "signed_up"})

    # Two runs at once, then another: each reminder is recorded once.
    await asyncio.gather(*(reminders.remind_due(db) for _ in range(4)))
    await reminders.remind_due(db)
    found = await _reminders(db, [tomorrow, soon, later, draft])
    assert [e["once_key"] for e in found] == sorted([
        f"reminder_24h:signup:{tomorrow}:{v[0]}",
        f"reminder_2h:signup:{soon}:{v[0]}", f"reminder_2h:signup:{soon}:{v[4]}"])
    by_key = {e["once_key"]: e for e in found}
    day = by_key[f"reminder_24h:signup:{tomorrow}:{v[0]}"]
    assert day["kind"] == "reminder_24h" and day["subject_id"] == tomorrow
    assert day["recipients"] == [{"kind": "volunteer", "id": str(v[0])}]
    assert day["payload"]["title"] == "青少年科普讲座"
    assert day["payload"]["place"] == "文化路社区新时代文明实践站"
    assert day["payload"]["activityId"] == str(tomorrow)
    assert datetime.fromisoformat(day["payload"]["startsAt"]) - datetime.now(UTC) > timedelta(
        hours=19)
    two = by_key[f"reminder_2h:signup:{soon}:{v[4]}"]
    assert two["kind"] == "reminder_2h" and two["payload"]["title"] == "防范电信诈骗宣讲"
    assert two["payload"]["place"]  # no station: the region's name


async def test_batches_smaller_than_the_due_set_record_every_one(
        db: PoolDatabase, cipher: PiiCipher) -> None:
    async with db.transaction() as tx, tx.connection() as conn:
        v = await people(conn, cipher, 7, tag=f"bat{random.randrange(10**6)}")
    act = await _activity(db, "分批提醒的活动", timedelta(hours=10))
    await _sign_up(db, act, dict.fromkeys(v, "signed_up"))
    assert await reminders.remind_due(db, batch=3) >= 7
    assert await reminders.remind_due(db, batch=3) == 0
    assert len(await _reminders(db, [act])) == 7
