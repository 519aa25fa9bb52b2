"""Escalation up the tree: a short demand is offered to the organiser's parent team, then the
corps, then the 学会 teams paired with its county on its date (an expired pairing skipped),
each step logged; the member who fills the slot through the last step's offer says so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.auth.actions import Denied
from hub.services import escalation, teams, workflow
from hub.services.workflow import Code, WorkflowError
from hub.store.base import ConnectionDatabase
from tests.teams.teams_world import (
    COUNTY,
    DISPATCHER,
    Tree,
    add_demand,
    past_deadline,
    volunteer_caller,
)

TTL = 3600


async def _steps(db: ConnectionDatabase, demand: int) -> list[tuple[int, str, int | None, str]]:
    rows = await escalation.steps_of(db, DISPATCHER, [{"id": demand, "region_code": COUNTY}])
    return [(r["step"], r["kind"], r["organization_id"], r["outcome"]) for r in rows[demand]]


async def _open_offer(db: ConnectionDatabase, demand: int) -> int:
    [row] = await db.fetch("SELECT id FROM team_offer WHERE demand_id = %(d)s AND "
                           "status = 'open'", {"d": demand})
    return int(row["id"])


async def test_three_steps_with_pairing_validity_and_the_explanation(
        world: tuple[str, Tree], db: ConnectionDatabase) -> None:
    _, tree = world
    today = (await db.fetch("SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d"))[0]["d"]
    admin_pairs = await escalation.add_pairing(
        db, DISPATCHER, organization_id=tree.society, region_code=COUNTY,
        valid_from=today - timedelta(days=1), valid_to=today + timedelta(days=30), note="结对")
    assert admin_pairs["valid_to"] == today + timedelta(days=30)
    await escalation.add_pairing(db, DISPATCHER, organization_id=tree.old_society,
                                 region_code=COUNTY, valid_from=today - timedelta(days=60),
                                 valid_to=today - timedelta(days=10))  # expired
    demand = await add_demand(db, needed=2, hours_ahead=20, station=tree.station)
    far = await add_demand(db, needed=2, hours_ahead=60, station=tree.station)

    assert await escalation.escalate_due(db) == 1  # step 1; the far demand is not due yet
    assert await _steps(db, demand) == [(1, "parent", tree.detachment, "offered")]
    assert await _steps(db, far) == []
    assert await escalation.escalate_due(db) == 0  # the parent's offer is open: wait

    await past_deadline(db, await _open_offer(db, demand))
    await teams.expire_due(db)
    assert await escalation.escalate_due(db) == 1
    assert (await _steps(db, demand))[1:] == [(2, "corps", tree.corps, "offered")]

    corps_offer = await _open_offer(db, demand)
    await teams.return_offer(db, volunteer_caller(tree.captains[tree.corps]),
                             offer_id=corps_offer, reason="总队人手不足")
    assert await escalation.escalate_due(db) == 1
    assert (await _steps(db, demand))[2:] == [(3, "pairing", tree.society, "offered")]

    society_offer = await _open_offer(db, demand)
    [offer] = await teams.get_offers(db, ids=[society_offer])
    assert (offer["slots"], offer["escalation_step"]) == (2, 3)
    _, made = await teams.assign_members(db, volunteer_caller(tree.captains[tree.society]),
                                         offer_id=society_offer,
                                         volunteer_ids=tree.society_members[:1], ttl_s=TTL)
    accepted = await workflow.accept(db, caller=volunteer_caller(tree.society_members[0]),
                                     dispatch_id=made[0], ttl_s=TTL)
    assert "escalated to a paired 学会 team (escalation step 3)" in accepted["reason"]
    assert "由结对学会队伍补位" in accepted["reason"]

    # All three steps are done: nothing more, however often the sweep runs.
    await past_deadline(db, society_offer)
    await teams.expire_due(db)
    assert await escalation.escalate_due(db) == 0
    assert len(await _steps(db, demand)) == 3
    # Others do not see the log.
    hidden = await escalation.steps_of(db, volunteer_caller(tree.members[0]),
                                       [{"id": demand, "region_code": COUNTY}])
    assert hidden == {demand: []}


async def test_steps_without_a_team_are_skipped_and_the_next_taken_at_once(
        world: tuple[str, Tree], db: ConnectionDatabase) -> None:
    _, tree = world
    demand = await add_demand(db, needed=1, hours_ahead=21, station=None)  # no organiser
    assert await escalation.escalate_due(db) >= 1
    steps = await _steps(db, demand)
    assert steps == [(1, "parent", None, "skipped"), (2, "corps", tree.corps, "offered")]
    [log] = (await escalation.steps_of(db, DISPATCHER, [{"id": demand, "region_code": COUNTY}])
             )[demand][:1]
    assert "no organising team" in log["note"]


async def test_a_region_sets_how_long_before_the_start(world: tuple[str, Tree],
                                                      db: ConnectionDatabase) -> None:
    _, tree = world
    await db.fetch("INSERT INTO region_setting (region_code, escalate_before_hours) VALUES "
                   "('410100000000', 100) ON CONFLICT (region_code) DO UPDATE SET "
                   "escalate_before_hours = 100")
    try:
        demand = await add_demand(db, needed=1, hours_ahead=90, station=tree.station)
        await escalation.escalate_due(db)
        assert await _steps(db, demand) == [(1, "parent", tree.detachment, "offered")]
    finally:
        await db.fetch("UPDATE region_setting SET escalate_before_hours = NULL "
                       "WHERE region_code = '410100000000'")


async def test_pairings_are_checked_and_ended(world: tuple[str, Tree],
                                              db: ConnectionDatabase) -> None:
    _, tree = world
    today = (await db.fetch("SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d"))[0]["d"]
    with pytest.raises(WorkflowError) as not_society:
        await escalation.add_pairing(db, DISPATCHER, organization_id=tree.squad,
                                     region_code=COUNTY, valid_from=today, valid_to=None)
    assert (not_society.value.code, not_society.value.field) == (Code.INVALID, "organizationId")
    with pytest.raises(WorkflowError) as backwards:
        await escalation.add_pairing(db, DISPATCHER, organization_id=tree.society,
                                     region_code=COUNTY, valid_from=today,
                                     valid_to=today - timedelta(days=1))
    assert backwards.value.field == "validTo"
    with pytest.raises(Denied):
        await escalation.add_pairing(db, volunteer_caller(tree.members[0]),
                                     organization_id=tree.society, region_code=COUNTY,
                                     valid_from=today, valid_to=None)
    pairing = await escalation.add_pairing(db, DISPATCHER, organization_id=tree.society,
                                           region_code="410103000000",
                                           valid_from=today - timedelta(days=5), valid_to=None)
    with pytest.raises(WorkflowError) as overlap:
        await escalation.add_pairing(db, DISPATCHER, organization_id=tree.society,
                                     region_code="410103000000", valid_from=today,
                                     valid_to=None)
    assert overlap.value.code is Code.DUPLICATE
    ended = await escalation.end_pairing(db, DISPATCHER, pairing_id=pairing["id"])
    assert ended is not None and ended["valid_to"] == today - timedelta(days=1)
    future = await escalation.add_pairing(db, DISPATCHER, organization_id=tree.society,
                                          region_code="410103000000",
                                          valid_from=today + timedelta(days=3), valid_to=None)
    assert await escalation.end_pairing(db, DISPATCHER, pairing_id=future["id"]) is None
