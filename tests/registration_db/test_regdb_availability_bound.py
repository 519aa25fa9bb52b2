"""The bound on weekly availability windows (MAX_WEEKLY_WINDOWS): every path that writes a
volunteer's weekly availability refuses the 43rd separate window with TOO_MANY_WINDOWS, in
Chinese and English, and writes nothing of the refused input; the largest volunteer allowed
fits sql/0042's volunteer_reach_idx (its entry measured), and one past what that index holds is
refused by PostgreSQL itself (why the bound exists)."""

from __future__ import annotations

import random
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.auth.ids import encode_global_id
from hub.registration.availability import MAX_WEEKLY_WINDOWS
from tests.registration_db.test_regdb_graphql import ADMIN, REGISTER, person
from tests.seeded import Gql

BTREE_MAX_ENTRY = 2704  # BTMaxItemSize for 8 kB pages (PostgreSQL 15)
ALL_SKILLS = ["health", "youth_science", "biosafety", "emergency", "agri_tech",
              "anti_pseudoscience", "rural_industry", "enterprise_innovation"]
UPDATE = """mutation($input: UpdateVolunteerInput!) { updateVolunteer(input: $input) {
    volunteer { id } errors { field code message messageZh messageEn } } }"""
PROFILE = """mutation($i: UpdateMyProfileInput!) { updateMyProfile(input: $i) {
    volunteer { id } errors { field code message messageZh messageEn } } }"""


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def windows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` separate windows spread over the week, at irregular minutes (so that the
    stored multirange does not compress: the worst case for the index entry)."""
    rng, out = random.Random(seed), []
    per_day = -(-count // 7)
    for day in range(7):
        n = min(per_day, count - len(out))
        if n <= 0:
            break
        cuts = sorted(rng.sample(range(1, 1440), 2 * n))
        out += [{"weekday": day + 1, "start": hhmm(a), "end": hhmm(b)}
                for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
    assert len(out) == count
    return out


def refused_for_windows(answer: dict[str, Any]) -> None:
    [error] = answer["errors"]
    assert error["code"] == "TOO_MANY_WINDOWS" and error["field"] == "availability"
    assert f"at most {MAX_WEEKLY_WINDOWS}" in error["message"]
    assert f"最多 {MAX_WEEKLY_WINDOWS} 段" in error["messageZh"]
    assert answer["volunteer"] is None


async def stored_windows(gql: Gql, volunteer_id: int) -> Any:
    return await gql.db.fetch_one(
        "SELECT weekly_availability::text, service_radius_m, education, skills::text "
        "FROM volunteer WHERE id = %s", (volunteer_id,))


async def test_register_refuses_the_43rd_window_and_creates_nobody(gql: Gql) -> None:
    before = await gql.db.fetch_value("SELECT count(*) FROM volunteer")
    answer = (await gql.data(REGISTER, {"input": person(
        801, availability=windows(MAX_WEEKLY_WINDOWS + 1))}, caller=ADMIN))["registerVolunteer"]
    refused_for_windows(answer)
    assert await gql.db.fetch_value("SELECT count(*) FROM volunteer") == before
    # Windows that overlap or touch are one window, as the database stores them: 60 windows
    # of one Monday-to-Tuesday run are accepted and stored as one.
    run = [{"weekday": 1 + k // 30, "start": hhmm(k % 30 * 48), "end": hhmm(k % 30 * 48 + 48)}
           for k in range(60)]
    made = (await gql.data(REGISTER, {"input": person(802, availability=run)},
                           caller=ADMIN))["registerVolunteer"]
    assert made["errors"] == []


async def test_largest_allowed_volunteer_fits_the_reach_index(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]) -> None:
    skills = [{"skill": s, "level": 5} for s in ALL_SKILLS]
    made = (await gql.data(REGISTER, {"input": person(
        803, availability=windows(MAX_WEEKLY_WINDOWS), skills=skills, insuredUntil="2099-12-31",
        home={"lon": 116.1234567, "lat": 39.7654321, "crs": "WGS84"})},
        caller=ADMIN))["registerVolunteer"]
    assert made["errors"] == []
    [row] = await gql.db.fetch(
        "SELECT id, status, weekly_availability::text AS w, pg_column_size(weekly_availability) "
        "AS w_bytes FROM volunteer ORDER BY id DESC LIMIT 1")
    assert row["status"] == "active" and row["w"].count("[") == MAX_WEEKLY_WINDOWS
    # Its entry in the index (found by the row's tid), measured.
    await aconn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
    entry = await gql.db.fetch_value(
        "SELECT i.itemlen FROM generate_series(1, (pg_relation_size('volunteer_reach_idx')"
        " / current_setting('block_size')::int - 1)::int) AS b, "
        "LATERAL bt_page_items('volunteer_reach_idx', b) AS i "
        "WHERE i.htid = (SELECT ctid FROM volunteer WHERE id = %s)", (row["id"],))
    print(f"the largest allowed volunteer's volunteer_reach_idx entry: {entry} bytes "
          f"(availability {row['w_bytes']} bytes)")
    assert entry is not None and entry <= BTREE_MAX_ENTRY // 2  # at least half the limit spare


async def test_without_the_bound_the_index_refuses_the_volunteer(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]) -> None:
    """What the bound prevents: 300 irregular windows make an entry PostgreSQL refuses."""
    vid = await gql.db.fetch_value("SELECT id FROM volunteer WHERE status = 'active' LIMIT 1")
    rng = random.Random(3)
    cuts = sorted(rng.sample(range(0, 7 * 1440), 600))
    wide = "{" + ",".join(f"[{a},{b})" for a, b in zip(cuts[::2], cuts[1::2], strict=True)) + "}"
    with pytest.raises(psycopg.errors.ProgramLimitExceeded, match="index row"):
        async with aconn.transaction():
            await aconn.execute("UPDATE volunteer SET weekly_availability = %s::int4multirange "
                                "WHERE id = %s", (wide, vid))


async def test_admin_update_refuses_the_43rd_window_and_changes_nothing(gql: Gql) -> None:
    vid = await gql.db.fetch_value("SELECT id FROM volunteer WHERE status = 'active' LIMIT 1")
    before = await stored_windows(gql, vid)
    answer = (await gql.data(UPDATE, {"input": {
        "id": encode_global_id("Volunteer", vid), "education": "博士",
        "skills": [{"skill": "biosafety", "level": 2}],
        "availability": windows(MAX_WEEKLY_WINDOWS + 1)}}, caller=ADMIN))["updateVolunteer"]
    refused_for_windows(answer)
    assert await stored_windows(gql, vid) == before
    fine = (await gql.data(UPDATE, {"input": {
        "id": encode_global_id("Volunteer", vid),
        "availability": windows(MAX_WEEKLY_WINDOWS)}}, caller=ADMIN))["updateVolunteer"]
    assert fine["errors"] == []


async def test_own_profile_refuses_the_43rd_window_and_changes_nothing(gql: Gql) -> None:
    vid = await gql.db.fetch_value("SELECT id FROM volunteer WHERE status = 'active' "
                                   "AND service_radius_m <> 4321 LIMIT 1")
    me = Caller(Role.VOLUNTEER, sub=encode_global_id("Volunteer", vid))
    before = await stored_windows(gql, vid)
    answer = (await gql.data(PROFILE, {"i": {
        "serviceRadiusM": 4321, "skills": [{"skill": "biosafety", "level": 2}],
        "availability": windows(MAX_WEEKLY_WINDOWS + 1)}}, caller=me))["updateMyProfile"]
    refused_for_windows(answer)
    assert await stored_windows(gql, vid) == before
    fine = (await gql.data(PROFILE, {"i": {"serviceRadiusM": 4321,
                                           "availability": windows(MAX_WEEKLY_WINDOWS)}},
                           caller=me))["updateMyProfile"]
    assert fine["errors"] == []
    assert (await stored_windows(gql, vid))[1] == 4321
