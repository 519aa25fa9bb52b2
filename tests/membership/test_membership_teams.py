"""Leaving a team and moving between teams (issue 14.6): the member list shows current
members, ended memberships are kept with how, why and by whom, records stay the volunteer's
and count for the team they were served with, and a captain hands over before leaving."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.schema.node import encode_id
from hub.services.certificates import CST
from hub.services.records import Source, record_service
from hub.store.base import ConnectionDatabase
from tests.records.records_world import REGION, World, make_world
from tests.seeded import Gql, errors_of

ERR = "errors { code field message messageZh }"
LEAVE = ("mutation($i: LeaveTeamInput!) { leaveTeam(input: $i) { ended { role how reason "
         "leftBy joinedAt leftAt volunteer { id } organization { id } } " + ERR + " } }")
TRANSFER = ("mutation($i: TransferVolunteerInput!) { transferVolunteer(input: $i) { "
            "ended { how reason } joined { id } " + ERR + " } }")
LINK = ("mutation($v: ID!, $o: ID!, $r: String!) { linkVolunteer(input: {volunteerId: $v, "
        "organizationId: $o, role: $r}) { errors { code } } }")
TEAM = """query($o: ID!) { node(id: $o) { ... on Organization { memberCount
  members { role volunteer { id } } served { hours volunteers }
  pastMembers { how reason volunteer { id } } } } }"""
ME = """query($v: ID!) { node(id: $v) { ... on Volunteer { totalHours
  memberships { organization { id } } } } }"""


@pytest.fixture
async def world(aconn: psycopg.AsyncConnection[Any]) -> World:
    return await make_world(aconn)


@pytest.fixture
async def child(aconn: psycopg.AsyncConnection[Any], world: World) -> int:
    """A detachment under the world's team (its admin manages both)."""
    cur = await aconn.execute(
        "INSERT INTO organization (name, level, parent_id, region_code, kind) VALUES "
        "('记录测试科技志愿服务支队', 'detachment', %s, %s, 'association') RETURNING id",
        (world.org, REGION))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


def _gid(kind: str, key: int) -> str:
    return encode_id(kind, key)


async def _team(gql: Gql, org: int) -> dict[str, Any]:
    return dict((await gql.data(TEAM, {"o": _gid("Organization", org)},
                                caller=Caller(Role.ADMIN, "a")))["node"])


