"""GraphQL registration mutations on the seeded database (each test rolled back)."""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from typing import Any

import psycopg
from starlette.datastructures import UploadFile
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import Caller, Role, issue_token
from hub.auth.ids import encode_global_id
from hub.settings import Settings
from tests.conftest import as_app
from tests.registration_db.conftest import MakeFile, mobile, person_id, volunteer
from tests.seeded import Gql, errors_of

ADMIN = Caller(Role.ADMIN, sub="admin-1")
REGISTER = """mutation($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) {
    volunteer { id idNumber phone status birthDate }
    errors { field code message messageZh } } }"""
EXIT = """mutation($id: ID!, $erase: Boolean!) {
  exitVolunteer(input: {id: $id, erasePersonalData: $erase})
  { volunteer { status name phone idNumber } cancelledDispatches errors { field code } } }"""
REGISTER_ORG = """mutation($input: RegisterOrganizationInput!) {
  registerOrganization(input: $input) {
  organization { id name } errors { field code message suggestion } } }"""
MOVE = """mutation($id: ID!, $parent: ID) { moveOrganization(input: {id: $id, parentId: $parent})
  { organization { id parent { id } } errors { field code } } }"""
LINK = """mutation($v: ID!, $o: ID!) { linkVolunteer(input: {volunteerId: $v, organizationId: $o,
  role: "member"}) { volunteer { id } errors { field code } } }"""
IMPORT = """mutation($file: Upload!, $all: Boolean!) { importRegistrations(input: {
  kind: VOLUNTEERS, file: $file, allOrNothing: $all}) { rowsRead imported skipped rejected
  loaded rowErrors { row column reason } rowNotes { row column value reason reasonZh }
  reportXlsxBase64 errors { code } } }"""


def person(sequence: int, **extra: Any) -> dict[str, Any]:
    return {"name": "李华", "idNumber": person_id(5000 + sequence).lower(),
            "mobile": mobile(5000 + sequence), "education": "本科",
            "skills": [{"skill": "health", "level": 3}], "cohorts": ["researcher"],
            "home": {"lon": 103.83, "lat": 36.06, "crs": "BD09"}, "regionCode": "620102",
            "availability": [{"weekday": 6, "start": "09:00", "end": "12:00"}], **extra}


async def register(gql: Gql, sequence: int, *, caller: Caller = ADMIN, **extra: Any) -> Any:
    data = await gql.data(REGISTER, {"input": person(sequence, **extra)}, caller=caller)
    return data["registerVolunteer"]


def org_gid(org_id: int) -> str:
    return encode_global_id("Organization", org_id)


async def test_self_registration_stores_upper_case_id_and_no_clear_text(gql: Gql) -> None:
    out = await register(gql, 1, caller=Caller(Role.ANONYMOUS))
    # A stranger learns nothing back: the same answer as for an ID number already taken.
    assert out == {"volunteer": None, "errors": []}
    [made] = await gql.db.fetch("SELECT id FROM volunteer WHERE registered_by = 'self' "
                                "ORDER BY id DESC LIMIT 1")
    admin = await gql.data("query($id: ID!) { node(id: $id) { ... on Volunteer { idNumber } } }",
                           {"id": encode_global_id("Volunteer", made["id"])}, caller=ADMIN)
    assert admin["node"]["idNumber"] == person_id(5001).upper()
    rows = await gql.db.fetch("SELECT v::text AS t FROM volunteer v WHERE registered_by = 'self'")
    assert rows and all(person_id(5001).upper() not in r["t"] and mobile(5001) not in r["t"]
                        for r in rows)


async def test_duplicate_id_is_refused_without_saying_who(gql: Gql) -> None:
    first = await register(gql, 2)
    again = await register(gql, 2, name="王芳", mobile=mobile(9999))
    assert again["volunteer"] is None
    [error] = again["errors"]
    assert error["code"] == "DUPLICATE" and error["field"] == "idNumber"
    assert "李华" not in error["message"] and first["volunteer"]["id"] not in error["message"]


async def test_each_rule_has_its_code(gql: Gql) -> None:
    young = person_id(5003, born=date(2015, 1, 1))
    out = await register(gql, 3, idNumber=young, education="初中", mobile="12345",
                         regionCode="620102")
    codes = {(e["field"], e["code"]) for e in out["errors"]}
    assert codes == {("idNumber", "UNDERAGE"), ("education", "EDUCATION_TOO_LOW"),
                     ("mobile", "INVALID")}
    assert {e["code"]: e["messageZh"] for e in out["errors"]}["UNDERAGE"] == "志愿者须年满 18 周岁"
    bad = await register(gql, 4, idNumber=person_id(5004)[:17] + "Z")
    assert [e["field"] for e in bad["errors"]] == ["idNumber"]


