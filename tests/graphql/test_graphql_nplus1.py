"""No N+1: nested queries cost a number of statements that does not grow with the rows."""

from __future__ import annotations

from typing import Any

import psycopg

from hub.auth import Caller, Role
from hub.schema.node import encode_id
from tests.seeded import PARTNER, Gql

ORGS = """query($n: Int!) {
  organizations(first: $n, filter: {levels: ["squad"]}) { edges { node { name memberCount
  parent { name } children { name } ancestors { name }
  members { role volunteer { name memberships { role organization { name region { name } } } } }
} } } }"""
DEMANDS = """query($n: Int!) { demands(first: $n) { edges { node { title
  station { name region { name parent { name } } organization { name } } region { name } } } } }"""
ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Volunteer { name memberships { role organization { name } } region { name } }
  ... on Station { name region { name } } } }"""


async def _statements(gql: Gql, query: str, variables: dict[str, Any]) -> int:
    before = gql.db.statements
    await gql.data(query, variables)
    return gql.db.statements - before


async def test_nested_organizations_do_not_grow_with_rows(gql: Gql):
    few = await _statements(gql, ORGS, {"n": 3})
    many = await _statements(gql, ORGS, {"n": 25})
    assert many == few
    assert few <= 12


async def test_demands_with_stations_and_regions_do_not_grow_with_rows(gql: Gql):
    few = await _statements(gql, DEMANDS, {"n": 2})
    many = await _statements(gql, DEMANDS, {"n": 100})
    assert many == few
    assert few <= 6


async def test_entities_for_100_representations_are_batched(gql: Gql,
                                                            sconn: psycopg.Connection[Any]):
    ids = [r[0] for r in sconn.execute("SELECT id FROM volunteer ORDER BY id LIMIT 90")]
    stations = [r[0] for r in sconn.execute("SELECT id FROM station ORDER BY id LIMIT 10")]
    reps = ([{"__typename": "Volunteer", "id": encode_id("Volunteer", i)} for i in ids]
            + [{"__typename": "Station", "id": encode_id("Station", i)} for i in stations])
    before = gql.db.statements
    data = await gql.data(ENTITIES, {"r": reps}, caller=PARTNER)
    assert gql.db.statements - before <= 6
    names = [e["name"] for e in data["_entities"]]
    assert len(names) == 100 and all(names)
    assert data["_entities"][0]["memberships"] is not None
    # Anonymous callers get no volunteer record, and pay no statement for one.
    before = gql.db.statements
    reps = ([{"__typename": "Volunteer", "id": encode_id("Volunteer", i)} for i in ids]
            + [{"__typename": "Station", "id": encode_id("Station", i)} for i in stations])
    data = await gql.data(ENTITIES, {"r": reps})  # strawberry popped __typename from the first
    assert [e is None for e in data["_entities"]] == [True] * 90 + [False] * 10
    assert gql.db.statements - before <= 2


PAST = """query($n: Int!) { organizations(first: $n, filter: {levels: ["squad"]}) { edges {
  node { name pastMembers(first: 5) { how reason volunteer { name } } } } } }"""


async def test_past_members_of_many_teams_are_batched(gql: Gql,
                                                     aconn: psycopg.AsyncConnection[Any]):
    # Every squad gets two ended memberships, so each team's list has rows to load.
    await aconn.execute(
        "INSERT INTO membership_history (volunteer_id, organization_id, role, joined_at, how, "
        "reason, left_by) SELECT m.volunteer_id, m.organization_id, 'member', "
        "now() - interval '30 days', 'removed', '测试', 'admin:1' FROM (SELECT volunteer_id, "
        "organization_id, row_number() OVER (PARTITION BY organization_id ORDER BY "
        "volunteer_id) AS k FROM membership JOIN organization o ON o.id = organization_id "
        "WHERE o.level = 'squad') m WHERE m.k <= 2")
    admin = Caller(Role.ADMIN, "admin-1")
    before = gql.db.statements
    few = await gql.data(PAST, {"n": 3}, caller=admin)
    cost_few = gql.db.statements - before
    before = gql.db.statements
    many = await gql.data(PAST, {"n": 25}, caller=admin)
    assert gql.db.statements - before == cost_few <= 6
    teams = [e["node"] for e in many["organizations"]["edges"]]
    cur = await aconn.execute("SELECT o.name, least(count(*), 5) FROM membership_history h "
                              "JOIN organization o ON o.id = h.organization_id GROUP BY o.name")
    expected = dict(await cur.fetchall())
    shown = {t["name"]: len(t["pastMembers"]) for t in teams}
    assert len(teams) == 25 and sum(shown.values()) >= 25
    assert shown == {t["name"]: expected.get(t["name"], 0) for t in teams}
    assert all(p["volunteer"]["name"] and p["how"] == "removed"
               for t in teams for p in t["pastMembers"])
    assert len(few["organizations"]["edges"]) == 3
    # A caller who manages none of them is refused on each team, still in one pass.
    result = await gql(PAST, {"n": 3}, caller=PARTNER)
    assert result.errors and {(e.extensions or {}).get("code") for e in result.errors} == {
        "FORBIDDEN"}


ROSTERS = """query($n: Int!) { activities(first: $n) { edges { node { title
  signUps(first: 5) { totalCount edges { node { status waitlistPosition checkedInAt
    volunteer { name } } } }
  waiting: signUps(first: 5, status: ["waitlisted"]) { totalCount } } } } }"""


async def test_sign_up_lists_of_many_activities_are_batched(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    # Every published activity: two places taken and one on the waitlist.
    await aconn.execute(
        "INSERT INTO activity_signup (activity_id, volunteer_id, status, waitlist_no) "
        "SELECT a.id, v.id, CASE WHEN v.k = 3 THEN 'waitlisted' ELSE 'signed_up' END, "
        "CASE WHEN v.k = 3 THEN nextval('activity_waitlist_seq') END FROM activity a "
        "CROSS JOIN (SELECT id, row_number() OVER (ORDER BY id) AS k FROM volunteer "
        "WHERE status = 'active' ORDER BY id LIMIT 3) v WHERE a.status = 'published' "
        "ON CONFLICT DO NOTHING")
    admin = Caller(Role.ADMIN, "admin-1")
    costs, answers = [], []
    for n in (3, 25):
        before = gql.db.statements
        answers.append(await gql.data(ROSTERS, {"n": n}, caller=admin))
        costs.append(gql.db.statements - before)
    assert costs[0] == costs[1] <= 8, costs
    listed = [e["node"] for e in answers[1]["activities"]["edges"]]
    assert len(listed) == 25
    assert all(a["signUps"]["totalCount"] >= 3 and a["waiting"]["totalCount"] >= 1
               for a in listed)
    assert all(s["node"]["volunteer"]["name"] for a in listed for s in a["signUps"]["edges"])
    # Callers who take no activity's attendance get null, and pay no statement for a list.
    before = gql.db.statements
    none = await gql.data(ROSTERS, {"n": 25}, caller=PARTNER)
    assert all(e["node"]["signUps"] is None for e in none["activities"]["edges"])
    assert gql.db.statements - before < costs[1]