async def test_a_volunteer_leaves_a_team_and_it_is_kept_on_record(gql: Gql, world: World):
    me, team = world.volunteer(0), _gid("Organization", world.org)
    left = (await gql.data(LEAVE, {"i": {"organizationId": team}}, caller=me))["leaveTeam"]
    assert left["errors"] == []
    assert left["ended"]["how"] == "left" and left["ended"]["leftBy"] == me.sub
    assert left["ended"]["volunteer"]["id"] == me.sub
    assert left["ended"]["leftAt"] >= left["ended"]["joinedAt"]
    shown = await _team(gql, world.org)
    assert shown["memberCount"] == 2
    assert me.sub not in {m["volunteer"]["id"] for m in shown["members"]}
    assert shown["pastMembers"] == [{"how": "left", "reason": "", "volunteer": {"id": me.sub}}]
    again = (await gql.data(LEAVE, {"i": {"organizationId": team}}, caller=me))["leaveTeam"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [
        ("NOT_A_MEMBER", "organizationId")]


async def test_a_manager_removes_a_member_with_a_reason(gql: Gql, world: World):
    admin, team = world.org_admin(), _gid("Organization", world.org)
    member = _gid("Volunteer", world.volunteers[1])
    bare = (await gql.data(LEAVE, {"i": {"organizationId": team, "volunteerId": member}},
                           caller=admin))["leaveTeam"]
    assert [(e["code"], e["field"]) for e in bare["errors"]] == [("REASON_REQUIRED", "reason")]
    assert (await _team(gql, world.org))["memberCount"] == 3  # nothing half-applied
    done = (await gql.data(LEAVE, {"i": {"organizationId": team, "volunteerId": member,
                                         "reason": "长期未参加活动"}}, caller=admin))["leaveTeam"]
    assert done["ended"]["how"] == "removed" and done["ended"]["reason"] == "长期未参加活动"
    assert done["ended"]["leftBy"] == "org-admin"
    for caller in (world.volunteer(0), Caller(Role.ORG_ADMIN, "o-x", org=1),
                   Caller(Role.DISPATCHER, "d-x", region="620000000000")):
        other = _gid("Volunteer", world.volunteers[2])
        refused = await gql(LEAVE, {"i": {"organizationId": team, "volunteerId": other,
                                          "reason": "试试看"}}, caller=caller)
        assert errors_of(refused)[0][0] == "FORBIDDEN", caller


async def test_a_captain_hands_over_before_leaving(gql: Gql, world: World):
    admin, team = world.org_admin(), _gid("Organization", world.org)
    captain, next_one = world.volunteer(1), _gid("Volunteer", world.volunteers[2])
    made = await gql.data(LINK, {"v": captain.sub, "o": team, "r": "captain"}, caller=admin)
    assert made["linkVolunteer"]["errors"] == []
    refused = (await gql.data(LEAVE, {"i": {"organizationId": team}},
                              caller=captain))["leaveTeam"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("CAPTAIN_MUST_HAND_OVER", "volunteerId")]
    assert "队长" in refused["errors"][0]["messageZh"]
    await gql.data(LINK, {"v": next_one, "o": team, "r": "captain"}, caller=admin)
    left = (await gql.data(LEAVE, {"i": {"organizationId": team}}, caller=captain))["leaveTeam"]
    assert left["errors"] == [] and left["ended"]["role"] == "captain"


async def test_records_follow_the_volunteer_and_count_for_the_team_served_with(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World, child: int):
    db = ConnectionDatabase(aconn)
    mover = world.volunteer(0)
    async with db.transaction() as tx:  # served with the world's team, two days ago
        await record_service(tx, volunteer_id=world.volunteers[0],
                             source=Source(demand_id=world.demand), hours=Decimal(2),
                             verified_by="t")
    before = (await gql.data(ME, {"v": mover.sub}, caller=mover))["node"]["totalHours"]
    await aconn.execute("UPDATE membership SET joined_at = now() - interval '30 days' "
                        "WHERE volunteer_id = %s", (world.volunteers[0],))  # joined last month
    moved = (await gql.data(TRANSFER, {"i": {
        "fromOrganizationId": _gid("Organization", world.org),
        "toOrganizationId": _gid("Organization", child)}}, caller=mover))["transferVolunteer"]
    assert moved["errors"] == [] and moved["ended"]["how"] == "transferred"
    assert moved["joined"]["id"] == _gid("Organization", child)
    async with db.transaction() as tx:  # served with the new team, today
        await record_service(tx, volunteer_id=world.volunteers[0],
                             source=Source(activity_id=world.past_activity), hours=Decimal(1),
                             verified_by="t", served_on=datetime.now(CST).date())
    mine = (await gql.data(ME, {"v": mover.sub}, caller=mover))["node"]
    assert Decimal(mine["totalHours"]) == Decimal(before) + 1  # every record stays theirs
    assert [m["organization"]["id"] for m in mine["memberships"]] == [
        _gid("Organization", child)]
    assert (await _team(gql, world.org))["served"] == {"hours": "2.00", "volunteers": 1}
    assert (await _team(gql, child))["served"] == {"hours": "1.00", "volunteers": 1}


async def test_transfers_are_checked(gql: Gql, world: World, child: int):
    team, sub = _gid("Organization", world.org), _gid("Organization", child)
    v1 = _gid("Volunteer", world.volunteers[1])
    same = (await gql.data(TRANSFER, {"i": {"fromOrganizationId": team, "toOrganizationId": team}},
                           caller=world.volunteer(0)))["transferVolunteer"]
    assert [e["code"] for e in same["errors"]] == ["SAME_TEAM"]
    # The child's own admin may not take a member out of the team above it.
    only_child = Caller(Role.ORG_ADMIN, "o-child", org=child)
    refused = await gql(TRANSFER, {"i": {"fromOrganizationId": team, "toOrganizationId": sub,
                                         "volunteerId": v1, "reason": "工作调动"}},
                        caller=only_child)
    assert errors_of(refused)[0][0] == "FORBIDDEN"
    first = await gql.data(TRANSFER, {"i": {"fromOrganizationId": team, "toOrganizationId": sub,
                                            "volunteerId": v1, "reason": "工作调动"}},
                           caller=world.org_admin())
    assert first["transferVolunteer"]["errors"] == []
    twice = (await gql.data(TRANSFER, {"i": {"fromOrganizationId": team,
                                             "toOrganizationId": sub, "volunteerId": v1,
                                             "reason": "工作调动"}},
                            caller=world.org_admin()))["transferVolunteer"]
    assert [e["code"] for e in twice["errors"]] == ["ALREADY_MEMBER"]


async def test_exit_ends_every_membership_and_captaincy(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    admin, team = world.org_admin(), _gid("Organization", world.org)
    captain = world.volunteer(1)
    await gql.data(LINK, {"v": captain.sub, "o": team, "r": "captain"}, caller=admin)
    done = await gql.data("mutation($id: ID!) { exitVolunteer(input: {id: $id}) "
                          "{ errors { code } } }", {"id": captain.sub}, caller=captain)
    assert done["exitVolunteer"]["errors"] == []
    shown = await _team(gql, world.org)
    assert shown["memberCount"] == 2
    assert {"how": "exited", "reason": "", "volunteer": {"id": captain.sub}} in (
        shown["pastMembers"])
    cur = await aconn.execute("SELECT captain_id FROM organization WHERE id = %s", (world.org,))
    assert await cur.fetchone() == (None,)
