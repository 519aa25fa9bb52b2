"""The yearly summary: its sheets and totals against counts made here from the world's own rows
(read back from the .xlsx with openpyxl), and who may ask for it."""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from openpyxl import load_workbook

from hub.auth.actions import Denied
from hub.auth.tokens import Caller, Role
from hub.services import reports
from hub.services.workflow import WorkflowError
from hub.store.base import ConnectionDatabase
from tests.office.recognition_world_rc import (
    ADMIN,
    CITY,
    POOR,
    YEAR,
    World,
    make_world,
    oconn,
    odb,
    office_url,
)

__all__ = ["oconn", "odb", "office_url"]
SHEETS = ["概况", "队伍", "志愿者人群", "项目", "服务类别", "站点", "下级地区", "老少边贫", "表彰"]


def _sheet(book: Any, title: str) -> list[dict[str, Any]]:
    """A sheet's rows as dicts by header (the header row is the first with every cell set)."""
    rows = list(book[title].iter_rows(values_only=True))
    top = next(n for n, r in enumerate(rows) if all(c is not None for c in r))
    return [dict(zip(rows[top], r, strict=True)) for r in rows[top + 1:]]


def _served(world: World) -> list[Any]:
    return [r for r in world.records if r.confirmed and r.hours > 0 and r.served_on.year == YEAR]


async def _book(db: ConnectionDatabase, caller: Caller = ADMIN) -> Any:
    found = await reports.annual(db, caller, region_code=CITY, year=YEAR)
    assert found.file_name == f"annual-report-{CITY}-{YEAR}.xlsx"
    return load_workbook(io.BytesIO(found.content))


