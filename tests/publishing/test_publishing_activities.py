"""Activities and projects through their life with signed tokens: created by the team's org
admin, a safety plan before review, approved by an org admin above the team or the region's
dispatcher, capacity never below the sign-ups, drafts invisible to the public."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.publishing.conftest import POINT, REGION, Api, Land, codes, gid, key_of, soon, top_codes
from tests.publishing.documents import (
    ARCHIVE,
    CLOSE,
    CREATE_ACTIVITY,
    CREATE_PROJECT,
    NODE,
    PROJECTS,
    REVIEW,
    SUBMIT,
    UPDATE_ACTIVITY,
    UPDATE_PROJECT,
    WITHDRAW,
)


def _activity(land: Land, **more: Any) -> dict[str, Any]:
    return {"organizationId": gid("Organization", land.team), "title": "社区急救科普讲座",
            "category": "应急安全", "startsAt": soon(5), "endsAt": soon(5, 2), "capacity": 3,
            "location": POINT, "regionCode": REGION, "requiredSkills": ["health"],
            "requiresInsurance": True, **more}


async def test_an_activity_from_draft_to_archive(api: Api, land: Land,
                                                 pconn: psycopg.AsyncConnection[Any]) -> None:
    organiser = api.token("org_admin", "team-admin", org=land.team)
    above = api.token("org_admin", "corps-admin", org=land.corps)
    made = (await api.data(organiser, CREATE_ACTIVITY, {"i": _activity(land)}))["createActivity"]
    assert made["errors"] == [] and made["activity"]["status"] == "draft"
    aid = made["activity"]["id"]
    assert (await api.data(None, NODE, {"id": aid}))["node"] is None
    volunteer = api.token("volunteer", gid("Volunteer", 1))
    assert (await api.data(volunteer, NODE, {"id": aid}))["node"] is None

    # Seed 003: every activity has a safety plan before it is reviewed.
    bare = (await api.data(organiser, SUBMIT, {"id": aid}))["submitForReview"]
    assert codes(bare) == ["SAFETY_PLAN_REQUIRED"]
    assert bare["errors"][0]["field"] == "safetyPlan"
    planned = (await api.data(organiser, UPDATE_ACTIVITY, {"i": {
        "id": aid, "safetyPlan": "现场配备急救箱与两名持证急救员；遇雨改在室内。"}}))
    assert planned["updateActivity"]["errors"] == []
    assert (await api.data(organiser, SUBMIT, {"id": aid}))["submitForReview"]["errors"] == []

    # A volunteer may not review; the submitter may not approve; an admin above the team may.
    refused = await api.call(volunteer, REVIEW, {"id": aid, "d": "APPROVE"})
    assert top_codes(refused) == ["FORBIDDEN"]
    own = (await api.data(organiser, REVIEW, {"id": aid, "d": "APPROVE"}))["reviewSubmission"]
    assert codes(own) == ["SELF_REVIEW"]
    approved = (await api.data(above, REVIEW, {"id": aid, "d": "APPROVE"}))["reviewSubmission"]
    assert approved["publication"] == {"__typename": "Activity", "id": aid,
                                       "status": "published"}
    assert (await api.data(None, NODE, {"id": aid}))["node"]["status"] == "published"

    # Published: capacity may change, never below the sign-ups; the title may not.
    await pconn.execute("UPDATE activity SET signed_up = 3 WHERE id = %s", (key_of(aid),))
    fewer = (await api.data(organiser, UPDATE_ACTIVITY, {"i": {"id": aid, "capacity": 2}}))
    assert codes(fewer["updateActivity"]) == ["CAPACITY_BELOW_SIGN_UPS"]
    assert "2" in fewer["updateActivity"]["errors"][0]["messageEn"]
    more = (await api.data(organiser, UPDATE_ACTIVITY, {"i": {"id": aid, "capacity": 8}}))
    assert more["updateActivity"]["activity"]["capacity"] == 8
    renamed = (await api.data(organiser, UPDATE_ACTIVITY, {"i": {"id": aid, "title": "改名"}}))
    assert codes(renamed["updateActivity"]) == ["LOCKED_WHILE_PUBLISHED"]

    closed = (await api.data(organiser, CLOSE, {"id": aid}))["closePublication"]
    assert closed["publication"]["status"] == "closed"
    assert (await api.data(organiser, ARCHIVE, {"id": aid}))["archivePublication"][
        "publication"]["status"] == "archived"
    log = (await api.data(above, NODE, {"id": aid}))["node"]["reviews"]
    assert [r["decision"] for r in log] == ["submit", "approve", "close", "archive"]
    assert (await api.data(None, NODE, {"id": aid}))["node"] is None


async def test_an_org_admin_outside_the_subtree_is_forbidden(api: Api, land: Land) -> None:
    squad_admin = api.token("org_admin", "squad-admin", org=land.squad)  # beneath the team
    stranger = api.token("org_admin", "far-admin", org=land.far_corps)
    for who in (squad_admin, stranger):
        answer = await api.call(who, CREATE_ACTIVITY, {"i": _activity(land)})
        assert top_codes(answer) == ["FORBIDDEN"], answer
    organiser = api.token("org_admin", "team-admin", org=land.team)
    made = (await api.data(organiser, CREATE_ACTIVITY, {"i": _activity(
        land, safetyPlan="预案")}))["createActivity"]["activity"]
    await api.data(organiser, SUBMIT, {"id": made["id"]})
    for who in (squad_admin, stranger):
        answer = await api.call(who, REVIEW, {"id": made["id"], "d": "APPROVE"})
        assert top_codes(answer) == ["FORBIDDEN"], answer
        assert (await api.data(who, NODE, {"id": made["id"]}))["node"] is None
    dispatcher = api.token("dispatcher", "luoyang", region="410300000000")
    approved = (await api.data(dispatcher, REVIEW, {"id": made["id"], "d": "APPROVE"}))
    assert approved["reviewSubmission"]["publication"]["status"] == "published"


async def test_a_project_with_its_sub_programme_and_funding(api: Api, land: Land) -> None:
    organiser = api.token("org_admin", "team-admin", org=land.team)
    made = (await api.data(organiser, CREATE_PROJECT, {"i": {
        "ownerId": gid("Organization", land.team), "name": "西工区智惠行动科普项目",
        "startsOn": "2027-01-01", "endsOn": "2027-12-31", "fundingYuan": "50000.00",
        "fundingSource": "中国科协", "subProgramme": "助力新时代文明实践中心建设",
        "category": "youth_science"}}))["createProject"]
    assert made["errors"] == []
    project = made["project"]
    assert project["status"] == "draft" and project["subProgramme"] == (
        "zhihui_civilization_centers")
    assert project["fundingSource"] == "中国科协" and project["fundingYuan"] == "50000.00"
    pid = project["id"]
    owner = {"o": gid("Organization", land.team)}
    assert (await api.data(None, PROJECTS, owner))["projects"]["totalCount"] == 0
    assert (await api.data(organiser, PROJECTS, owner))["projects"]["totalCount"] == 1

    # The project's activities must run on the team's line.
    far = api.token("org_admin", "far-admin", org=land.far_corps)
    assert top_codes(await api.call(far, UPDATE_PROJECT, {"i": {"id": pid, "name": "x"}})) == [
        "FORBIDDEN"]
    linked = (await api.data(organiser, CREATE_ACTIVITY, {"i": _activity(
        land, projectId=pid)}))["createActivity"]
    assert linked["errors"] == []

    # Submitted by mistake: withdrawn (no decision yet), corrected, submitted again.
    await api.data(organiser, SUBMIT, {"id": pid})
    withdrawn = (await api.data(organiser, WITHDRAW, {"id": pid}))["withdrawSubmission"]
    assert withdrawn["review"] == {"decision": "withdraw", "toStatus": "draft"}
    renamed = (await api.data(organiser, UPDATE_PROJECT, {"i": {"id": pid,
                                                                "name": "西工区智惠行动项目"}}))
    assert renamed["updateProject"]["project"]["name"] == "西工区智惠行动项目"
    twice = (await api.data(organiser, WITHDRAW, {"id": pid}))["withdrawSubmission"]
    assert codes(twice) == ["INVALID_TRANSITION"]
    await api.data(organiser, SUBMIT, {"id": pid})
    rejected = (await api.data(api.token("dispatcher", "d", region="410300000000"), REVIEW, {
        "id": pid, "d": "REJECT", "r": "预算说明不足"}))["reviewSubmission"]
    assert rejected["review"]["reason"] == "预算说明不足"
    fixed = (await api.data(organiser, UPDATE_PROJECT, {"i": {
        "id": pid, "description": "预算：讲师费 2 万元，物料 3 万元。"}}))["updateProject"]
    assert fixed["errors"] == [] and fixed["project"]["status"] == "rejected"
    await api.data(organiser, SUBMIT, {"id": pid})
    admin = api.token("admin", "admin-1")
    assert (await api.data(admin, REVIEW, {"id": pid, "d": "APPROVE"}))["reviewSubmission"][
        "publication"]["status"] == "active"
    assert (await api.data(None, PROJECTS, owner))["projects"]["totalCount"] == 1



PENDING = """query($s: [String!]) { activities(first: 50, filter: {statuses: $s}) {
  totalCount edges { node { id status } } } }"""


async def test_reviewers_find_what_waits_for_them(api: Api, land: Land) -> None:
    organiser = api.token("org_admin", "team-admin", org=land.team)
    made = (await api.data(organiser, CREATE_ACTIVITY, {"i": _activity(
        land, safetyPlan="预案")}))["createActivity"]["activity"]
    await api.data(organiser, SUBMIT, {"id": made["id"]})
    waiting = {"s": ["pending_review"]}
    for reviewer in (api.token("org_admin", "corps-admin", org=land.corps),
                     api.token("dispatcher", "luoyang", region="410300000000")):
        found = (await api.data(reviewer, PENDING, waiting))["activities"]
        assert [e["node"]["id"] for e in found["edges"]] == [made["id"]]
    for stranger in (None, api.token("org_admin", "far-admin", org=land.far_corps),
                     api.token("volunteer", gid("Volunteer", 1))):
        assert (await api.data(stranger, PENDING, waiting))["activities"]["totalCount"] == 0
