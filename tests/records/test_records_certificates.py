"""Certificates (志愿服务证明) from records: issued, verified online and offline; an altered or
forged one is detected."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest
from starlette.applications import Starlette

from hub import certificates_http
from hub.auth.tokens import SYSTEM
from hub.certs.model import new_code
from hub.certs.signing import SigningKey, generate_key_text
from hub.certs.verify import decode_token, encode_token, extract_and_verify, find_tokens
from hub.services import certificates
from hub.services.certificates import CST
from hub.services.records import RecordsError, Source, correct_record, record_service
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World

TODAY = datetime.now(CST).date()


async def _issue(db: ConnectionDatabase, settings: Settings, world: World) -> dict[str, Any]:
    for source, hours in ((Source(activity_id=world.past_activity), "3"),
                          (Source(demand_id=world.demand), "2")):
        await record_service(db, volunteer_id=world.volunteers[0], source=source,
                             hours=Decimal(hours), verified_by="t")
    return await certificates.issue(db, settings, SYSTEM, volunteer_id=world.volunteers[0],
                                    first=TODAY - timedelta(days=30), last=TODAY)


async def test_a_good_certificate_verifies_online_and_offline(
        db: ConnectionDatabase, settings: Settings, world: World):
    row = await _issue(db, settings, world)
    found = await certificates.lookup(db, settings, code=row["code"].lower().replace("-", " "))
    assert found.result.valid, found.result.reason
    data = found.result.data
    assert data is not None and data["volunteer_name"] == "测试志愿者0"
    assert data["total_hours"] == "5.00" and len(data["records"]) == 2
    assert data["issuer_name"] == "记录测试科技志愿服务队" and data["stars"] == 0
    pdf = certificates.render_pdf(settings, row)
    public = certificates.signing_key(settings).public_key_text()
    offline = extract_and_verify(pdf, public)
    assert offline.valid and offline.data == data


async def test_corrected_hours_are_what_a_new_certificate_states(
        db: ConnectionDatabase, settings: Settings, world: World):
    first = await _issue(db, settings, world)
    record = (await db.fetch("SELECT id FROM service_record WHERE activity_id = %s",
                             (world.past_activity,)))[0]["id"]
    await correct_record(db, record_id=record, hours=Decimal("0"), reason="未实际参加",
                         corrected_by="t")
    second = await certificates.issue(db, settings, SYSTEM, volunteer_id=world.volunteers[0],
                                      first=TODAY - timedelta(days=30), last=TODAY,
                                      issuer_organization_id=world.org)
    assert json.loads(bytes(second["payload"]))["total_hours"] == "2.00"
    assert json.loads(bytes(second["payload"]))["issuer_name"] == "记录测试科技志愿服务队"
    assert (await certificates.lookup(db, settings, code=first["code"])).result.valid


async def test_an_altered_certificate_is_detected(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, settings: Settings,
        world: World):
    row = await _issue(db, settings, world)
    public = certificates.signing_key(settings).public_key_text()
    # Offline: the hours in the PDF's signed payload are changed.
    pdf = certificates.render_pdf(settings, row)
    token = find_tokens(pdf).pop()
    payload, signature, key_id = decode_token(token)
    forged_payload = payload.replace(b'"total_hours":"5.00"', b'"total_hours":"50.00"')
    assert forged_payload != payload
    altered = pdf.replace(token, encode_token(forged_payload, signature, key_id).encode())
    result = extract_and_verify(altered, public)
    assert not result.valid and "altered" in result.reason
    # Online: even someone who bypasses the append-only trigger cannot alter a stored one.
    await aconn.execute("ALTER TABLE certificate DISABLE TRIGGER certificate_append_only")
    await aconn.execute("UPDATE certificate SET payload = %s WHERE code = %s",
                        (forged_payload, row["code"]))
    found = await certificates.lookup(db, settings, code=row["code"])
    assert not found.result.valid and "altered" in found.result.reason


async def test_a_forged_certificate_is_detected(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, settings: Settings,
        world: World):
    row = await _issue(db, settings, world)
    public = certificates.signing_key(settings).public_key_text()
    forger = SigningKey.from_text(generate_key_text())
    payload = bytes(row["payload"]).replace(row["code"].encode(), (code := new_code()).encode())
    signature = forger.sign(payload)
    pdf = certificates.render_pdf(settings, row)
    token = find_tokens(pdf).pop()
    forged_pdf = pdf.replace(token, encode_token(payload, signature, forger.key_id).encode())
    result = extract_and_verify(forged_pdf, public)
    assert not result.valid and "forged" in result.reason
    await aconn.execute(
        "INSERT INTO certificate (code, volunteer_id, period, payload, signature, key_id, "
        "issued_by) VALUES (%s, %s, daterange(current_date, current_date, '[]'), %s, %s, %s, "
        "'forger')", (code, world.volunteers[0], payload, signature, forger.key_id))
    found = await certificates.lookup(db, settings, code=code)
    assert not found.result.valid and "forged" in found.result.reason


async def test_unknown_and_malformed_codes_are_not_valid(db: ConnectionDatabase,
                                                         settings: Settings):
    unknown = await certificates.lookup(db, settings, code=new_code())
    assert not unknown.result.valid and unknown.row is None
    typo = await certificates.lookup(db, settings, code="ABCD-EFGH")
    assert not typo.result.valid and "malformed" in typo.result.reason


@pytest.mark.parametrize(("first", "last", "code"), [
    (TODAY, TODAY - timedelta(days=1), "INVALID_PERIOD"),
    (TODAY, TODAY + timedelta(days=1), "INVALID_PERIOD"),
    (TODAY - timedelta(days=400), TODAY - timedelta(days=300), "NO_RECORDS"),
])
async def test_issuing_refuses_bad_periods_and_empty_ones(
        db: ConnectionDatabase, settings: Settings, world: World, first: date, last: date,
        code: str):
    with pytest.raises(RecordsError) as caught:
        await certificates.issue(db, settings, SYSTEM, volunteer_id=world.volunteers[0],
                                 first=first, last=last)
    assert caught.value.code == code


async def test_get_certificates_code_answers_json_and_pdf(
        db: ConnectionDatabase, settings: Settings, world: World):
    row = await _issue(db, settings, world)
    app = Starlette(routes=certificates_http.routes)
    app.state.db, app.state.settings = db, settings
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub") as client:
        answer = await client.get(f"/certificates/{row['code']}")
        assert answer.status_code == 200
        body = answer.json()
        assert body["valid"] and body["certificate"]["total_hours"] == "5.00"
        assert base64.b64decode(body["publicKey"]) and body["algorithm"] == "Ed25519"
        pdf = await client.get(f"/certificates/{row['code']}",
                               headers={"Accept": "application/pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        assert extract_and_verify(pdf.content, body["publicKey"]).valid
        assert (await client.get(f"/certificates/{row['code']}?format=pdf")).content[:4] == b"%PDF"
        missing = await client.get(f"/certificates/{new_code()}")
        assert missing.status_code == 404 and not missing.json()["valid"]
