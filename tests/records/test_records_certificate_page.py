"""What an issued certificate (志愿服务证明) names, and what its QR code's URL answers: a Chinese
page to a browser or WeChat, JSON to a client asking for it, the PDF to one asking for that."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest
from starlette.applications import Starlette

from hub import certificates_http
from hub.auth.tokens import SYSTEM
from hub.certs.model import new_code
from hub.services import certificates
from hub.services.records import RecordsError, Source, record_service
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World
from tests.records.test_records_certificates import TODAY
from tests.records.test_records_certificates import _issue as issue_two_records

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8"
WECHAT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ASSOCIATION = "洛阳市西工区科学技术协会"  # the world's region, 410303: 洛阳市 西工区


async def _issue(db: ConnectionDatabase, settings: Settings, world: World,
                 aconn: psycopg.AsyncConnection[Any]) -> dict[str, Any]:
    """One record organised by the world's team, one on a demand with no station or team."""
    await aconn.execute("UPDATE demand SET station_id = NULL WHERE id = %s", (world.demand,))
    return await issue_two_records(db, settings, world)


async def test_the_certificate_names_its_association_and_every_organiser(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, settings: Settings,
        world: World):
    row = await _issue(db, settings, world, aconn)
    payload = json.loads(bytes(row["payload"]))
    assert payload["v"] == 2 and payload["association_name"] == ASSOCIATION
    assert payload["issuer_name"] == "记录测试科技志愿服务队"
    organisers = {r["title"]: r["organization"] for r in payload["records"]}
    # the activity's team; the demand had neither team nor station: the 科协 where it was
    assert sorted(organisers.values()) == sorted(["记录测试科技志愿服务队", ASSOCIATION])
    assert all(organisers.values())


async def test_a_demand_at_a_station_without_a_team_names_the_station(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, settings: Settings,
        world: World):
    await aconn.execute("UPDATE station SET organization_id = NULL WHERE id = %s",
                        (world.station,))
    await record_service(db, volunteer_id=world.volunteers[1],
                         source=Source(demand_id=world.demand), hours=Decimal(2),
                         verified_by="t")
    row = await certificates.issue(db, settings, SYSTEM, volunteer_id=world.volunteers[1],
                                   first=TODAY - timedelta(days=30), last=TODAY)
    (record,) = json.loads(bytes(row["payload"]))["records"]
    assert record["organization"] == "测试站点"


async def test_a_name_the_font_cannot_print_is_refused_before_signing(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, settings: Settings,
        world: World):
    await aconn.execute("UPDATE volunteer SET real_name = '刘䶮' WHERE id = %s",
                        (world.volunteers[0],))
    with pytest.raises(RecordsError) as caught:
        await _issue(db, settings, world, aconn)
    assert caught.value.code == "INVALID" and "䶮" in caught.value.message
    assert "U+4DAE" in caught.value.message and "证书字体缺少字符" in caught.value.message
    stored = await db.fetch("SELECT count(*) AS n FROM certificate WHERE volunteer_id = %s",
                            (world.volunteers[0],))
    assert stored[0]["n"] == 0


async def test_the_qr_url_answers_a_browser_in_chinese_and_a_client_in_json(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, settings: Settings,
        world: World):
    row = await _issue(db, settings, world, aconn)
    app = Starlette(routes=certificates_http.routes)
    app.state.db, app.state.settings = db, settings
    url = f"/certificates/{row['code']}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub") as client:
        for accept in (BROWSER, WECHAT):
            page = await client.get(url, headers={"Accept": accept})
            assert page.status_code == 200
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["vary"] == "Accept"
            html = page.text
            for shown in ("证明有效", "测****0", "5.00 小时（共 2 条记录）", ASSOCIATION,
                          "记录测试科技志愿服务队", row["code"], "未达星级", "服务期间"):
                assert shown in html, shown
            assert "测试志愿者0" not in html  # the name is masked for whoever scans
        answer = await client.get(url, headers={"Accept": "application/json"})
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["valid"] and answer.json()["certificate"]["volunteer_name"] == \
            "测试志愿者0"
        assert (await client.get(url)).json()["valid"]  # no Accept: JSON, as before
        assert (await client.get(url + "?format=json", headers={"Accept": BROWSER})).json()
        assert (await client.get(url, headers={"Accept": "application/pdf"})).content[:5] == \
            b"%PDF-"
        assert "证明有效" in (await client.get(url + "?format=html")).text
        missing = await client.get(f"/certificates/{new_code()}", headers={"Accept": BROWSER})
        assert missing.status_code == 404 and "未找到该证明" in missing.text
        typo = await client.get("/certificates/ABCD-EFGH", headers={"Accept": BROWSER})
        assert typo.status_code == 404 and "验证码格式有误" in typo.text
        # a stored certificate altered behind the append-only trigger's back
        await aconn.execute("ALTER TABLE certificate DISABLE TRIGGER certificate_append_only")
        await aconn.execute(
            "UPDATE certificate SET payload = convert_to(replace(convert_from(payload, 'UTF8'), "
            "'\"total_hours\":\"5.00\"', '\"total_hours\":\"50.00\"'), 'UTF8') "
            "WHERE code = %s", (row["code"],))
        altered = await client.get(url, headers={"Accept": BROWSER})
        assert altered.status_code == 200 and "证明无效" in altered.text
        assert "测****0" not in altered.text  # nothing of an unverified content is shown
