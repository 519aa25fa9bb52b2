"""Team naming rules of seed 002 (总队 → 队 → 支队 → 分队)."""

from __future__ import annotations

import pytest

from hub.registration.naming import check_name, fix_term, infer_level


@pytest.mark.parametrize(
    ("name", "level", "parent"),
    [
        ("甘肃省科技志愿服务总队", "corps", None),
        ("北京市科技志愿服务总队", "corps", None),
        ("新疆维吾尔自治区科技志愿服务总队", "corps", None),
        ("新疆生产建设兵团科技志愿服务总队", "corps", None),
        ("甘肃省农学会科技志愿服务队", "team", "甘肃省科技志愿服务总队"),
        ("甘肃省医学会科技志愿服务队", "队", None),
        ("甘肃省老科技工作者协会科技志愿服务队", "team", None),
        ("甘肃省土壤肥料研究会科技志愿服务队", "team", None),
        (
            "甘肃省农学会科技志愿服务队土壤肥料专委会支队",
            "detachment",
            "甘肃省农学会科技志愿服务队",
        ),
        ("甘肃省医学会科技志愿服务队心血管病专业委员会支队", "支队", None),
        ("兰州市科技志愿服务队", "team", "甘肃省科技志愿服务总队"),
        ("临夏回族自治州科技志愿服务队", "team", None),
        ("甘南藏族自治州科技志愿服务队", "team", None),
        ("榆中县科技志愿服务队", "team", None),
        ("城关区科技志愿服务队", "team", None),
        ("玉门市科技志愿服务队", "team", None),
        ("兰州大学科技志愿服务队", "team", None),
        ("甘肃省科技馆科技志愿服务队", "team", None),
        ("兰州新区科技志愿服务队", "team", None),
        ("中国石油兰州石化公司科技志愿服务队", "team", None),
        ("兰州市科技志愿服务队城关支队", "detachment", "兰州市科技志愿服务队"),
        ("兰州市科技志愿服务队城关支队第一分队", "squad", "兰州市科技志愿服务队城关支队"),
        ("兰州大学科技志愿服务队化学化工学院分队", "squad", None),
    ],
)
def test_good_names(name: str, level: str, parent: str | None) -> None:
    result = check_name(name, level, parent)
    assert result.ok, result
    assert result.reason is None and result.suggestion is None and not result.is_error


@pytest.mark.parametrize(
    ("name", "level", "suggestion"),
    [
        ("郑州市科技志愿队", "team", "郑州市科技志愿服务队"),
        ("兰州市科技志愿者服务队", "team", "兰州市科技志愿服务队"),
        ("兰州市科技志愿者队", "team", "兰州市科技志愿服务队"),
        ("兰州市志愿服务队", "team", "兰州市科技志愿服务队"),
        ("兰州市志愿者队", "team", "兰州市科技志愿服务队"),
        ("兰州市科技服务队", "team", "兰州市科技志愿服务队"),
        ("兰州市科技志愿服务团", "team", "兰州市科技志愿服务队"),
        ("兰州市科技志愿服务大队", "team", "兰州市科技志愿服务队"),
        ("兰州市（州）科技志愿服务队", "team", "兰州市科技志愿服务队"),
        ("榆中县（区）科技志愿服务队", "team", "榆中县科技志愿服务队"),
        ("兰州市科协科技志愿服务队", "team", "兰州市科技志愿服务队"),
        ("兰州大学科协科技志愿服务队", "team", "兰州大学科技志愿服务队"),
        ("甘肃省科技志愿服务队", "team", "甘肃省科技志愿服务总队"),
        ("甘肃科技志愿服务总队", "corps", "甘肃省科技志愿服务总队"),
        ("甘肃省科协科技志愿服务总队", "corps", "甘肃省科技志愿服务总队"),
        ("甘肃省科技志愿者总队", "corps", "甘肃省科技志愿服务总队"),
        ("兰州市科技志愿服务总队", "corps", "兰州市科技志愿服务队"),
        (
            "甘肃省农学会土壤肥料专委会支队",
            "detachment",
            "甘肃省农学会科技志愿服务队土壤肥料专委会支队",
        ),
        (
            "甘肃省农学会土壤肥料专委会科技志愿服务支队",
            "detachment",
            "甘肃省农学会科技志愿服务队土壤肥料专委会支队",
        ),
    ],
)
def test_warnings_with_suggestion(name: str, level: str, suggestion: str) -> None:
    result = check_name(name, level)
    assert not result.ok and not result.is_error
    assert result.suggestion == suggestion
    assert result.reason and result.reason_zh


