"""A small land for the publishing tests: teams in one Luoyang county and one in Lanzhou, an open
station, and the HTTP app with signed tokens (each test's rows are rolled back)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest

from hub.app import create_app
from hub.auth import issue_token
from hub.schema.node import encode_id
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import acting_as_app, migrated_database

REGION = "410303000000"  # a county of Luoyang
POINT = {"lon": 112.45, "lat": 34.62}
FAR_REGION = "620102000000"  # a district of Lanzhou
FAR_POINT = {"lon": 103.83, "lat": 36.06}


@pytest.fixture(scope="session")
def pub_url(server_url: str) -> str:
    """A migrated database with the divisions and nothing else (tests commit only in races)."""
    return migrated_database(server_url, "hub_test_publishing")


@pytest.fixture
async def pconn(pub_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    conn = await psycopg.AsyncConnection.connect(pub_url)
    try:
        yield conn
    finally:
        await conn.rollback()
        await conn.close()


async def one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None, sql
    return row[0]


@dataclass(frozen=True)
class Land:
    """A corps with a team and a squad beneath it in REGION, a corps in FAR_REGION, an open
    station in REGION."""

    corps: int
    team: int
    squad: int
    far_corps: int
    station: int


async def make_land(conn: psycopg.AsyncConnection[Any], tag: str = "") -> Land:
    """The land's rows on ``conn``; ``tag`` tells committed lands' team names apart."""
    async def org(name: str, level: str, parent: int | None, region: str) -> int:
        return int(await one(conn, "INSERT INTO organization (name, level, parent_id, "
                                   "region_code, kind) VALUES (%s, %s, %s, %s, 'association') "
                                   "RETURNING id", (tag + name, level, parent, region)))

    corps = await org("洛阳市科技志愿服务总队", "corps", None, REGION)
    team = await org("西工区科技志愿服务队", "team", corps, REGION)
    squad = await org("西工区科普支队", "detachment", team, REGION)
    far = await org("兰州市科技志愿服务总队", "corps", None, FAR_REGION)
    station = await one(conn, "INSERT INTO station (name, kind, location_geom, region_code) "
                              "VALUES ('西工区新时代文明实践站', 'civilization_station', "
                              "ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s) RETURNING id",
                        (REGION,))
    return Land(corps, team, squad, far, int(station))


@pytest.fixture
async def land(pconn: psycopg.AsyncConnection[Any]) -> Land:
    return await make_land(pconn)


def gid(kind: str, key: int) -> str:
    return encode_id(kind, key)


def key_of(global_id: str) -> int:
    """The numeric key of a global ID."""
    return int(base64.b64decode(global_id).decode().split(":")[1])


def soon(days: int = 5, hours: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).isoformat()


class Api:
    """The served app: each call signs a token for the caller it names."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http = http
        self.settings = settings

    def token(self, role: str, sub: str, **claims: Any) -> str:
        station = claims.pop("station", None)
        return issue_token(self.settings, sub=sub, role=role, **claims,
                           extra={"station": station} if station is not None else None)

    async def call(self, who: str | None, query: str, variables: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
        """The JSON answer; ``who`` a token from :meth:`token`, or None for anonymous."""
        headers = {"Authorization": f"Bearer {who}"} if who else {}
        response = await self.http.post("/graphql", json={"query": query,
                                                          "variables": variables or {}},
                                         headers={**headers, "Accept-Language": "en"})
        answer: dict[str, Any] = response.json()
        return answer

    async def data(self, who: str | None, query: str, variables: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
        answer = await self.call(who, query, variables)
        assert not answer.get("errors"), answer["errors"]
        data: dict[str, Any] = answer["data"]
        return data


@pytest.fixture
async def api(pconn: psycopg.AsyncConnection[Any], settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings, database=ConnectionDatabase(pconn))
    async with acting_as_app(pconn), app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub") as http:
        yield Api(http, settings)


def codes(payload: dict[str, Any]) -> list[str]:
    """The codes of a payload's errors."""
    return [e["code"] for e in payload["errors"]]


def top_codes(answer: dict[str, Any]) -> list[str]:
    """The codes of an answer's top-level errors."""
    return [(e.get("extensions") or {}).get("code", "") for e in answer.get("errors") or []]