async def test_exit_with_erasure_keeps_an_anonymous_row(gql: Gql) -> None:
    vid = (await register(gql, 5))["volunteer"]["id"]
    other = Caller(Role.VOLUNTEER, sub=encode_global_id("Volunteer", 1))
    denied = await gql(EXIT, {"id": vid, "erase": True}, caller=other)
    assert errors_of(denied)[0][0] == "FORBIDDEN"
    me = Caller(Role.VOLUNTEER, sub=vid)
    out = (await gql.data(EXIT, {"id": vid, "erase": True}, caller=me))["exitVolunteer"]
    assert out["volunteer"]["status"] == "exited"
    assert out["volunteer"]["phone"] is None and out["volunteer"]["idNumber"] is None
    assert out["volunteer"]["name"].startswith("已注销志愿者")
    rows = await gql.db.fetch("SELECT id_number_hash, phone_enc, birth_date, home_geom, profile "
                              "FROM volunteer WHERE status = 'exited' AND erased_at IS NOT NULL "
                              "AND real_name LIKE '已注销志愿者%%'")
    assert rows and all(r["id_number_hash"] is None and r["home_geom"] is None for r in rows)
    update = await gql.data("mutation($id: ID!) { updateVolunteer(input: {id: $id, mobile: "
                            "\"13900000000\"}) { errors { code } } }", {"id": vid}, caller=ADMIN)
    assert update["updateVolunteer"]["errors"] == [{"code": "EXITED"}]


async def test_exited_volunteers_are_never_dispatch_candidates(gql: Gql) -> None:
    from hub.store import matcher_reads

    demands = await gql.db.fetch("SELECT id FROM demand ORDER BY id LIMIT 50")
    ids = [d["id"] for d in demands]
    reach = matcher_reads.list_reachable_volunteers
    before = {r["id"] for r in await reach(gql.db, demand_ids=ids)}
    vid = min(before)
    out = await gql.data(EXIT, {"id": encode_global_id("Volunteer", vid), "erase": False},
                         caller=ADMIN)
    assert out["exitVolunteer"]["errors"] == []
    after = {r["id"] for r in await reach(gql.db, demand_ids=ids)}
    assert after == before - {vid}
    left = await gql.db.fetch("SELECT count(*) AS n FROM dispatch WHERE volunteer_id = %(v)s "
                              "AND status IN ('offered', 'accepted')", {"v": vid})
    assert left[0]["n"] == 0


async def test_organisations_register_move_and_link(gql: Gql) -> None:
    corps = await gql.db.fetch("SELECT id, region_code FROM organization WHERE level = 'corps' "
                               "ORDER BY id LIMIT 1")
    corps_id = corps[0]["id"]
    bad = await gql.data(REGISTER_ORG, {"input": {"name": "兰州市科技志愿服务", "level": "team",
                                                  "regionCode": "620100",
                                                  "parentId": org_gid(corps_id)}}, caller=ADMIN)
    [error] = bad["registerOrganization"]["errors"]
    assert error["code"] == "NAME_RULE" and error["suggestion"] == "兰州市科技志愿服务队"
    made = await gql.data(REGISTER_ORG, {"input": {
        "name": "兰州新区科技志愿服务队", "level": "team", "regionCode": "620100",
        "parentId": org_gid(corps_id), "captainName": "王强", "captainMobile": mobile(777)}},
        caller=ADMIN)
    assert made["registerOrganization"]["errors"] == []
    team_gid = made["registerOrganization"]["organization"]["id"]
    under = await gql.data(REGISTER_ORG, {"input": {"name": "甘肃省科技志愿服务总队",
                                                    "level": "corps", "regionCode": "620000",
                                                    "parentId": team_gid}}, caller=ADMIN)
    assert under["registerOrganization"]["errors"][0]["code"] == "LEVEL_ORDER"
    vid = (await register(gql, 6))["volunteer"]["id"]
    team_id = int(base64.b64decode(team_gid).decode().split(":")[1])
    org_admin = Caller(Role.ORG_ADMIN, sub="oa", org=team_id)
    # The team's admin may not pull in someone outside their scope (issue 11) …
    pulled = await gql(LINK, {"v": vid, "o": team_gid}, caller=org_admin)
    assert errors_of(pulled)[0][0] == "FORBIDDEN"
    # … but the volunteer may ask to join, and the region's dispatcher may link them.
    joined = await gql.data(LINK, {"v": vid, "o": team_gid},
                            caller=Caller(Role.VOLUNTEER, sub=vid))
    assert joined["linkVolunteer"]["errors"] == []
    dispatcher = Caller(Role.DISPATCHER, sub="d-lz", region="620100000000")
    linked = await gql.data(LINK, {"v": vid, "o": team_gid}, caller=dispatcher)
    assert linked["linkVolunteer"]["errors"] == []
    stranger = Caller(Role.ORG_ADMIN, sub="oa2", org=corps_id + 10_000)
    refused = await gql(LINK, {"v": vid, "o": team_gid}, caller=stranger)
    assert errors_of(refused)[0][0] == "FORBIDDEN"
    other = await gql.db.fetch("SELECT id FROM organization WHERE level = 'corps' AND id <> "
                               "%(c)s ORDER BY id LIMIT 1", {"c": corps_id})
    if other:
        moved = await gql.data(MOVE, {"id": team_gid, "parent": org_gid(other[0]["id"])},
                               caller=ADMIN)
        assert moved["moveOrganization"]["errors"] == []
        members = await gql.db.fetch("SELECT count(*) AS n FROM membership WHERE "
                                     "organization_id = %(t)s", {"t": team_id})
        assert members[0]["n"] == 1
    loop = await gql.data(MOVE, {"id": org_gid(corps_id), "parent": team_gid}, caller=ADMIN)
    assert loop["moveOrganization"]["errors"][0]["code"] == "LEVEL_ORDER"


