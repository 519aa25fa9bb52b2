"""Candidate sites (issue 16.5) are data: a CSV loads all-or-nothing with every bad row named,
again updates a site in place, the CLI reports both, and the demo seed ships some."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.auth.actions import Denied
from hub.auth.tokens import SYSTEM
from hub.services.candidate_sites import SitesRefused, import_sites
from hub.services.coverage_cli import import_sites_command
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import migrated_database

GOOD = ("kind,name,lon,lat,region_code,address\n"
        "school,洛阳测试第一中学,112.45,34.62,410302,老城区\n"
        "party_service_center,测试镇党群服务中心,112.50,34.70,410302000000,\n")
BAD = ("kind,name,lon,lat,region_code\n"
       "castle,城堡,112.45,34.62,410302\n"
       "school,学,200,34.62,410302\n"
       "museum,测试博物馆,112.4,north,999999\n")


async def _count(conn: psycopg.AsyncConnection[Any], name: str) -> int:
    cur = await conn.execute("SELECT count(*) FROM candidate_site WHERE name = %s", (name,))
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def test_a_file_loads_whole_or_not_at_all(aconn: psycopg.AsyncConnection[Any]) -> None:
    db = ConnectionDatabase(aconn)
    assert await import_sites(db, SYSTEM, GOOD, source="t.csv") == 2
    moved = GOOD.replace("112.45,34.62,410302,老城区", "112.46,34.63,410302,新地址")
    assert await import_sites(db, SYSTEM, moved, source="t.csv") == 2
    cur = await aconn.execute("SELECT address, ST_X(location_geom) FROM "
                              "candidate_site WHERE name = '洛阳测试第一中学'")
    [(address, lon)] = await cur.fetchall()
    assert address == "新地址" and lon == pytest.approx(112.46)
    with pytest.raises(SitesRefused) as refused:
        await import_sites(db, SYSTEM, BAD + GOOD.splitlines()[1] + "\n", source="b.csv")
    named = {(e.row, e.field) for e in refused.value.errors}
    assert named == {(1, "kind"), (2, "name"), (2, "lon"), (3, "lat"), (3, "region_code")}
    assert all(e.message and e.message_zh for e in refused.value.errors)
    with pytest.raises(SitesRefused) as unknown:
        await import_sites(db, SYSTEM, "kind,name,lon,lat,region_code\n"
                                       "school,无名学校,112.4,34.6,419999\n", source="u.csv")
    assert [(e.row, e.field) for e in unknown.value.errors] == [(1, "region_code")]
    with pytest.raises(SitesRefused) as columns:
        await import_sites(db, SYSTEM, "kind,name\nschool,某校\n", source="c.csv")
    assert {e.field for e in columns.value.errors} == {"lon", "lat", "region_code"}


async def test_only_the_region_s_dispatchers_import(aconn: psycopg.AsyncConnection[Any]) -> None:
    db = ConnectionDatabase(aconn)
    with pytest.raises(Denied):
        await import_sites(db, Caller(Role.DISPATCHER, "d", region="410100000000"), GOOD,
                           source="t.csv")
    assert await _count(aconn, "洛阳测试第一中学") == 0
    mine = Caller(Role.DISPATCHER, "d", region="410300000000")
    assert await import_sites(db, mine, GOOD, source="t.csv") == 2


async def test_the_demo_seed_has_candidate_sites(aconn: psycopg.AsyncConnection[Any]) -> None:
    cur = await aconn.execute("SELECT count(DISTINCT kind), count(*) FROM candidate_site "
                              "WHERE source = 'demo'")
    kinds, total = await cur.fetchone()  # type: ignore[misc]
    assert kinds >= 3 and total > 100


def test_the_cli_loads_or_names_every_problem(server_url: str, settings: Settings,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    url = migrated_database(server_url, "hub_test_coverage_cli")
    good, bad = tmp_path / "sites.csv", tmp_path / "bad.csv"
    good.write_text("\ufeff" + GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    assert import_sites_command(settings, str(good), database_url=url) == 0
    assert "2 candidate site(s) loaded" in capsys.readouterr().out
    assert import_sites_command(settings, str(bad), database_url=url) == 2
    err = capsys.readouterr().err
    assert "row 1: kind: 'castle'" in err and "nothing loaded: 5 problem(s)" in err
    assert import_sites_command(settings, str(tmp_path / "none.csv"), database_url=url) == 2
