"""``notificationPreferences`` and ``updateNotificationPreferences`` through GraphQL: the
defaults a volunteer, a resident and station staff start with, changes that keep what is left
out, quiet hours and the e-mail address (kept encrypted, shown masked), refusals naming the
field and value with nothing half-applied, and callers without an account refused."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hub.auth import ANONYMOUS, Caller, Role
from hub.auth.ids import encode_global_id
from hub.pii import PiiCipher
from tests.notify.channel_world import people
from tests.seeded import Gql, errors_of

pytestmark = pytest.mark.asyncio
READ = """{ notificationPreferences { quietHours { start end } email wechatLinked phone
            kinds { kind urgent channels defaultChannels customised labelZh } } }"""
UPDATE = """mutation($i: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(input: $i) {
    preferences { quietHours { start end } email kinds { kind channels customised } }
    errors { code field message messageZh } } }"""


async def _volunteer(aconn: psycopg.AsyncConnection[Any], cipher: PiiCipher) -> Caller:
    [vid] = await people(aconn, cipher, 1, tag="gql", email=False)
    cur = await aconn.execute("SELECT id FROM account WHERE volunteer_id = %s", (vid,))
    row = await cur.fetchone()
    assert row is not None
    return Caller(Role.VOLUNTEER, encode_global_id("Volunteer", vid), claims={"acct": row[0]})


async def _account(aconn: psycopg.AsyncConnection[Any], kind: str) -> Caller:
    station = None
    if kind == "station_staff":
        cur = await aconn.execute("SELECT min(id) FROM station")
        station = (await cur.fetchone() or [None])[0]
    cur = await aconn.execute(
        "INSERT INTO account (kind, station_id, wechat_openid) VALUES (%s, %s, %s) RETURNING id",
        (kind, station, f"{kind}-openid"))
    row = await cur.fetchone()
    assert row is not None
    claims = {"station": station} if station else {}
    return Caller(Role(kind), encode_global_id("Account", row[0]), claims=claims)


def _kinds(found: dict[str, Any]) -> dict[str, list[str]]:
    return {k["kind"]: k["channels"] for k in found["kinds"]}


async def test_a_volunteer_starts_with_the_defaults(gql: Gql,
                                                    aconn: psycopg.AsyncConnection[Any]) -> None:
    caller = await _volunteer(aconn, gql.cipher)
    found = (await gql.data(READ, caller=caller))["notificationPreferences"]
    assert found["quietHours"] is None and found["email"] is None
    assert found["wechatLinked"] is True and found["phone"] == "139****0000"
    kinds = {k["kind"]: k for k in found["kinds"]}
    assert kinds["offer_made"]["channels"] == ["wechat", "sms"] and kinds["offer_made"]["urgent"]
    assert kinds["review_received"]["channels"] == ["wechat"]  # SMS: offers and reminders only
    assert kinds["reminder_24h"]["channels"] == ["wechat", "sms"]
    assert not any(k["customised"] for k in found["kinds"])
    assert kinds["offer_made"]["labelZh"] == "新的服务派单"


async def test_changes_keep_what_is_left_out(gql: Gql,
                                             aconn: psycopg.AsyncConnection[Any]) -> None:
    caller = await _volunteer(aconn, gql.cipher)
    first = (await gql.data(UPDATE, {"i": {
        "email": "  Zhang.Wei@example.com ", "quietHours": {"start": "22:00", "end": "07:30"},
        "kinds": [{"kind": "review_received", "channels": ["email"]},
                  {"kind": "offer_made", "channels": []}]}}, caller=caller))
    done = first["updateNotificationPreferences"]
    assert done["errors"] == []
    prefs = done["preferences"]
    assert prefs["email"] == "Z***@example.com"
    assert prefs["quietHours"] == {"start": "22:00", "end": "07:30"}
    kinds = _kinds(prefs)
    assert kinds["review_received"] == ["email"] and kinds["offer_made"] == []
    assert kinds["hours_confirmed"] == ["wechat", "email"]  # default, now with e-mail
    cur = await aconn.execute("SELECT email_enc FROM notification_preference "
                              "WHERE account_id = %s", (caller.claims["acct"],))
    row = await cur.fetchone()
    assert row is not None and b"example.com" not in bytes(row[0])
    assert gql.cipher.decrypt(row[0], field="email") == "Zhang.Wei@example.com"
    # Only the quiet hours change; the rest stays.
    second = (await gql.data(UPDATE, {"i": {"quietHours": None, "resetKinds": ["offer_made"]}},
                             caller=caller))["updateNotificationPreferences"]["preferences"]
    assert second["quietHours"] is None and second["email"] == "Z***@example.com"
    assert _kinds(second)["review_received"] == ["email"]
    assert _kinds(second)["offer_made"] == ["wechat", "sms", "email"]
    third = (await gql.data(UPDATE, {"i": {"email": None}}, caller=caller))
    assert third["updateNotificationPreferences"]["preferences"]["email"] is None


async def test_refusals_name_field_and_value_and_change_nothing(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]) -> None:
    caller = await _volunteer(aconn, gql.cipher)
    result = (await gql.data(UPDATE, {"i": {
        "email": "not-an-address", "quietHours": {"start": "25:00", "end": "07:00"},
        "kinds": [{"kind": "no_such_kind", "channels": ["pigeon"]},
                  {"kind": "offer_made", "channels": ["sms"]}]}},
        caller=caller))["updateNotificationPreferences"]
    assert result["preferences"] is None
    fields = {(e["code"], e["field"]) for e in result["errors"]}
    assert fields == {("INVALID", "kinds[0].kind"), ("INVALID", "kinds[0].channels"),
                      ("INVALID", "quietHours.start"), ("INVALID", "email")}
    by_field = {e["field"]: e for e in result["errors"]}
    assert "'pigeon'" in by_field["kinds[0].channels"]["message"]
    assert "25:00" in by_field["quietHours.start"]["message"]
    assert "not-an-address" in by_field["email"]["messageZh"]
    same = await gql.data(UPDATE, {"i": {"quietHours": {"start": "08:00", "end": "08:00"}}},
                          caller=caller)
    assert same["updateNotificationPreferences"]["errors"][0]["field"] == "quietHours.end"
    cur = await aconn.execute("SELECT count(*) FROM notification_preference "
                              "WHERE account_id = %s", (caller.claims["acct"],))
    assert await cur.fetchone() == (0,)


@pytest.mark.parametrize("kind", ["resident", "station_staff"])
async def test_residents_and_station_staff_have_their_own(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], kind: str) -> None:
    caller = await _account(aconn, kind)
    found = (await gql.data(READ, caller=caller))["notificationPreferences"]
    assert found["wechatLinked"] is True and found["phone"] is None
    assert _kinds(found)["offer_made"] == ["wechat"]  # no phone known: no SMS
    done = await gql.data(UPDATE, {"i": {"kinds": [{"kind": "demand_approved",
                                                    "channels": ["wechat"]}]}}, caller=caller)
    assert done["updateNotificationPreferences"]["errors"] == []


async def test_who_may_not(gql: Gql, aconn: psycopg.AsyncConnection[Any]) -> None:
    anonymous = await gql(READ, caller=ANONYMOUS)
    assert errors_of(anonymous)[0][0] == "UNAUTHENTICATED"
    admin = await gql(READ, caller=Caller(Role.ADMIN, "admin-1"))
    assert errors_of(admin)[0][0] == "FORBIDDEN"
    # A volunteer without an account (a token from the CLI): told to sign in first.
    lone = Caller(Role.VOLUNTEER, encode_global_id("Volunteer", 10**9))
    refused = await gql(UPDATE, {"i": {"email": "a@example.com"}}, caller=lone)
    assert refused.data is not None
    errors = refused.data["updateNotificationPreferences"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("NOT_FOUND", "account")]
