"""Volunteer rows: every rule of seed 002, all errors per row, duplicates, headers."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from registration_ids import MakeId

from hub.registration.results import RowResults
from hub.registration.rows import Skill, VolunteerRow, validate_volunteer_rows
from hub.registration.table import Table, read_table

TODAY = date(2026, 5, 1)
HEADERS = [
    "序号",
    "姓名",
    "身份证号",
    "性别",
    "手机号",
    "学历",
    "人群类别",
    "技能",
    "技能等级",
    "居住地经度",
    "居住地纬度",
    "坐标系",
    "所属队伍",
    "队伍内角色",
    "保险有效期至",
]


def csv_table(rows: list[dict[str, object]], headers: list[str] = HEADERS) -> Table:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return read_table(buffer.getvalue().encode("utf-8-sig"), "upload.csv")


def person(make_id: MakeId, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "姓名": "王小明",
        "身份证号": make_id(birth="19850612", seq="131"),
        "手机号": "13912345678",
        "学历": "本科",
    }
    row.update(fields)
    return row


def run(rows: list[dict[str, object]], headers: list[str] = HEADERS) -> RowResults[VolunteerRow]:
    return validate_volunteer_rows(csv_table(rows, headers), today=TODAY)


def test_full_row_is_normalised(make_id: MakeId) -> None:
    number = make_id(birth="19850612", seq="131")
    results = run(
        [
            person(
                make_id,
                姓名=" 阿卜杜拉•艾买提 ",
                身份证号=number.lower(),
                性别="男",
                手机号="+86 139-1234-5678",
                学历="硕士研究生",
                人群类别="科研人员、老科协",
                技能="医疗健康，生物安全",
                技能等级="4、2",
                居住地经度="103.8343",
                居住地纬度="36.0611",
                所属队伍="兰州市 科技志愿服务队",
                队伍内角色="队长",
                保险有效期至="2026年12月31日",
            )
        ]
    )
    assert results.ok and results.rows_read == 1
    (row,) = results.good
    assert row.row_number == 2
    assert row.name == "阿卜杜拉·艾买提"
    assert row.id_number == number and row.birth_date == date(1985, 6, 12)
    assert row.gender == "male" and row.mobile == "13912345678"
    assert row.education == "master"
    assert row.cohorts == ("researcher", "retired_scientist")
    assert row.skills == (Skill("health", 4), Skill("biosafety", 2))
    assert (row.longitude, row.latitude, row.crs) == (103.8343, 36.0611, "WGS84")
    assert row.team_name == "兰州市科技志愿服务队" and row.team_role == "captain"
    assert row.insurance_until == date(2026, 12, 31)
    assert number not in repr(row)


def test_minimal_row_defaults(make_id: MakeId) -> None:
    (row,) = run([person(make_id)]).good
    assert row.cohorts == () and row.skills == () and row.crs is None
    assert row.team_role == "member" and row.team_name is None and row.insurance_until is None


def test_one_level_applies_to_every_skill_and_blank_means_one(make_id: MakeId) -> None:
    (row,) = run([person(make_id, 技能="应急安全 科学辟谣", 技能等级="三级")]).good
    assert row.skills == (Skill("emergency", 3), Skill("anti_pseudoscience", 3))
    (row,) = run([person(make_id, 技能="企业创新")]).good
    assert row.skills == (Skill("enterprise_innovation", 1),)


@pytest.mark.parametrize(
    ("fields", "column", "reason"),
    [
        ({"姓名": "张"}, "姓名", "2–30 characters"),
        ({"姓名": "张3"}, "姓名", "Chinese characters or letters"),
        ({"姓名": "李" * 31}, "姓名", "2–30 characters"),
        ({"姓名": ""}, "姓名", "required"),
        ({"学历": "初中"}, "学历", "education must be high school or above"),
        ({"学历": "初中及以下"}, "学历", "education must be high school or above"),
        ({"学历": "小学"}, "学历", "education must be high school or above"),
        ({"学历": "幼儿园"}, "学历", "not a known education"),
        ({"学历": None}, "学历", "required"),
        ({"手机号": "0931-8123456"}, "手机号", "landline"),
        ({"性别": "女"}, "性别", "does not match the ID number"),
        ({"性别": "未知"}, "性别", "not a known gender"),
        ({"人群类别": "高校学生、宇航员"}, "人群类别", "not a known cohort"),
        ({"技能": "医疗健康、烹饪"}, "技能", "not a known skill"),
        ({"技能": "医疗健康", "技能等级": "6"}, "技能等级", "whole number 1–5"),
        (
            {"技能": "医疗健康、生物安全", "技能等级": "3、4、5"},
            "技能等级",
            "3 levels for 2 skills",
        ),
        ({"技能等级": "3"}, "技能等级", "no skill"),
        ({"居住地经度": "103.8"}, "居住地纬度", "required when 居住地经度"),
        ({"居住地经度": "36.06", "居住地纬度": "103.83"}, "居住地经度", "swapped"),
        ({"居住地经度": "-73.9", "居住地纬度": "40.7"}, "居住地经度", "between 73.0 and 136.0"),
        ({"居住地经度": "103.8", "居住地纬度": "66.1"}, "居住地纬度", "between 3.0 and 54.0"),
        (
            {"居住地经度": "103.8", "居住地纬度": "36.1", "坐标系": "UTM"},
            "坐标系",
            "coordinate system",
        ),
        ({"队伍内角色": "司令"}, "队伍内角色", "not a known team role"),
        ({"保险有效期至": "明年六月"}, "保险有效期至", "YYYY-MM-DD"),
    ],
)
def test_rules(make_id: MakeId, fields: dict[str, object], column: str, reason: str) -> None:
    results = run([person(make_id, **fields)])
    assert not results.good and results.rejected_rows == [2]
    assert [(e.column, reason in e.reason) for e in results.errors] == [(column, True)]
    assert results.errors[0].reason_zh


def test_coordinate_systems(make_id: MakeId) -> None:
    coords = {"居住地经度": "103.84", "居住地纬度": "36.07"}
    for text, code in (("GCJ-02", "GCJ02"), ("百度", "BD09"), ("wgs84", "WGS84"), ("", "WGS84")):
        (row,) = run([person(make_id, **coords, 坐标系=text)]).good
        assert row.crs == code


def test_under_18_is_rejected_and_18_today_accepted(make_id: MakeId) -> None:
    young = make_id(birth="20080502")
    results = run([person(make_id, 身份证号=young)])
    assert "at least 18 years old" in results.errors[0].reason
    assert results.errors[0].value_masked == young[:3] + "*" * 11 + young[-4:]
    assert run([person(make_id, 身份证号=make_id(birth="20080501"))]).good


def test_every_bad_field_of_a_row_is_reported(make_id: MakeId) -> None:
    bad = person(
        make_id,
        姓名="A",
        身份证号="4.10102E+17",
        手机号="12345",
        学历="初中",
        技能="魔法",
        保险有效期至="2026-02-30",
    )
    results = run([bad, person(make_id, 身份证号=make_id(seq="555"))])
    assert results.rejected_rows == [2] and len(results.good) == 1
    columns = [e.column for e in results.errors]
    assert columns == ["姓名", "身份证号", "手机号", "学历", "技能", "保险有效期至"]
    id_error = results.errors[1]
    assert "format the column as text" in id_error.reason and "*" in id_error.value_masked
    assert results.errors[2].value_masked == "12345".replace("12345", "*****")


def test_duplicate_id_numbers_name_the_first_row(make_id: MakeId) -> None:
    same = make_id(seq="777")
    rows = [
        person(make_id, 身份证号=same),
        person(make_id, 身份证号=make_id(seq="778")),
        person(make_id, 身份证号=same.lower()),
        person(make_id, 身份证号=" " + same),
    ]
    results = run(rows)
    assert [r.row_number for r in results.good] == [2, 3]
    assert [(e.row_number, e.reason) for e in results.errors] == [
        (4, "duplicate ID number: the same as row 2"),
        (5, "duplicate ID number: the same as row 2"),
    ]
    assert same not in str(results.errors)


def test_example_row_is_skipped(make_id: MakeId) -> None:
    results = run([person(make_id, 序号="示例", 姓名="示"), person(make_id, 序号="1")])
    assert results.example_rows == [2] and results.rows_read == 1 and len(results.good) == 1


def test_missing_required_headers_is_one_file_error(make_id: MakeId) -> None:
    results = run([{"姓名": "王小明"}], headers=["姓名", "学历", "备注"])
    assert not results.good and not results.errors and not results.ok
    (issue,) = results.file_errors
    assert issue.message == "required columns are missing: 身份证号、手机号"
    assert "身份证号、手机号" in issue.message_zh


def test_header_variants_duplicates_and_unknown_columns(make_id: MakeId) -> None:
    headers = ["*姓名", "身份证号码", "手机号（必填）", "文化程度", "血型"]
    row: dict[str, object] = {
        "*姓名": "王小明",
        "身份证号码": make_id(),
        "手机号（必填）": "13912345678",
        "文化程度": "大专",
        "血型": "O",
    }
    results = run([row], headers=headers)
    assert len(results.good) == 1 and results.good[0].education == "associate"
    assert [w.message for w in results.warnings] == [
        "columns not in the template were ignored: 血型"
    ]
    duplicated = run([row], headers=[*headers, "手机号码"])
    assert "more than once: 手机号码" in duplicated.file_errors[0].message


def test_errors_name_the_header_as_written(make_id: MakeId) -> None:
    results = run(
        [{"手机号码": "123", "姓名": "王小明", "身份证号": make_id(), "学历": "本科"}],
        headers=["姓名", "身份证号", "手机号码", "学历"],
    )
    assert results.errors[0].column == "手机号码"


def test_expired_insurance_is_a_warning(make_id: MakeId) -> None:
    results = run([person(make_id, 保险有效期至="2025-12-31")])
    assert len(results.good) == 1
    assert results.row_warnings[0].reason == "the insurance has expired"


def test_xlsx_cells_as_excel_stores_them(make_id: MakeId) -> None:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.append(["姓名", "身份证号", "手机号", "学历", "保险有效期至", "技能等级", "技能"])
    ws.append(["王小明", make_id(), 13912345678.0, "本科", 46387, 3.0, "医疗健康"])
    ws.append(
        ["李小红", 4.10102199003071e17, 13912345679, "博士", datetime(2027, 1, 1), None, None]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    results = validate_volunteer_rows(read_table(buffer.getvalue(), "名单.xlsx"), today=TODAY)
    (row,) = results.good
    assert row.mobile == "13912345678" and row.insurance_until == date(2026, 12, 31)
    assert row.skills == (Skill("health", 3),)
    (error,) = results.errors
    assert error.row_number == 3 and "stored as a number by Excel" in error.reason


def test_a_six_digit_code_of_no_province_says_so(make_id: MakeId) -> None:
    headers = [*HEADERS, "居住地行政区划代码"]
    results = run([person(make_id, 居住地行政区划代码="999999")], headers=headers)
    (error,) = results.errors
    assert error.column == "居住地行政区划代码" and "6, 9 or 12" not in error.reason
    assert error.reason.startswith("no such division code: 99 is not a province")
    assert error.reason_zh.startswith("没有该行政区划")
    (shape,) = run([person(make_id, 居住地行政区划代码="62010")], headers=headers).errors
    assert "6, 9 or 12 digits" in shape.reason
    (row,) = run([person(make_id, 居住地行政区划代码="620102")], headers=headers).good
    assert row.region_code == "620102"


def test_no_home_and_unknown_availability_are_warnings(make_id: MakeId) -> None:
    headers = [*HEADERS, "可服务时间"]
    home = {"居住地经度": "103.84", "居住地纬度": "36.07"}
    results = run([person(make_id),
                   person(make_id, **home, 可服务时间="看情况",
                          身份证号=make_id(birth="19850612", seq="151")),
                   person(make_id, **home, 可服务时间="工作日晚上",
                          身份证号=make_id(birth="19850612", seq="171"))], headers=headers)
    assert len(results.good) == 3 and results.ok
    assert [(w.row_number, w.column) for w in results.row_warnings] == [
        (2, "居住地经度"), (3, "可服务时间")]
    assert "no home location" in results.row_warnings[0].reason
    assert results.row_warnings[0].reason_zh.startswith("未填写居住地经纬度")
    assert "names no period" in results.row_warnings[1].reason


def test_a_rejected_row_keeps_its_team_and_division_for_the_database_checks(
        make_id: MakeId) -> None:
    headers = [*HEADERS, "居住地行政区划代码"]
    results = run([person(make_id, 学历="小学", 所属队伍="无此科技志愿服务队",
                          居住地行政区划代码="629999")], headers=headers)
    assert not results.good
    (ref,) = results.rejected_references
    assert (ref.row_number, ref.team_name, ref.region_code) == (2, "无此科技志愿服务队", "629999")
