"""A station's whole life through GraphQL with signed tokens: created by the region's
dispatcher, invisible to the public while a draft, rejected with a reason, edited by its own
staff, resubmitted, approved by another dispatcher, closed and archived."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.publishing.conftest import (
    FAR_REGION,
    POINT,
    REGION,
    Api,
    Land,
    codes,
    gid,
    key_of,
    one,
    soon,
    top_codes,
)
from tests.publishing.documents import (
    ARCHIVE,
    CLOSE,
    CREATE_STATION,
    MAP,
    NODE,
    REVIEW,
    STATIONS,
    SUBMIT,
    UPDATE_STATION,
)

NEW = {"name": "西工区科普服务站", "kind": "新时代文明实践站", "address": "洛阳市西工区中州路 1 号",
       "location": POINT, "regionCode": REGION,
       "sixHas": {"place": True, "team": True, "rules": True},
       "openingHours": [{"weekday": 6, "start": "09:00", "end": "17:00"}],
       "contactName": "王老师", "contactPhone": "13812345678"}


RAISE = f"""mutation($s: ID!) {{ raiseDemand(input: {{title: "科普讲座", category: "health",
  needed: 2, startsAt: "{soon(4)}", endsAt: "{soon(4, 2)}", stationId: $s}}) {{
  errors {{ code field }} }} }}"""


ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Station { id status } } }"""


def _listed(data: dict[str, Any], station_id: str) -> bool:
    return station_id in {e["node"]["id"] for e in data["stations"]["edges"]}


async def test_a_station_from_draft_to_archive(api: Api, land: Land,
                                               pconn: psycopg.AsyncConnection[Any]) -> None:
    alice = api.token("dispatcher", "alice", region="410300000000")  # Luoyang
    bob = api.token("dispatcher", "bob", region="410000000000")  # Henan
    made = (await api.data(alice, CREATE_STATION, {"i": NEW}))["createStation"]
    assert made["errors"] == []
    station = made["station"]
    assert station["status"] == "draft" and station["kind"] == "civilization_station"
    assert station["contactPhone"] == "13812345678"
    assert station["sixHas"] == {"place": True, "team": True, "projects": False,
                                 "facilities": False, "rules": True, "signage": False}
    assert station["openingHours"] == [{"weekday": 6, "start": "09:00", "end": "17:00"}]
    sid = station["id"]
    # Stored as every phone is: encrypted, masked, never in clear.
    stored = await one(pconn, "SELECT contact_phone_masked FROM station WHERE id = %s",
                       (key_of(sid),))
    assert stored == "138****5678"

    # A draft is nobody's business but its managers'.
    assert (await api.data(None, NODE, {"id": sid}))["node"] is None
    entities = await api.data(None, ENTITIES, {"r": [{"__typename": "Station", "id": sid}]})
    assert entities["_entities"] == [None]  # nor through the federation gateway
    assert not _listed(await api.data(None, STATIONS, {"r": REGION}), sid)
    assert sid not in str(await api.data(None, MAP))
    assert _listed(await api.data(alice, STATIONS, {"r": REGION}), sid)
    outsider = api.token("dispatcher", "carol", region=FAR_REGION)
    partner = api.token("partner", "partner-1")
    for stranger in (outsider, partner):
        assert (await api.data(stranger, NODE, {"id": sid}))["node"] is None
        assert not _listed(await api.data(stranger, STATIONS, {"r": REGION}), sid)
    assert codes((await api.data(alice, RAISE, {"s": sid}))["raiseDemand"]) == ["INVALID"]

    submitted = (await api.data(alice, SUBMIT, {"id": sid}))["submitForReview"]
    assert submitted["publication"]["status"] == "pending_review"
    assert submitted["review"] == {"decision": "submit", "toStatus": "pending_review",
                                   "actor": "dispatcher:alice"}
    # Nobody approves what they submitted; a rejection needs a reason.
    own = (await api.data(alice, REVIEW, {"id": sid, "d": "APPROVE"}))["reviewSubmission"]
    assert codes(own) == ["SELF_REVIEW"]
    bare = (await api.data(bob, REVIEW, {"id": sid, "d": "REJECT"}))["reviewSubmission"]
    assert codes(bare) == ["REASON_REQUIRED"]
    rejected = (await api.data(bob, REVIEW, {"id": sid, "d": "REJECT",
                                             "r": "标识不全，请补充"}))["reviewSubmission"]
    assert rejected["publication"]["status"] == "rejected"

    # Its own staff edit it (they may not create one) and it goes back for review.
    staff_id = gid("Account", 9001)
    staff = api.token("station_staff", staff_id, station=key_of(sid))
    edited = (await api.data(staff, UPDATE_STATION, {"i": {
        "id": sid, "name": "西工区科普服务站（中州路）",
        "sixHas": {"signage": True}}}))["updateStation"]
    assert edited["errors"] == [] and edited["station"]["name"] == "西工区科普服务站（中州路）"
    # The policy: its own staff see their station's phone (station.contact_phone).
    assert edited["station"]["contactPhone"] == "13812345678"
    refused = await api.call(staff, CREATE_STATION, {"i": NEW})
    assert top_codes(refused) == ["FORBIDDEN"]
    assert (await api.data(staff, SUBMIT, {"id": sid}))["submitForReview"]["errors"] == []
    approved = (await api.data(bob, REVIEW, {"id": sid, "d": "APPROVE"}))["reviewSubmission"]
    assert approved["errors"] == [] and approved["publication"]["status"] == "active"

    public = (await api.data(None, NODE, {"id": sid}))["node"]
    assert public["status"] == "active"
    assert public["contactPhone"] is None and public["reviews"] is None
    assert _listed(await api.data(None, STATIONS, {"r": REGION}), sid)
    log = (await api.data(alice, NODE, {"id": sid}))["node"]["reviews"]
    assert [(r["decision"], r["actor"]) for r in log] == [
        ("submit", "dispatcher:alice"), ("reject", "dispatcher:bob"),
        ("submit", f"station_staff:{staff_id}"), ("approve", "dispatcher:bob")]
    assert log[1]["reason"] == "标识不全，请补充" and log[1]["toStatus"] == "rejected"

    # Open: its hours and contact may change, its place may not without a new review.
    moved = (await api.data(alice, UPDATE_STATION, {"i": {
        "id": sid, "location": {"lon": 112.46, "lat": 34.63}}}))["updateStation"]
    assert codes(moved) == ["LOCKED_WHILE_PUBLISHED"]
    phoned = (await api.data(alice, UPDATE_STATION, {"i": {
        "id": sid, "contactPhone": "13912345678"}}))["updateStation"]
    assert phoned["station"]["contactPhone"] == "13912345678"

    assert (await api.data(alice, CLOSE, {"id": sid}))["closePublication"]["publication"][
        "status"] == "closed"
    assert (await api.data(None, NODE, {"id": sid}))["node"]["status"] == "closed"
    refused = (await api.data(alice, RAISE, {"s": sid}))["raiseDemand"]
    assert [e["field"] for e in refused["errors"]] == ["stationId"]
    archived = (await api.data(alice, ARCHIVE, {"id": sid}))["archivePublication"]
    assert archived["publication"]["status"] == "archived"
    assert (await api.data(None, NODE, {"id": sid}))["node"] is None
    again = (await api.data(alice, SUBMIT, {"id": sid}))["submitForReview"]
    assert codes(again) == ["INVALID_TRANSITION"]
    assert again["errors"][0]["messageEn"] == (
        "a station that is archived cannot be submitted for review")
    assert again["errors"][0]["messageZh"] == "站点当前为“已归档”，不能提交审核"

