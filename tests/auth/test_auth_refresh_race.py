"""Concurrent uses of one refresh token: exactly one rotates it, the others are reuses that
revoke its family (issue 14.1); ``hub station-staff``; sign-in over HTTP. All of them commit
(the uses on separate connections), so they run in a scratch database (created here), never in
the shared seeded one."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth.tokens import ANONYMOUS
from hub.pii import PiiCipher
from hub.services import accounts
from hub.services.account_cli import station_staff_command
from hub.services.accounts import AccountError, Tokens
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.auth.signin_steps import logged_code
from tests.conftest import as_app, migrated_database

USES = 8
PHONE = "13912340041"


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_refresh_race")


@pytest.fixture
async def connections(race_url: str) -> AsyncIterator[list[ConnectionDatabase]]:
    conns = [await psycopg.AsyncConnection.connect(race_url, autocommit=True)
             for _ in range(USES)]
    try:
        yield [ConnectionDatabase(c) for c in conns]
    finally:
        for c in conns:
            await c.close()


async def _use(db: ConnectionDatabase, settings: Settings, token: str) -> Tokens | str:
    try:
        return await accounts.refresh(db, settings, ANONYMOUS, token)
    except AccountError as exc:
        return str(exc.code)


async def test_concurrent_uses_of_one_refresh_token_rotate_it_once(
        connections: list[ConnectionDatabase], settings: Settings,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hub.sms")
    assert settings.data_key is not None
    cipher, db = PiiCipher.from_text(settings.data_key), connections[0]
    await accounts.request_code(db, cipher, settings, ANONYMOUS, PHONE, client=None)
    signed_in = await accounts.sign_in_with_code(db, cipher, settings, ANONYMOUS, PHONE,
                                                 logged_code(caplog), client=None)

    results: list[Any] = await asyncio.gather(*(
        _use(c, settings, signed_in.refresh_token) for c in connections))
    winners = [r for r in results if isinstance(r, Tokens)]
    assert len(winners) == 1, results
    assert Counter(r for r in results if isinstance(r, str)) == {"TOKEN_REUSED": USES - 1}
    # The reuse revoked the family, the winner's new token included.
    assert await _use(db, settings, winners[0].refresh_token) == "TOKEN_INVALID"
    rows = await db.fetch("SELECT count(*) AS n, count(used_at) AS used, count(revoked_at) "
                          "AS revoked FROM refresh_token")
    assert dict(rows[0]) == {"n": 2, "used": 1, "revoked": 2}


def test_hub_station_staff_makes_a_phones_account_a_stations_staff(
        race_url: str, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(race_url) as conn:
        station = conn.execute(
            "INSERT INTO station (name, kind, location_geom, region_code) VALUES ('测试站点', "
            "'civilization_station', ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), "
            "'410102000000') RETURNING id").fetchone()
        conn.commit()
    assert station is not None
    run = functools.partial(station_staff_command, settings, database_url=as_app(race_url))
    assert run("13912340051", station[0]) == 0
    assert run("13912340051", 999_999) == 2
    assert run("12345", station[0]) == 2
    err = capsys.readouterr().err
    assert "no station 999999" in err and "phone:" in err
    with psycopg.connect(race_url) as conn:
        assert conn.execute("SELECT kind, station_id, phone_masked FROM account WHERE "
                            "station_id IS NOT NULL").fetchall() == [
            ("station_staff", station[0], "139****0051")]


def test_over_http_a_signed_in_resident_reads_me_with_the_bearer_token(
        race_url: str, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hub.sms")
    phone = "13912340061"
    with TestClient(create_app(settings, database_url=as_app(race_url))) as client:
        def post(query: str, token: str | None = None) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            answer = client.post("/graphql", json={"query": query}, headers=headers)
            assert answer.status_code == 200, answer.text
            return dict(answer.json())

        sent = post(f'mutation {{ requestSignInCode(input: {{phone: "{phone}"}}) '
                    "{ expiresInS } }")
        assert sent["data"]["requestSignInCode"]["expiresInS"] == 300
        signed_in = post(f'mutation {{ signInWithCode(input: {{phone: "{phone}", code: '
                         f'"{logged_code(caplog)}"}}) {{ session {{ accessToken '
                         "refreshToken } } }")["data"]["signInWithCode"]["session"]
        me = post("{ me { account { kind phone } } }", signed_in["accessToken"])
        assert me["data"]["me"]["account"] == {"kind": "resident", "phone": "139****0061"}
        assert post("{ me { account { kind } } }")["data"]["me"] is None
        refreshed = post(f'mutation {{ refreshToken(input: {{refreshToken: '
                         f'"{signed_in["refreshToken"]}"}}) {{ session {{ accessToken }} }} }}')
        token = refreshed["data"]["refreshToken"]["session"]["accessToken"]
        assert post("{ me { account { kind } } }", token)["data"]["me"]["account"] == {
            "kind": "resident"}
