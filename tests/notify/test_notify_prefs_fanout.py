"""The fan-out applies each person's preferences: the defaults (WeChat with an openid, SMS for
offers and reminders, e-mail once an address is given), a person's own choice per event kind,
quiet hours in China time (urgent kinds go through), disabled accounts; and it is idempotent:
one delivery row per (event, recipient, channel) however often it runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hub.pii import PiiCipher
from hub.services import deliveries, outbox
from hub.services.channels import ChannelName
from hub.services.channels.templates import CHINA, Templates
from hub.services.notify_prefs import held_until
from hub.store.base import PoolDatabase
from tests.notify.channel_fixtures import (  # noqa: F401 (fixtures)
    cipher_fixture,
    no_prefs_fixture,
    templates_file_fixture,
    templates_fixture,
)
from tests.notify.channel_world import events, people

pytestmark = pytest.mark.asyncio
ALL = set(ChannelName)


async def _people(db: PoolDatabase, cipher: PiiCipher, n: int, **kw: Any) -> list[int]:
    async with db.transaction() as tx, tx.connection() as conn:
        return await people(conn, cipher, n, **kw)


async def _rows(db: PoolDatabase) -> set[tuple[str, int, str]]:
    rows = await db.fetch("SELECT recipient_kind, recipient_ref, channel, kind "
                          "FROM notification_delivery")
    return {(r["kind"], r["recipient_ref"], r["channel"]) for r in rows}


async def _fan_out(db: PoolDatabase, templates: Templates, event_ids: list[int],
                   **kw: Any) -> list[deliveries.Batch]:
    found = await deliveries.events(db, event_ids=event_ids)
    return await deliveries.fan_out(db, templates, found, channels=ALL, batch=50, **kw)


async def test_defaults_and_a_persons_choice(db: PoolDatabase, no_prefs: str,
                                             cipher: PiiCipher, templates: Templates) -> None:
    full, no_mail = await _people(db, cipher, 1, tag="full"), await _people(
        db, cipher, 1, tag="nomail", email=False)
    chosen = await _people(db, cipher, 1, tag="chosen")
    await db.fetch("UPDATE notification_preference SET channels = %(c)s::jsonb "
                   "WHERE account_id = (SELECT id FROM account WHERE volunteer_id = %(v)s)",
                   {"c": '{"offer_made": ["email", "sms"], "review_received": []}',
                    "v": chosen[0]})
    offers = await events(db, full + no_mail + chosen, per_event=3)
    reviews = await events(db, full + chosen, per_event=2, kind=outbox.EventKind.REVIEW_RECEIVED)
    batches = await _fan_out(db, templates, offers + reviews)
    got = await _rows(db)
    assert got == {
        ("offer_made", full[0], "wechat"), ("offer_made", full[0], "sms"),
        ("offer_made", full[0], "email"),
        ("offer_made", no_mail[0], "wechat"), ("offer_made", no_mail[0], "sms"),
        ("offer_made", chosen[0], "sms"), ("offer_made", chosen[0], "email"),
        # review_received: no SMS by default; the chosen person turned it off entirely
        ("review_received", full[0], "wechat"), ("review_received", full[0], "email")}
    assert sum(len(b.ids) for b in batches) == len(got)
    assert {b.channel for b in batches} == ALL


async def test_a_kind_without_a_template_skips_that_channel_and_desks_get_none(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher, templates: Templates) -> None:
    person = await _people(db, cipher, 1, tag="tmpl")
    async with db.transaction() as tx:
        event = await outbox.record(
            tx, kind=outbox.EventKind.HOURS_CONFIRMED, subject=outbox.EventSubject("record", 1),
            recipients=[outbox.Recipient.volunteer(person[0]), outbox.Recipient.station(4)],
            payload={"title": "服务时长"})
    assert event is not None
    await _fan_out(db, templates, [event])
    assert await _rows(db) == {("hours_confirmed", person[0], "email")}  # no WeChat/SMS template


async def test_running_twice_writes_each_delivery_once(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher, templates: Templates) -> None:
    who = await _people(db, cipher, 5, tag="twice")
    ids = await events(db, who, per_event=5)
    first = await _fan_out(db, templates, ids)
    second = await _fan_out(db, templates, ids)
    assert sorted(i for b in first for i in b.ids) == sorted(i for b in second for i in b.ids)
    count = await db.fetch("SELECT count(*) AS n FROM notification_delivery")
    assert count[0]["n"] == 15


async def test_quiet_hours_hold_what_is_not_urgent_until_they_end(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher, templates: Templates) -> None:
    who = await _people(db, cipher, 1, tag="quiet", quiet=(dt.time(22), dt.time(7, 30)))
    night = dt.datetime(2026, 12, 5, 23, 15, tzinfo=CHINA)
    urgent = await events(db, who)  # offer_made: urgent
    calm = await events(db, who, kind=outbox.EventKind.REVIEW_RECEIVED)
    await _fan_out(db, templates, urgent + calm, now=night)
    rows = await db.fetch("SELECT kind, not_before FROM notification_delivery")
    due = {r["kind"]: r["not_before"] for r in rows}
    assert due["offer_made"] == night
    assert due["review_received"] == dt.datetime(2026, 12, 6, 7, 30, tzinfo=CHINA)


async def test_quiet_hours_arithmetic_in_china_time() -> None:
    start, end = dt.time(22), dt.time(7)
    at = lambda h, m=0, d=5: dt.datetime(2026, 12, d, h, m, tzinfo=CHINA)  # noqa: E731
    assert held_until(at(21, 59), start, end, urgent=False) is None
    assert held_until(at(22), start, end, urgent=False) == at(7, d=6)
    assert held_until(at(3), start, end, urgent=False) == at(7)
    assert held_until(at(7), start, end, urgent=False) is None
    assert held_until(at(3), start, end, urgent=True) is None
    assert held_until(at(13), dt.time(12), dt.time(14), urgent=False) == at(14)
    assert held_until(at(15), dt.time(12), dt.time(14), urgent=False) is None
    utc = dt.datetime(2026, 12, 5, 15, 0, tzinfo=dt.UTC)  # 23:00 in Beijing
    assert held_until(utc, start, end, urgent=False) == at(7, d=6)


async def test_a_disabled_account_is_told_nothing_outside_the_inbox(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher, templates: Templates) -> None:
    who = await _people(db, cipher, 1, tag="off")
    await db.fetch("UPDATE account SET disabled_at = now() WHERE volunteer_id = %(v)s",
                   {"v": who[0]})
    await _fan_out(db, templates, await events(db, who))
    assert await _rows(db) == set()