def test_corps_without_province_has_a_reason() -> None:
    result = check_name("科技志愿服务总队", "corps")
    assert not result.ok and result.suggestion is None
    assert "province" in (result.reason or "")
    assert "省" in (result.reason_zh or "")


def test_detachment_and_squad_suggestions_use_the_parent() -> None:
    committee = check_name("土壤肥料专委会支队", "detachment", "甘肃省农学会科技志愿服务队")
    assert committee.suggestion == "甘肃省农学会科技志愿服务队土壤肥料专委会支队"
    squad = check_name("第一分队", "squad", "兰州市科技志愿服务队城关支队")
    assert squad.suggestion == "兰州市科技志愿服务队城关支队第一分队"
    assert not squad.ok and not squad.is_error
    assert check_name("第一分队", "squad").suggestion is None


@pytest.mark.parametrize(
    ("name", "level", "parent", "reason"),
    [
        ("兰州市科技志愿服务支队", "team", None, "ends with 支队 but the level is 队"),
        ("甘肃省科技志愿服务总队", "team", None, "ends with 总队"),
        ("兰州市科技志愿服务队", "squad", None, "ends with 队 but the level is 分队"),
        ("**学会科技志愿服务队", "team", None, "placeholder"),
        ("某某县科技志愿服务队", "team", None, "placeholder"),
        ("", "team", None, "empty"),
        ("科技志愿服务队", "team", None, "named <place"),
        ("兰州市科普协会", "team", None, "must end with 队"),
        ("城关区科技志愿服务队", "team", "兰州市科技志愿服务队", "cannot be placed under a 队"),
        ("城关支队", "detachment", "城关区科技志愿服务队七里河分队", "under a 分队"),
    ],
)
def test_errors(name: str, level: str, parent: str | None, reason: str) -> None:
    result = check_name(name, level, parent)
    assert not result.ok and result.is_error
    assert reason in (result.reason or "")


def test_missing_level_word_suggests_the_full_form() -> None:
    assert check_name("兰州市科普协会", "team").suggestion == "兰州市科普协会科技志愿服务队"


def test_kind_makes_team_rules_specific() -> None:
    assert check_name("甘肃省农学会科技志愿服务队", "team", kind="society").ok
    assert not check_name("甘肃省农业科学院科技志愿服务队", "team", kind="society").ok
    assert check_name("兰州市科技志愿服务队", "team", kind="city").ok
    assert not check_name("城关区科技志愿服务队", "team", kind="city").ok
    assert check_name("城关区科技志愿服务队", "team", kind="county").ok
    assert check_name("兰州大学科技志愿服务队", "team", kind="unit").ok


def test_spaces_and_half_width_parentheses_are_normalised() -> None:
    assert check_name(" 兰州市 科技志愿服务队 ", "team").ok
    result = check_name("兰州市(州)科技志愿服务队", "team")
    assert result.suggestion == "兰州市科技志愿服务队"


def test_level_accepts_code_or_label_and_rejects_unknown() -> None:
    assert check_name("甘肃省科技志愿服务总队", "总队").ok
    with pytest.raises(ValueError, match="unknown organization level"):
        check_name("甘肃省科技志愿服务总队", "brigade")


def test_helpers() -> None:
    assert infer_level("兰州市科技志愿服务队城关支队") == "detachment"
    assert infer_level("甘肃省科技志愿服务总队") == "corps"
    assert infer_level("兰州市科技志愿服务大队") is None
    assert infer_level("兰州市科普协会") is None
    assert fix_term("兰州市科技志愿支队") == "兰州市科技志愿服务支队"
    assert fix_term("兰州市科技志愿服务队") == "兰州市科技志愿服务队"