async def test_the_sheets_and_totals_match_independent_counts(
        oconn: psycopg.AsyncConnection[Any], odb: ConnectionDatabase):
    world = await make_world(oconn)
    # Cohorts for some volunteers, and demands raised in the year reported.
    for n, v in enumerate(world.volunteers):
        cohorts = ["university_student"] if n % 3 == 0 else (
            ["retired_scientist", "woman_scientist"] if n % 3 == 1 else [])
        await oconn.execute("UPDATE volunteer SET cohorts = %s, registered_at = %s::date "
                            "WHERE id = %s", (cohorts, f"{YEAR - n % 2}-03-01", v))
    # Teams and stations made before the year's end count; one made after it does not.
    await oconn.execute("UPDATE organization SET created_at = %s", (f"{YEAR}-02-01",))
    await oconn.execute("UPDATE station SET created_at = %s", (f"{YEAR}-02-01",))
    await oconn.execute("INSERT INTO organization (name, level, parent_id, region_code, kind) "
                        "VALUES ('新成立的队伍', 'team', %s, %s, 'association')",
                        (world.corps, CITY))
    await oconn.execute("UPDATE demand SET created_at = lower(time_window) - interval '5 days', "
                        "status = CASE WHEN id % 2 = 0 THEN 'done' ELSE 'open' END")
    book = await _book(odb)
    assert book.sheetnames == SHEETS
    served = _served(world)
    hours = sum((r.hours for r in served), Decimal(0))
    prio = sum((r.hours for r in served if r.region == POOR), Decimal(0))
    summary = {row["指标 Measure"]: row["数值 Value"] for row in _sheet(book, "概况")}
    in_city = [v for v, region in world.volunteer_region.items() if region.startswith("4103")]
    assert summary["服务时长（小时） Hours served"] == float(hours)
    assert summary["服务人次 Service person-times"] == len(served)
    assert summary["参与服务志愿者 Volunteers who served"] == len({r.volunteer for r in served})
    assert summary["老少边贫地区服务时长 Hours in priority areas"] == float(prio)
    assert summary["老少边贫时长占比 Priority-area share of hours"] == round(
        float(prio) / float(hours), 4)
    assert summary["队伍数 Teams"] == 1 + len(world.teams)
    assert summary["注册志愿者（年末） Registered volunteers (year end)"] == len(in_city)
    assert summary["本年新注册志愿者 Registered in the year"] == len(
        [v for n, v in enumerate(world.volunteers) if v in in_city and n % 2 == 0])
    assert summary["项目数 Projects"] == len(world.projects)
    assert summary["活动数 Activities"] == len(world.activity_project)
    assert summary["群众需求（点单） Demands raised"] == len(world.demand_station)
    assert summary["站点数 Stations"] == len(world.stations)
    assert summary["服务场次（需求+活动） Demands and activities served"] == len(
        {(r.demand, r.activity) for r in served})

    # The sheets behind the totals add up to them.
    areas = _sheet(book, "下级地区")
    assert sum(a["服务时长（小时） Hours"] for a in areas) == float(hours)
    assert sum(a["服务人次 Person-times"] for a in areas) == len(served)
    poor = next(a for a in areas if a["地区代码 Code"] == POOR)
    assert poor["老少边贫占比 Priority share"] == 1.0
    assert sum(c["服务时长（小时） Hours"] for c in _sheet(book, "服务类别")) == float(hours)
    by_team: dict[int, Decimal] = defaultdict(Decimal)
    for r in served:
        if r.team:
            by_team[r.team] += r.hours
    teams = {t["队伍名称 Team"]: t for t in _sheet(book, "队伍")}
    assert sum(t["服务时长（小时） Hours"] for t in teams.values()) == float(sum(by_team.values()))
    assert teams["科技志愿服务1队"]["成员数 Members"] == sum(
        1 for t in world.members.values() if t == world.teams[0])
    cohorts = {c["人群 Cohort"]: c for c in _sheet(book, "志愿者人群")}
    assert cohorts["高校学生 (University student)"]["注册志愿者 Volunteers"] == len(
        [v for n, v in enumerate(world.volunteers) if v in in_city and n % 3 == 0])
    students = {v for n, v in enumerate(world.volunteers) if n % 3 == 0}
    assert cohorts["高校学生 (University student)"]["服务时长（小时） Hours"] == float(
        sum((r.hours for r in served if r.volunteer in students), Decimal(0)))
    at_stations = [r for r in served if (world.demand_station.get(r.demand) if r.demand
                                         else world.activity_station.get(r.activity))]
    assert sum(s["服务时长（小时） Hours"] for s in _sheet(book, "站点")) == float(
        sum((r.hours for r in at_stations), Decimal(0)))
    prio_rows = {p["指标 Measure"]: p for p in _sheet(book, "老少边贫")}
    assert prio_rows["服务时长（小时） Hours"]["老少边贫地区 Priority areas"] == float(prio)
    assert prio_rows["服务时长（小时） Hours"]["合计 Total"] == float(hours)


async def test_through_graphql_and_who_may(oconn: psycopg.AsyncConnection[Any],
                                           odb: ConnectionDatabase):
    await make_world(oconn)
    inside = Caller(Role.DISPATCHER, "d-1", region="410300000000")
    book = await _book(odb, inside)
    assert book.sheetnames == SHEETS
    for outsider in (Caller(Role.DISPATCHER, "d-2", region="410100000000"),
                     Caller(Role.ORG_ADMIN, "o-1", org=1), Caller(Role.PARTNER, "p")):
        with pytest.raises(Denied):
            await reports.annual(odb, outsider, region_code=CITY, year=YEAR)
    for region, year, field in (("4103", YEAR, "regionCode"), (CITY, 1999, "year"),
                                ("419900000000", YEAR, "regionCode")):
        with pytest.raises(WorkflowError) as bad:
            await reports.annual(odb, ADMIN, region_code=region, year=year)
        assert bad.value.field == field
    found = await reports.annual(odb, ADMIN, region_code="410300", year=YEAR)
    assert base64.b64encode(found.content)  # the GraphQL payload carries it as base64
