"""registerVolunteer and updateVolunteer take cohorts and skills by code, Chinese or English
label or synonym, and store the codes; an unknown one is refused naming the field, with its
own Chinese sentence listing what may be given."""

from __future__ import annotations

from typing import Any

from hub.auth import Caller, Role
from hub.localization import DEFAULT
from tests.registration_db.conftest import mobile, person_id
from tests.seeded import Gql

ADMIN = Caller(Role.ADMIN, sub="admin-1")
REGISTER = """mutation($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) {
  volunteer { id cohorts skills { skill level } }
  errors { field code message messageZh messageEn } } }"""
UPDATE = """mutation($input: UpdateVolunteerInput!) { updateVolunteer(input: $input) {
  volunteer { cohorts skills { skill level } } errors { field code } } }"""


def person(sequence: int, **extra: Any) -> dict[str, Any]:
    return {"name": "王芳", "idNumber": person_id(7000 + sequence),
            "mobile": mobile(7000 + sequence), "education": "本科", "regionCode": "620102",
            "home": {"lon": 103.83, "lat": 36.06}, **extra}


async def test_labels_and_synonyms_are_stored_as_codes(gql: Gql) -> None:
    given = person(1, cohorts=["老科技工作者", "Researcher", "老科协"],
                   skills=[{"skill": "医疗健康", "level": 3}, {"skill": "农技", "level": 2}])
    out = (await gql.data(REGISTER, {"input": given}, caller=ADMIN))["registerVolunteer"]
    assert out["errors"] == []
    volunteer = out["volunteer"]
    assert volunteer["cohorts"] == ["retired_scientist", "researcher"]
    assert volunteer["skills"] == [{"skill": "agri_tech", "level": 2},
                                   {"skill": "health", "level": 3}]
    changed = await gql.data(UPDATE, {"input": {"id": volunteer["id"], "cohorts": ["大学生"],
                                                "skills": [{"skill": "应急", "level": 4}]}},
                             caller=ADMIN)
    assert changed["updateVolunteer"] == {"volunteer": {
        "cohorts": ["university_student"], "skills": [{"skill": "emergency", "level": 4}]},
        "errors": []}


async def test_an_unknown_cohort_or_skill_is_refused_in_both_languages(gql: Gql) -> None:
    given = person(2, cohorts=["宇航员"], skills=[{"skill": "烹饪", "level": 1}])
    out = (await gql.data(REGISTER, {"input": given}, caller=ADMIN, locale=DEFAULT)
           )["registerVolunteer"]
    errors = {e["field"]: e for e in out["errors"]}
    assert set(errors) == {"cohorts", "skills"} and out["volunteer"] is None
    for field, word, label in (("cohorts", "宇航员", "老科技工作者"),
                               ("skills", "烹饪", "医疗健康")):
        error = errors[field]
        assert error["code"] == "INVALID" and error["message"] == error["messageZh"]
        assert word in error["messageZh"] and "不在可选范围内" in error["messageZh"]
        assert label in error["messageZh"] and "not a known" in error["messageEn"]


async def test_refusals_of_the_service_say_why_in_chinese(gql: Gql) -> None:
    first = (await gql.data(REGISTER, {"input": person(3)}, caller=ADMIN))["registerVolunteer"]
    assert first["errors"] == []
    again = (await gql.data(REGISTER, {"input": person(3)}, caller=ADMIN, locale=DEFAULT)
             )["registerVolunteer"]
    [error] = again["errors"]
    assert error["code"] == "DUPLICATE" and error["message"] == error["messageZh"]
    assert error["messageZh"].startswith("该身份证号已经登记过") and "李" not in error["messageZh"]
    missing = (await gql.data(REGISTER, {"input": person(4, name="")}, caller=ADMIN,
                              locale=DEFAULT))["registerVolunteer"]
    assert [(e["field"], e["messageZh"]) for e in missing["errors"]] == [("name", "必填")]
