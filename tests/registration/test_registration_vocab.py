"""Vocabularies: codes, Chinese labels, tolerant reverse lookup."""

from __future__ import annotations

import pytest

from hub.registration.vocab import (
    BELOW_HIGH_SCHOOL,
    COHORTS,
    CRS,
    DEFAULT_CRS,
    EDUCATION,
    EDUCATION_RANK,
    GENDERS,
    ORG_LEVEL_RANK,
    ORG_LEVELS,
    SKILLS,
    Vocabulary,
    lookup_key,
)


def test_codes_are_the_agreed_ones() -> None:
    assert EDUCATION.codes == ("high_school", "associate", "bachelor", "master", "doctorate")
    assert COHORTS.codes == (
        "university_student",
        "retired_scientist",
        "woman_scientist",
        "researcher",
        "enterprise_rnd",
        "museum_guide",
        "youth_tutor",
        "agri_technician",
        "school_principal",
        "hospital_director",
        "agri_station_head",
    )
    assert SKILLS.codes == (
        "health",
        "youth_science",
        "biosafety",
        "emergency",
        "agri_tech",
        "anti_pseudoscience",
        "rural_industry",
        "enterprise_innovation",
    )
    assert ORG_LEVELS.codes == ("corps", "team", "detachment", "squad")
    assert GENDERS.codes == ("male", "female")
    assert CRS.codes == ("WGS84", "GCJ02", "BD09")
    assert DEFAULT_CRS == "WGS84"


def test_labels() -> None:
    assert EDUCATION.label("high_school") == "高中/中专"
    assert COHORTS.label("museum_guide") == "科技馆讲解员"
    assert SKILLS.label("anti_pseudoscience") == "科学辟谣"
    assert ORG_LEVELS.label("detachment") == "支队"


@pytest.mark.parametrize(
    ("vocab", "text", "code"),
    [
        (EDUCATION, "本科", "bachelor"),
        (EDUCATION, " 高中／中专 ", "high_school"),
        (EDUCATION, "中专", "high_school"),
        (EDUCATION, "bachelor", "bachelor"),
        (EDUCATION, "BACHELOR", "bachelor"),
        (EDUCATION, "研究生", "master"),
        (COHORTS, "老科协", "retired_scientist"),
        (COHORTS, "大学生", "university_student"),
        (SKILLS, "医疗 健康", "health"),
        (SKILLS, "anti_pseudoscience", "anti_pseudoscience"),
        (ORG_LEVELS, "总队", "corps"),
        (ORG_LEVELS, "队", "team"),
        (GENDERS, "男", "male"),
        (GENDERS, "女性", "female"),
        (CRS, "wgs-84", "WGS84"),
        (CRS, "ＧＣＪ－０２", "GCJ02"),
        (CRS, "百度", "BD09"),
    ],
)
def test_lookup(vocab: Vocabulary, text: str, code: str) -> None:
    assert vocab.lookup(text) == code


def test_unknown_and_below_high_school() -> None:
    assert EDUCATION.lookup("初中") is None
    assert lookup_key("初中及以下") in BELOW_HIGH_SCHOOL
    assert SKILLS.lookup("烹饪") is None
    assert EDUCATION.lookup(None) is None


def test_ranks() -> None:
    assert EDUCATION_RANK["high_school"] < EDUCATION_RANK["doctorate"]
    assert [ORG_LEVEL_RANK[c] for c in ORG_LEVELS.codes] == [1, 2, 3, 4]


def test_ambiguous_alias_is_refused() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        Vocabulary("x", {"a": "甲", "b": "乙"}, {"b": ["甲"]})
