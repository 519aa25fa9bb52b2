"""Team dispatch and escalation through GraphQL: the mutations' payloads and coded errors, the
captain's teamOffers, the dispatcher's Demand.escalation and Demand.teamOffers, pairings, and
the region's escalation setting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.pii import PiiCipher
from hub.schema.node import encode_id
from hub.services import escalation, teams
from hub.settings import Settings
from tests.conftest import autocommit_database
from tests.seeded import Gql
from tests.teams.teams_world import (
    COUNTY,
    DISPATCHER,
    Tree,
    add_demand,
    past_deadline,
    volunteer_caller,
)

OFFER = """mutation($i: OfferDemandToTeamInput!) { offerDemandToTeam(input: $i) {
  teamOffer { id slots assigned status escalationStep team { name } demand { id } }
  errors { field code message messageZh } } }"""
ASSIGN = """mutation($i: AssignTeamMembersInput!) { assignTeamMembers(input: $i) {
  teamOffer { assigned status } dispatches { id state reason }
  errors { field code message messageZh } } }"""
RETURN = """mutation($i: ReturnTeamOfferInput!) { returnTeamOffer(input: $i) {
  teamOffer { status returnedSlots returnReason } errors { field code message } } }"""
MINE = """query($s: [String!]) { teamOffers(statuses: $s) { totalCount
  edges { node { id slots team { id } } } } }"""
DEMAND = """query($id: ID!) { node(id: $id) { ... on Demand { unfilledReason
  teamOffers { status slots returnedSlots returnReason }
  escalation { step kind outcome note team { name } teamOffer { status slots } } } } }"""
PAIR = """mutation($i: AddTeamPairingInput!) { addTeamPairing(input: $i) {
  pairing { id validFrom validTo team { name } } errors { field code message } } }"""
SETTINGS = """mutation($i: UpdateRegionSettingsInput!) { updateRegionSettings(input: $i) {
  settings { escalateBefore { hours source fromRegionCode } } errors { field code } } }"""


@pytest.fixture
async def scratch(world: tuple[str, Tree], settings: Settings) -> AsyncIterator[Gql]:
    assert settings.data_key is not None
    async with autocommit_database(world[0]) as db:
        yield Gql(db, settings, PiiCipher.from_text(settings.data_key))


def gid(kind: str, key: int) -> str:
    return encode_id(kind, key)


async def test_offer_assign_return_and_what_the_dispatcher_sees(
        world: tuple[str, Tree], scratch: Gql) -> None:
    _, tree = world
    db = scratch.db
    demand = await add_demand(db, needed=3, hours_ahead=80, station=tree.station)
    made = (await scratch.data(OFFER, {"i": {
        "demandId": gid("Demand", demand), "organizationId": gid("Organization", tree.squad),
        "slots": 2}}, caller=DISPATCHER))["offerDemandToTeam"]
    assert made["errors"] == []
    offer = made["teamOffer"]
    assert (offer["slots"], offer["status"], offer["team"]["name"]) == (
        2, "open", "中原区科技志愿服务分队甲")

    refused = (await scratch.data(OFFER, {"i": {
        "demandId": gid("Demand", demand), "organizationId": gid("Organization", tree.city),
        "slots": 5}}, caller=DISPATCHER))["offerDemandToTeam"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("slots", "SLOTS_FULL")]
    assert "5" in refused["errors"][0]["messageZh"]

    captain = volunteer_caller(tree.captains[tree.squad])
    mine = (await scratch.data(MINE, {"s": ["open"]}, caller=captain))["teamOffers"]
    assert offer["id"] in [e["node"]["id"] for e in mine["edges"]]
    other = await scratch(ASSIGN, {"i": {"teamOfferId": offer["id"], "volunteerIds": [
        gid("Volunteer", tree.members[0])]}},
        caller=volunteer_caller(tree.captains[tree.other_squad]))
    assert other.errors and other.errors[0].extensions["code"] == "FORBIDDEN"

    assigned = (await scratch.data(ASSIGN, {"i": {"teamOfferId": offer["id"], "volunteerIds": [
        gid("Volunteer", tree.members[0])]}}, caller=captain))["assignTeamMembers"]
    assert assigned["errors"] == [] and assigned["teamOffer"]["assigned"] == 1
    assert [d["state"] for d in assigned["dispatches"]] == ["offered"]
    back = (await scratch.data(RETURN, {"i": {"teamOfferId": offer["id"],
                                             "reason": "其余队员另有任务"}},
                               caller=captain))["returnTeamOffer"]
    assert back["teamOffer"] == {"status": "returned", "returnedSlots": 1,
                                 "returnReason": "其余队员另有任务"}

    seen = (await scratch.data(DEMAND, {"id": gid("Demand", demand)}, caller=DISPATCHER))["node"]
    assert seen["teamOffers"] == [{"status": "returned", "slots": 2, "returnedSlots": 1,
                                   "returnReason": "其余队员另有任务"}]
    assert "returned 1 slot(s)" in seen["unfilledReason"]
    assert seen["escalation"] == []
    hidden = (await scratch.data(DEMAND, {"id": gid("Demand", demand)}, caller=captain))["node"]
    assert hidden is None or hidden["teamOffers"] == []


async def test_escalation_is_shown_to_the_dispatcher(world: tuple[str, Tree],
                                                    scratch: Gql) -> None:
    _, tree = world
    db = scratch.db
    pairing = (await scratch.data(PAIR, {"i": {
        "organizationId": gid("Organization", tree.society), "regionCode": COUNTY,
        "validFrom": "2020-01-01"}}, caller=DISPATCHER))["addTeamPairing"]
    assert pairing["errors"] == [] and pairing["pairing"]["validTo"] is None
    not_society = (await scratch.data(PAIR, {"i": {
        "organizationId": gid("Organization", tree.squad), "regionCode": COUNTY,
        "validFrom": "2020-01-01"}}, caller=DISPATCHER))["addTeamPairing"]
    assert [e["code"] for e in not_society["errors"]] == ["INVALID"]

    demand = await add_demand(db, needed=1, hours_ahead=10, station=tree.station)
    for _ in range(3):
        await escalation.escalate_due(db)
        for row in await db.fetch("SELECT id FROM team_offer WHERE demand_id = %(d)s AND "
                                  "status = 'open'", {"d": demand}):
            await past_deadline(db, row["id"])
        await teams.expire_due(db)
    seen = (await scratch.data(DEMAND, {"id": gid("Demand", demand)}, caller=DISPATCHER))["node"]
    steps: list[Any] = seen["escalation"]
    assert [(s["step"], s["kind"], s["outcome"], s["team"]["name"]) for s in steps] == [
        (1, "parent", "offered", "中原区科技志愿服务支队"),
        (2, "corps", "offered", "河南省科技志愿服务总队"),
        (3, "pairing", "offered", "河南省医学会科技志愿服务队")]
    assert all(s["teamOffer"]["status"] == "expired" for s in steps)


async def test_the_region_sets_how_long_before_the_start(scratch: Gql) -> None:
    result = (await scratch.data(SETTINGS, {"i": {"regionCode": COUNTY,
                                                  "escalateBeforeHours": 48}},
                                 caller=DISPATCHER))["updateRegionSettings"]
    assert result["settings"]["escalateBefore"] == {"hours": 48, "source": "OWN",
                                                    "fromRegionCode": COUNTY}
    bad = (await scratch.data(SETTINGS, {"i": {"regionCode": COUNTY,
                                               "escalateBeforeHours": 0}},
                              caller=DISPATCHER))["updateRegionSettings"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [
        ("escalateBeforeHours", "INVALID_HOURS")]
    back = (await scratch.data(SETTINGS, {"i": {"regionCode": COUNTY,
                                                "escalateBeforeHours": None}},
                               caller=DISPATCHER))["updateRegionSettings"]
    assert back["settings"]["escalateBefore"]["source"] == "DEFAULT"
