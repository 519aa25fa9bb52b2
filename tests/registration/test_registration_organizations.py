"""Organisation rows: levels, parents in the file, naming findings, duplicates."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from hub.registration.results import RowResults
from hub.registration.rows import OrganizationRow, validate_organization_rows
from hub.registration.table import read_table

TODAY = date(2026, 5, 1)
HEADERS = [
    "序号",
    "队伍名称",
    "层级",
    "上级队伍",
    "所在行政区划代码",
    "类型",
    "服务领域",
    "队长姓名",
    "队长手机号",
    "管理员姓名",
    "管理员手机号",
    "成立日期",
    "经度",
    "纬度",
    "坐标系",
]
CORPS = "甘肃省科技志愿服务总队"
SOCIETY = "甘肃省农学会科技志愿服务队"


def team(name: str, level: str, parent: str | None = None, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "队伍名称": name,
        "层级": level,
        "上级队伍": parent,
        "所在行政区划代码": "620000",
        "队长姓名": "王强",
        "队长手机号": "13900139000",
    }
    row.update(fields)
    return row


def run(rows: list[dict[str, object]], headers: list[str] = HEADERS) -> RowResults[OrganizationRow]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    table = read_table(buffer.getvalue().encode("gbk"), "teams.csv")
    return validate_organization_rows(table, today=TODAY)


def test_a_small_hierarchy() -> None:
    results = run(
        [
            team(CORPS, "总队", 类型="省级科协", 成立日期="2023/3/5"),
            team(SOCIETY, "队", CORPS, 类型="学会", 服务领域="农业实用技术、产业与乡村振兴"),
            team(
                f"{SOCIETY}土壤肥料专委会支队",
                "支队",
                SOCIETY,
                所在行政区划代码="620102",
                管理员姓名="李娜",
                管理员手机号="+86 137 0000 1111",
                经度="103.8",
                纬度="36.1",
                坐标系="高德",
            ),
            team(f"{SOCIETY}土壤肥料专委会支队第一分队", "分队", f"{SOCIETY}土壤肥料专委会支队"),
        ]
    )
    assert results.ok and not results.row_warnings
    corps, society, committee, squad = results.good
    assert (corps.level, corps.parent_name, corps.kind) == ("corps", None, "province")
    assert corps.founded_on == date(2023, 3, 5)
    assert society.service_categories == ("agri_tech", "rural_industry")
    assert committee.admin_mobile == "13700001111" and committee.crs == "GCJ02"
    assert [o.level_rank for o in results.good] == [1, 2, 3, 4]
    assert squad.captain_mobile not in repr(squad)


def test_child_must_be_strictly_below_a_parent_in_the_file() -> None:
    results = run(
        [
            team("兰州市科技志愿服务队城关支队", "支队", "兰州市科技志愿服务队"),
            team("兰州市科技志愿服务队", "队", CORPS),
            team("榆中县科技志愿服务队", "队", "兰州市科技志愿服务队"),
        ]
    )
    assert [o.row_number for o in results.good] == [2, 3]
    (error,) = results.errors
    assert error.row_number == 4 and error.column == "上级队伍"
    assert error.reason == "a 队 cannot sit under a 队"


def test_level_inconsistent_with_declared_parent_level() -> None:
    # The parent's *name* gives no level, its declared level does.
    results = run(
        [
            team("兰州市科技志愿服务队城关支队", "支队", "兰州市科普团"),
            team("兰州市科普团", "分队", None),
        ]
    )
    errors = {(e.row_number, e.column) for e in results.errors}
    assert (2, "上级队伍") in errors


def test_corps_has_no_parent_and_team_not_its_own_parent() -> None:
    results = run(
        [
            team(CORPS, "总队", "中国科协"),
            team("兰州市科技志愿服务队", "队", "兰州市科技志愿服务队"),
        ]
    )
    assert [(e.row_number, e.reason) for e in results.errors] == [
        (2, "a 总队 has no parent team"),
        (3, "a team cannot be its own parent"),
    ]


def test_naming_warning_keeps_the_row_and_suggests() -> None:
    results = run(
        [team("郑州市科技志愿队", "队", "河南省科技志愿服务总队", 所在行政区划代码="410100")]
    )
    assert len(results.good) == 1 and not results.errors
    (warning,) = results.row_warnings
    assert warning.column == "队伍名称"
    assert "suggested name: 郑州市科技志愿服务队" in warning.reason
    assert "建议名称：郑州市科技志愿服务队" in warning.reason_zh


def test_naming_error_rejects_the_row() -> None:
    results = run([team("兰州市科技志愿服务支队", "队", CORPS)])
    assert not results.good
    assert "ends with 支队 but the level is 队" in results.errors[0].reason


def test_duplicates_on_name_and_parent() -> None:
    results = run(
        [
            team("兰州市科技志愿服务队城关支队", "支队", "兰州市科技志愿服务队"),
            team("兰州市科技志愿服务队城关支队", "支队", "兰州市科技志愿服务队", 队长姓名="赵刚"),
            team("兰州市科技志愿服务队城关支队", "支队", "嘉峪关市科技志愿服务队"),
        ]
    )
    assert [o.row_number for o in results.good] == [2, 4]
    assert results.errors[0].reason == "the same team (name and parent) as row 2"


def test_ambiguous_parent_in_the_file() -> None:
    results = run(
        [
            team("城关支队科技志愿服务支队", "支队", "兰州市科技志愿服务队"),
            team("城关支队科技志愿服务支队", "支队", "天水市科技志愿服务队"),
            team("城关支队科技志愿服务支队第一分队", "分队", "城关支队科技志愿服务支队"),
        ]
    )
    (error,) = results.errors
    assert error.row_number == 4 and "ambiguous" in error.reason


@pytest.mark.parametrize(
    ("fields", "column", "reason"),
    [
        ({"队伍名称": ""}, "队伍名称", "required"),
        ({"层级": "大队"}, "层级", "not a known organization level"),
        ({"所在行政区划代码": "6201"}, "所在行政区划代码", "division code"),
        ({"所在行政区划代码": "990100"}, "所在行政区划代码", "division code"),
        ({"类型": "部队"}, "类型", "not a known organization kind"),
        ({"服务领域": "烹饪"}, "服务领域", "not a known skill"),
        ({"队长姓名": ""}, "队长姓名", "required"),
        ({"队长手机号": "1390013900"}, "队长手机号", "11 digits"),
        ({"管理员姓名": "李娜"}, "管理员手机号", "required when 管理员姓名"),
        ({"成立日期": "2027-01-01"}, "成立日期", "in the future"),
    ],
)
def test_rules(fields: dict[str, object], column: str, reason: str) -> None:
    results = run([team("兰州市科技志愿服务队", "队", CORPS, **fields)])
    assert not results.good
    assert [(e.column, reason in e.reason) for e in results.errors] == [(column, True)]


def test_region_codes_of_9_and_12_digits() -> None:
    results = run(
        [
            team("兰州市科技志愿服务队", "队", CORPS, 所在行政区划代码="620102001"),
            team("天水市科技志愿服务队", "队", CORPS, 所在行政区划代码="620502000000"),
        ]
    )
    assert [o.region_code for o in results.good] == ["620102001", "620502000000"]


def test_missing_headers() -> None:
    results = run([], headers=["队伍名称", "层级"])
    assert results.file_errors[0].message == (
        "required columns are missing: 所在行政区划代码、队长姓名、队长手机号"
    )
