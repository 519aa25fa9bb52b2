"""SMS to residents and station staff (issue 15 gap 1): an account keeps its mobile encrypted
(account.phone_enc, sql/0032) from its sign-in with a phone code, or from an admin adding it as
station staff; the fan-out and the delivery find it there; an account made before has none
until it signs in again; erasing a volunteer erases their account's copy with the rest."""

from __future__ import annotations

import logging
import random
from typing import Any

import pytest

from hub.auth.ids import encode_global_id
from hub.auth.tokens import ANONYMOUS, SYSTEM, Caller, Role
from hub.pii import PiiCipher, mask_phone
from hub.services import accounts, deliveries, notify_prefs, outbox, profile
from hub.services.channels import ChannelName
from hub.services.channels.sms import SmsChannel
from hub.services.channels.templates import Templates
from hub.services.sms import LogGateway
from hub.settings import NotifySettings, Settings
from hub.store import volunteers
from hub.store.base import PoolDatabase
from tests.auth.signin_steps import logged_code
from tests.notify.channel_fixtures import (  # noqa: F401 (fixtures)
    FAST_JOBS,
    cipher_fixture,
    no_prefs_fixture,
    templates_file_fixture,
    templates_fixture,
)
from tests.notify.channel_world import people

pytestmark = pytest.mark.asyncio


def _phone() -> str:
    return f"137{random.randrange(10**8):08d}"


async def _sign_in(db: PoolDatabase, cipher: PiiCipher, settings: Settings, phone: str,
                   caplog: pytest.LogCaptureFixture) -> int:
    caplog.set_level(logging.INFO, logger="hub.sms")
    await accounts.request_code(db, cipher, settings, ANONYMOUS, phone, client=None)
    tokens = await accounts.sign_in_with_code(db, cipher, settings, ANONYMOUS, phone,
                                              logged_code(caplog), client=None)
    return tokens.account_id


async def _phone_of(db: PoolDatabase, cipher: PiiCipher, account_id: int) -> str | None:
    rows = await db.fetch("SELECT phone_enc FROM account WHERE id = %(a)s", {"a": account_id})
    blob = rows[0]["phone_enc"]
    return None if blob is None else cipher.decrypt(blob, field="phone")


async def _offer_to(db: PoolDatabase, templates: Templates, account_id: int) -> list[Any]:
    """An offer event to the account, fanned out; the SMS batches."""
    async with db.transaction() as tx:
        event_id = await outbox.record(
            tx, kind=outbox.EventKind.OFFER_MADE,
            subject=outbox.EventSubject("dispatch", random.randrange(10**6)),
            recipients=[outbox.Recipient.account(account_id)],
            payload={"title": "社区科普讲座", "starts_at": "2026-12-06T02:00:00+00:00"})
    assert event_id is not None
    found = await deliveries.events(db, event_ids=[event_id])
    batches = await deliveries.fan_out(db, templates, found, channels=set(ChannelName),
                                       batch=50)
    return [b for b in batches if b.channel is ChannelName.SMS]


async def test_a_resident_signed_in_by_phone_is_texted_at_that_phone(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher, settings: Settings,
        templates: Templates, caplog: pytest.LogCaptureFixture) -> None:
    phone = _phone()
    account_id = await _sign_in(db, cipher, settings, phone, caplog)
    assert await _phone_of(db, cipher, account_id) == phone
    sms = await _offer_to(db, templates, account_id)
    assert [len(b.ids) for b in sms] == [1]
    caplog.clear()
    sent = await deliveries.deliver(db, cipher, templates, SmsChannel(LogGateway()), sms[0].ids,
                                    notify=NotifySettings(), jobs=FAST_JOBS)
    assert (sent.delivered, sent.failed) == (1, 0)
    assert mask_phone(phone) in caplog.text and phone not in caplog.text  # the log gateway
    # Their preferences say SMS is a default they can be reached on, at the masked number.
    me = Caller(Role.RESIDENT, encode_global_id("Account", account_id))
    prefs = await notify_prefs.get_preferences(db, templates, me)
    assert prefs.phone_masked == mask_phone(phone)
    offer = next(k for k in prefs.kinds if k.kind == "offer_made")
    assert ChannelName.SMS in offer.default_channels


async def test_station_staff_added_by_an_admin_are_texted(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher, templates: Templates) -> None:
    rows = await db.fetch("INSERT INTO station (name, kind, location_geom, region_code) "
                          "VALUES ('测试实践站', 'civilization_station', "
                          "ST_SetSRID(ST_MakePoint(113.6, 34.7), 4326), "
                          "(SELECT min(code) FROM region WHERE level = 'county')) RETURNING id")
    phone = _phone()
    staff = await profile.add_station_staff(db, cipher, SYSTEM, phone, rows[0]["id"])
    assert await _phone_of(db, cipher, staff) == phone
    assert len(await _offer_to(db, templates, staff)) == 1


async def test_an_account_from_before_gets_its_phone_at_its_next_sign_in(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher, settings: Settings,
        templates: Templates, caplog: pytest.LogCaptureFixture) -> None:
    phone = _phone()
    rows = await db.fetch(
        "INSERT INTO account (kind, phone_hash, phone_masked) VALUES ('resident', %(h)s, %(m)s) "
        "RETURNING id", {"h": cipher.blind_index(phone, field="phone"), "m": mask_phone(phone)})
    old = rows[0]["id"]
    assert await _offer_to(db, templates, old) == []  # no number: no SMS delivery at all
    assert await _sign_in(db, cipher, settings, phone, caplog) == old
    assert await _phone_of(db, cipher, old) == phone
    assert len(await _offer_to(db, templates, old)) == 1


async def test_erasing_a_volunteer_erases_their_accounts_phone(
        db: PoolDatabase, no_prefs: str, cipher: PiiCipher) -> None:
    async with db.transaction() as tx, tx.connection() as conn:
        [volunteer_id] = await people(conn, cipher, 1, tag=f"erase{random.randrange(10**6)}")
    await db.fetch("UPDATE account SET phone_enc = %(e)s WHERE volunteer_id = %(v)s",
                   {"e": cipher.encrypt(_phone(), field="phone"), "v": volunteer_id})
    async with db.transaction() as tx:
        await volunteers.update_exited(tx, volunteer_id=volunteer_id)
        await volunteers.update_erased(tx, volunteer_id=volunteer_id)
    rows = await db.fetch("SELECT phone_enc, phone_hash, phone_masked, disabled_at FROM account "
                          "WHERE volunteer_id = %(v)s", {"v": volunteer_id})
    assert rows[0]["phone_enc"] is None and rows[0]["phone_hash"] is None
    assert rows[0]["disabled_at"] is not None
