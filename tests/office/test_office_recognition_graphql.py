"""Recognition through GraphQL, and who may do what: a city's dispatcher runs its rounds, an org
admin sees and nominates from their own subtree only and reads other volunteers' names masked,
partners see nothing; the reports' downloads arrive as base64."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from openpyxl import load_workbook

from hub.app import create_app
from hub.schema.node import encode_id
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import acting_as_app
from tests.office.recognition_world_rc import (
    COUNTY,
    YEAR,
    World,
    make_world,
    oconn,
    office_url,
)
from tests.publishing.conftest import Api, codes, top_codes

__all__ = ["oconn", "office_url"]

OPEN = """mutation($input: OpenRecognitionRoundInput!) { openRecognitionRound(input: $input) {
  round { id status places } errors { code field message } } }"""
CANDIDATES = """query($id: Int!, $c: RecognitionCategory!) { recognitionRound(id: $id) {
  candidates(category: $c, first: 50) { total candidates { rank subjectId name evidence } } } }"""
NOMINATE = """mutation($input: NominateForRecognitionInput!) { nominateForRecognition(input: $input)
  { nomination { id name rank evidence } errors { code field } } }"""
REVIEW = """mutation($input: ReviewRecognitionNominationInput!) {
  reviewRecognitionNomination(input: $input) { nomination { decision reason } errors { code } } }"""
PUBLISH = """mutation($id: Int!) { publishRecognitionRound(input: {roundId: $id}) {
  round { status } awards { place name } errors { code } } }"""
EXPORT = """mutation($id: Int!) { exportRecognitionList(input: {roundId: $id}) {
  download { fileName contentType contentBase64 } errors { code } } }"""
NOMINATIONS = """query($id: Int!) {
  recognitionRound(id: $id) { nominations { subjectId name } } }"""


@pytest.fixture
async def api(oconn: psycopg.AsyncConnection[Any], settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings, database=ConnectionDatabase(oconn))
    async with acting_as_app(oconn), app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub") as http:
        yield Api(http, settings)


async def _world(oconn: psycopg.AsyncConnection[Any]) -> World:
    return await make_world(oconn)


async def test_who_may_run_a_round(oconn: psycopg.AsyncConnection[Any], api: Api):
    world = await _world(oconn)
    city = api.token("dispatcher", "d-1", region="410300000000")
    far = api.token("dispatcher", "d-2", region="410100000000")
    own_team = api.token("org_admin", "o-1", org=world.teams[1])  # a team of COUNTY
    partner = api.token("partner", "p-1")
    opened = {"award": "TOP_TEN", "level": "COUNTY", "regionCode": COUNTY[:6], "year": YEAR,
              "categories": ["VOLUNTEER"]}
    assert top_codes(await api.call(far, OPEN, {"input": opened})) == ["FORBIDDEN"]
    assert top_codes(await api.call(own_team, OPEN, {"input": opened})) == ["FORBIDDEN"]
    bad = (await api.data(city, OPEN, {"input": {**opened, "categories": []}}))
    assert codes(bad["openRecognitionRound"]) == ["INVALID"]
    made = (await api.data(city, OPEN, {"input": opened}))["openRecognitionRound"]
    assert made["errors"] == [] and made["round"]["places"] == 10
    rid = made["round"]["id"]
    assert top_codes(await api.call(partner, CANDIDATES, {"id": rid, "c": "VOLUNTEER"})) == [
        "FORBIDDEN"]
    rounds = "query($r: String) { recognitionRounds(regionCode: $r) { id level } }"
    assert [r["id"] for r in (await api.data(own_team, rounds))["recognitionRounds"]] == [rid]
    assert [r["id"] for r in (await api.data(city, rounds))["recognitionRounds"]] == [rid]
    assert top_codes(await api.call(far, rounds, {"r": "410300"})) == ["FORBIDDEN"]
    assert top_codes(await api.call(own_team, rounds, {"r": "410100"})) == ["FORBIDDEN"]
    assert top_codes(await api.call(far, CANDIDATES, {"id": rid, "c": "VOLUNTEER"})) == [
        "FORBIDDEN"]

    everyone = (await api.data(city, CANDIDATES, {"id": rid, "c": "VOLUNTEER"}))
    mine = (await api.data(own_team, CANDIDATES, {"id": rid, "c": "VOLUNTEER"}))
    members = {encode_id("Volunteer", v) for v, t in world.members.items() if t == world.teams[1]}
    all_ids = [c["subjectId"] for c in everyone["recognitionRound"]["candidates"]["candidates"]]
    my_list = mine["recognitionRound"]["candidates"]["candidates"]
    assert my_list and {c["subjectId"] for c in my_list} <= members
    assert [c["subjectId"] for c in my_list] == [i for i in all_ids if i in members]
    by_id = {c["subjectId"]: c for c in everyone["recognitionRound"]["candidates"]["candidates"]}
    assert all(c["rank"] == by_id[c["subjectId"]]["rank"] for c in my_list)  # region-wide rank
    assert all(c["name"].startswith("志愿者") for c in my_list)  # their own: in full

    theirs = next(i for i in all_ids if i not in members)
    assert top_codes(await api.call(own_team, NOMINATE, {"input": {
        "roundId": rid, "category": "VOLUNTEER", "subjectId": theirs}})) == ["FORBIDDEN"]
    own = (await api.data(own_team, NOMINATE, {"input": {
        "roundId": rid, "category": "VOLUNTEER", "subjectId": my_list[0]["subjectId"],
        "statement": "本队推荐"}}))["nominateForRecognition"]
    assert own["errors"] == [] and own["nomination"]["evidence"]["recordIds"]
    other = (await api.data(city, NOMINATE, {"input": {
        "roundId": rid, "category": "VOLUNTEER", "subjectId": theirs}}))["nominateForRecognition"]
    shown = {n["subjectId"]: n["name"] for n in (await api.data(own_team, NOMINATIONS, {"id": rid}))
             ["recognitionRound"]["nominations"]}
    assert shown[my_list[0]["subjectId"]].startswith("志愿者")
    assert "*" in shown[theirs]  # another team's volunteer: masked by the field policy

    review = {"nominationId": own["nomination"]["id"], "accept": True, "reason": "属实"}
    assert top_codes(await api.call(own_team, REVIEW, {"input": review})) == ["FORBIDDEN"]
    unreasoned = await api.data(city, REVIEW, {"input": {**review, "reason": ""}})
    assert codes(unreasoned["reviewRecognitionNomination"]) == ["REASON_REQUIRED"]
    assert (await api.data(city, REVIEW, {"input": review}))["reviewRecognitionNomination"][
        "nomination"]["decision"] == "accepted"
    await api.data(city, REVIEW, {"input": {"nominationId": other["nomination"]["id"],
                                            "accept": False, "reason": "材料不全"}})
    published = (await api.data(city, PUBLISH, {"id": rid}))["publishRecognitionRound"]
    assert published["round"]["status"] == "published"
    assert [a["place"] for a in published["awards"]] == [1]
    again = await api.data(city, REVIEW, {"input": review})
    assert codes(again["reviewRecognitionNomination"]) == ["INVALID_TRANSITION"]
    download = (await api.data(city, EXPORT, {"id": rid}))["exportRecognitionList"]["download"]
    book = load_workbook(io.BytesIO(base64.b64decode(download["contentBase64"])))
    assert download["fileName"].endswith(".xlsx") and book.sheetnames == ["科技志愿者"]


async def test_the_reports_download(oconn: psycopg.AsyncConnection[Any], api: Api):
    await _world(oconn)
    admin = api.token("admin", "a-1")
    city = api.token("dispatcher", "d-1", region="410300000000")
    annual = ("mutation($r: String!) { exportAnnualReport(input: {regionCode: $r, year: "
              f"{YEAR}}}) {{ download {{ fileName contentBase64 }} errors {{ code field }} }} }}")
    standard = ('mutation { exportVolunteerServiceData(input: {regionCode: "410300", year: '
                f"{YEAR}, format: JSON}}) {{ download {{ contentType contentBase64 }} "
                "errors { code } } }")
    got = (await api.data(city, annual, {"r": "410300"}))["exportAnnualReport"]["download"]
    book = load_workbook(io.BytesIO(base64.b64decode(got["contentBase64"])))
    assert book.sheetnames[0] == "概况"
    wrong = (await api.data(city, annual, {"r": "41"}))["exportAnnualReport"]
    assert codes(wrong) == ["INVALID"] and wrong["errors"][0]["field"] == "regionCode"
    assert top_codes(await api.call(city, standard)) == ["FORBIDDEN"]
    data = (await api.data(admin, standard))["exportVolunteerServiceData"]["download"]
    assert data["contentType"] == "application/json"
    assert b"MZ/T 061" in base64.b64decode(data["contentBase64"])