async def test_import_upload_in_process(gql: Gql, make_file: MakeFile) -> None:
    path = make_file("vol.xlsx", [volunteer(8001), volunteer(8002, 学历="小学")])
    upload = UploadFile(io.BytesIO(path.read_bytes()), filename="vol.xlsx")
    out = (await gql.data(IMPORT, {"file": upload, "all": False}, caller=ADMIN))
    result = out["importRegistrations"]
    assert (result["imported"], result["skipped"], result["rejected"]) == (1, 0, 1)
    assert result["rowErrors"][0]["column"] == "学历" and result["reportXlsxBase64"]
    again = (await gql.data(IMPORT, {"file": UploadFile(io.BytesIO(path.read_bytes()),
                                                        filename="vol.xlsx"), "all": False},
                            caller=ADMIN))["importRegistrations"]
    assert (again["imported"], again["skipped"]) == (0, 1)
    # The skipped duplicate is named among the notes (提示), and the report carries them.
    duplicate = [n for n in again["rowNotes"] if n["column"] in ("身份证号", "id_number")]
    assert duplicate and duplicate[0]["reasonZh"] and again["reportXlsxBase64"]
    assert result["rowNotes"] == [n for n in result["rowNotes"] if n["row"] != 3]
    anonymous = await gql(IMPORT, {"file": upload, "all": False})
    assert errors_of(anonymous)[0][0] == "UNAUTHENTICATED"
    as_volunteer = await gql(IMPORT, {"file": upload, "all": False},
                             caller=Caller(Role.VOLUNTEER, sub=encode_global_id("Volunteer", 1)))
    assert errors_of(as_volunteer)[0][0] == "FORBIDDEN"


def test_import_over_http_multipart(scratch_url: str, settings: Settings,
                                    make_file: MakeFile) -> None:
    path = make_file("vol.csv", [volunteer(1), volunteer(2)])
    token = issue_token(settings, sub="admin-1", role="admin")
    operations = {"query": IMPORT, "variables": {"file": None, "all": True}}
    with TestClient(create_app(settings, database_url=as_app(scratch_url))) as client:
        response = client.post(
            "/graphql", headers={"Authorization": f"Bearer {token}"},
            data={"operations": json.dumps(operations),
                  "map": json.dumps({"0": ["variables.file"]})},
            files={"0": ("vol.csv", path.read_bytes(), "text/csv")})
    assert response.status_code == 200, response.text
    result = response.json()["data"]["importRegistrations"]
    assert (result["imported"], result["rejected"], result["loaded"]) == (2, 0, True)
    with psycopg.connect(scratch_url) as conn:
        row = conn.execute("SELECT count(*) FROM volunteer WHERE registered_by = 'admin-1'"
                           ).fetchone()
    assert row == (2,)
