"""A refused correction or confirmation of a service record says why in Chinese (by default)
and English, with the record's own hours."""

from __future__ import annotations

from decimal import Decimal

from hub.auth import Caller, Role
from hub.localization import DEFAULT
from hub.schema.node import encode_id
from hub.services.records import Source, record_service
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World
from tests.seeded import Gql

CORRECT = """mutation($r: ID!, $h: Decimal!) { correctServiceRecord(input: {recordId: $r,
  hours: $h, reason: "核对签到记录"}) { errors { field code message messageZh messageEn } } }"""


async def test_a_refused_correction_says_why_in_both_languages(
        gql: Gql, db: ConnectionDatabase, world: World):
    record = await record_service(db, volunteer_id=world.volunteers[0],
                                  source=Source(activity_id=world.past_activity),
                                  hours=Decimal(3), verified_by="organiser")  # 3 h activity
    admin, gid = Caller(role=Role.ADMIN, sub="a"), encode_id("ServiceRecord", record["id"])
    cases = [("3.01", "INVALID_HOURS", "3.01 小时超过了该记录的需求时段或活动时长 3.00 小时"),
             ("3", "NO_CHANGE", f"记录 {record['id']} 已经是 3.00 小时")]
    for hours, code, zh in cases:
        out = await gql.data(CORRECT, {"r": gid, "h": hours}, caller=admin, locale=DEFAULT)
        [error] = out["correctServiceRecord"]["errors"]
        assert (error["field"], error["code"]) == ("hours", code)
        assert error["message"] == error["messageZh"] == zh
        assert error["messageEn"] and error["messageEn"] != zh


REVIEW = """mutation($d: ID!, $r: Int!, $c: String) { reviewDemand(input: {demandId: $d,
  rating: $r, comment: $c}) { errors { field code message messageZh messageEn } } }"""


async def test_a_refused_review_says_why_in_both_languages(gql: Gql, world: World):
    admin, gid = Caller(role=Role.ADMIN, sub="a"), encode_id("Demand", world.demand)
    for rating, comment, field, zh in ((9, None, "rating", "评分 9 须在 1 到 5 之间"),
                                       (5, "好" * 501, "comment", "评语 501 个字，最多 500 个字")):
        out = await gql.data(REVIEW, {"d": gid, "r": rating, "c": comment}, caller=admin,
                             locale=DEFAULT)
        [error] = out["reviewDemand"]["errors"]
        assert error["field"] == field and error["message"] == error["messageZh"]
        assert error["messageZh"].startswith(zh) and error["messageEn"] != error["messageZh"]
