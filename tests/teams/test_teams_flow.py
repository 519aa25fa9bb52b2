"""Team dispatch end to end: a dispatcher offers slots to a 分队, its captain assigns members,
who accept or decline as individuals; what the team cannot fill returns with the reason, by
the captain's hand or at the deadline. Another team's captain is refused."""

from __future__ import annotations

import pytest

from hub.auth.actions import Denied
from hub.services import claims, teams, workflow
from hub.services.workflow import Code, Refused, WorkflowError
from hub.store.base import ConnectionDatabase
from tests.teams.teams_world import (
    DISPATCHER,
    Tree,
    add_demand,
    past_deadline,
    taken,
    volunteer_caller,
)

TTL = 3600


def codes(exc: BaseException) -> list[str]:
    errors = exc.errors if isinstance(exc, Refused) else [exc]
    return [e.code.value for e in errors]  # type: ignore[union-attr]


async def test_offer_assign_accept_decline_and_the_deadline_returns_the_rest(
        world: tuple[str, Tree], db: ConnectionDatabase) -> None:
    _, tree = world
    demand = await add_demand(db, needed=4, hours_ahead=72, station=tree.station)
    offer = await teams.offer_to_team(db, DISPATCHER, demand_id=demand,
                                      organization_id=tree.squad, slots=3, note="请分队安排")
    assert (offer["status"], offer["slots"], offer["assigned"]) == ("open", 3, 0)
    assert await taken(db, demand) == 3  # the team's slots are held

    # Only one slot is left to anyone else: a claim takes it, a second claim finds it full.
    await claims.claim(db, volunteer_caller(tree.outsiders[0]), demand_id=demand)
    with pytest.raises(WorkflowError) as full:
        await claims.claim(db, volunteer_caller(tree.outsiders[1]), demand_id=demand)
    assert full.value.code is Code.SLOTS_FULL

    captain = volunteer_caller(tree.captains[tree.squad])
    row, made = await teams.assign_members(db, captain, offer_id=offer["id"],
                                           volunteer_ids=tree.members[:2], ttl_s=TTL)
    assert row["assigned"] == 2 and len(made) == 2
    rows = await workflow.get_many(db, ids=made)
    assert {r["status"] for r in rows} == {"offered"}
    assert all("assigned by the captain of 中原区科技志愿服务分队甲" in r["reason"]
               and "由中原区科技志愿服务分队甲队长指派" in r["reason"] for r in rows)

    await workflow.accept(db, caller=volunteer_caller(tree.members[0]), dispatch_id=made[0],
                          ttl_s=TTL)
    await workflow.decline(db, caller=volunteer_caller(tree.members[1]), dispatch_id=made[1],
                           reason="有事", ttl_s=TTL)
    # The declined slot went back to the team, not to the matcher's next candidate.
    offered = await db.fetch("SELECT count(*) AS n FROM dispatch WHERE demand_id = %(d)s",
                             {"d": demand})
    assert offered[0]["n"] == 3  # the claim and the two members, nobody else
    [again] = await teams.get_offers(db, ids=[offer["id"]])
    assert again["assigned"] == 1 and await taken(db, demand) == 4

    await past_deadline(db, offer["id"])
    assert await teams.expire_due(db) >= 1
    assert await teams.expire_due(db) == 0  # closed once
    [closed] = await teams.get_offers(db, ids=[offer["id"]])
    assert (closed["status"], closed["returned_slots"]) == ("expired", 2)
    assert "assigned nobody to 2 slot(s)" in closed["return_reason"]
    [d] = await db.fetch("SELECT unfilled_reason FROM demand WHERE id = %(d)s", {"d": demand})
    assert "returned 2 slot(s)" in d["unfilled_reason"] and "退回 2 个名额" in d["unfilled_reason"]
    assert await taken(db, demand) == 2  # the claim and the member who accepted


async def test_the_captain_returns_slots_with_a_reason(world: tuple[str, Tree],
                                                     db: ConnectionDatabase) -> None:
    _, tree = world
    demand = await add_demand(db, needed=3, hours_ahead=96, station=tree.station)
    offer = await teams.offer_to_team(db, DISPATCHER, demand_id=demand,
                                      organization_id=tree.squad, slots=3)
    captain = volunteer_caller(tree.captains[tree.squad])
    await teams.assign_members(db, captain, offer_id=offer["id"],
                               volunteer_ids=[tree.members[2]], ttl_s=TTL)
    with pytest.raises(WorkflowError) as short:
        await teams.return_offer(db, captain, offer_id=offer["id"], reason=" ")
    assert short.value.code is Code.REASON_REQUIRED and short.value.field == "reason"
    back = await teams.return_offer(db, captain, offer_id=offer["id"], reason="队员外出培训")
    assert (back["status"], back["returned_slots"], back["return_reason"]) == (
        "returned", 2, "队员外出培训")
    assert await taken(db, demand) == 1
    with pytest.raises(WorkflowError) as closed:
        await teams.assign_members(db, captain, offer_id=offer["id"],
                                   volunteer_ids=[tree.members[3]], ttl_s=TTL)
    assert closed.value.code is Code.INVALID_TRANSITION


async def test_the_dispatcher_withdraws_an_offer(world: tuple[str, Tree],
                                                db: ConnectionDatabase) -> None:
    _, tree = world
    demand = await add_demand(db, needed=2, hours_ahead=110, station=tree.station)
    offer = await teams.offer_to_team(db, DISPATCHER, demand_id=demand,
                                      organization_id=tree.squad, slots=2)
    with pytest.raises(Denied):
        await teams.withdraw_offer(db, volunteer_caller(tree.captains[tree.squad]),
                                   offer_id=offer["id"], reason="改派其他队伍")
    back = await teams.withdraw_offer(db, DISPATCHER, offer_id=offer["id"], reason="改派其他队伍")
    assert (back["status"], back["returned_slots"], back["closed_by"]) == (
        "withdrawn", 2, "dispatcher:d-zz")
    assert await taken(db, demand) == 0
    with pytest.raises(WorkflowError) as again:
        await teams.withdraw_offer(db, DISPATCHER, offer_id=offer["id"], reason="再撤一次")
    assert again.value.code is Code.INVALID_TRANSITION


async def test_another_teams_captain_and_outsiders_are_forbidden(world: tuple[str, Tree],
                                                               db: ConnectionDatabase) -> None:
    _, tree = world
    demand = await add_demand(db, needed=2, hours_ahead=120, station=tree.station)
    offer = await teams.offer_to_team(db, DISPATCHER, demand_id=demand,
                                      organization_id=tree.squad, slots=2)
    for who in (tree.captains[tree.other_squad], tree.members[0], tree.outsiders[3]):
        with pytest.raises(Denied) as refused:
            await teams.assign_members(db, volunteer_caller(who), offer_id=offer["id"],
                                       volunteer_ids=[tree.members[4]], ttl_s=TTL)
        assert refused.value.code == "FORBIDDEN"
        with pytest.raises(Denied):
            await teams.return_offer(db, volunteer_caller(who), offer_id=offer["id"],
                                     reason="不是我的队")
        with pytest.raises(Denied):
            await teams.list_offers(db, volunteer_caller(who), organization_id=tree.squad,
                                    statuses=(), first=10, after_id=None)
    with pytest.raises(Denied):  # a captain may not offer demands: dispatchers do
        await teams.offer_to_team(db, volunteer_caller(tree.captains[tree.squad]),
                                  demand_id=demand, organization_id=tree.squad, slots=1)
    # The captain of the detachment above may act for the squad only as an org admin would:
    # captaincy is of one team, so the detachment's captain is refused too.
    with pytest.raises(Denied):
        await teams.assign_members(db, volunteer_caller(tree.captains[tree.detachment]),
                                   offer_id=offer["id"], volunteer_ids=[tree.members[4]],
                                   ttl_s=TTL)
    [row] = await teams.get_offers(db, ids=[offer["id"]])
    assert row["assigned"] == 0


async def test_the_captain_sees_the_incoming_offers(world: tuple[str, Tree],
                                                  db: ConnectionDatabase) -> None:
    _, tree = world
    demand = await add_demand(db, needed=2, hours_ahead=130, station=tree.station)
    offer = await teams.offer_to_team(db, DISPATCHER, demand_id=demand,
                                      organization_id=tree.squad, slots=1)
    mine, total = await teams.list_offers(db, volunteer_caller(tree.captains[tree.squad]),
                                          organization_id=None, statuses=("open",), first=50,
                                          after_id=None)
    assert offer["id"] in [r["id"] for r in mine] and total >= 1
    assert all(r["organization_id"] == tree.squad and r["status"] == "open" for r in mine)
    theirs, _ = await teams.list_offers(db, volunteer_caller(tree.captains[tree.other_squad]),
                                        organization_id=None, statuses=(), first=50,
                                        after_id=None)
    assert offer["id"] not in [r["id"] for r in theirs]


async def test_refusals_name_the_field_and_value(world: tuple[str, Tree],
                                                db: ConnectionDatabase) -> None:
    _, tree = world
    demand = await add_demand(db, needed=2, hours_ahead=140, station=tree.station)
    with pytest.raises(WorkflowError) as too_many:
        await teams.offer_to_team(db, DISPATCHER, demand_id=demand, organization_id=tree.squad,
                                  slots=3)
    assert (too_many.value.code, too_many.value.field) == (Code.SLOTS_FULL, "slots")
    assert "3 slot(s) asked" in too_many.value.message and too_many.value.message_zh
    with pytest.raises(WorkflowError) as zero:
        await teams.offer_to_team(db, DISPATCHER, demand_id=demand, organization_id=tree.squad,
                                  slots=0)
    assert zero.value.code is Code.INVALID
    with pytest.raises(WorkflowError) as nowhere:
        await teams.offer_to_team(db, DISPATCHER, demand_id=demand, organization_id=10**9,
                                  slots=1)
    assert (nowhere.value.code, nowhere.value.field) == (Code.NOT_FOUND, "organizationId")
    offer = await teams.offer_to_team(db, DISPATCHER, demand_id=demand,
                                      organization_id=tree.squad, slots=1)
    with pytest.raises(WorkflowError) as twice:
        await teams.offer_to_team(db, DISPATCHER, demand_id=demand, organization_id=tree.squad,
                                  slots=1)
    assert twice.value.code is Code.DUPLICATE
    captain = volunteer_caller(tree.captains[tree.squad])
    with pytest.raises(Refused) as stranger:
        await teams.assign_members(db, captain, offer_id=offer["id"],
                                   volunteer_ids=[tree.outsiders[5]], ttl_s=TTL)
    assert codes(stranger.value) == ["NOT_A_MEMBER"]
    with pytest.raises(WorkflowError) as more:
        await teams.assign_members(db, captain, offer_id=offer["id"],
                                   volunteer_ids=tree.members[:2], ttl_s=TTL)
    assert more.value.code is Code.SLOTS_FULL
    # Nothing half-applied: the refused assignments made no dispatch.
    rows = await db.fetch("SELECT count(*) AS n FROM dispatch WHERE team_offer_id = %(o)s",
                          {"o": offer["id"]})
    assert rows[0]["n"] == 0


async def test_cancelling_the_demand_withdraws_its_team_offers(world: tuple[str, Tree],
                                                              db: ConnectionDatabase) -> None:
    from hub.services.demands import cancel_demand

    _, tree = world
    demand = await add_demand(db, needed=2, hours_ahead=150, station=tree.station)
    offer = await teams.offer_to_team(db, DISPATCHER, demand_id=demand,
                                      organization_id=tree.squad, slots=2)
    _, made = await teams.assign_members(db, volunteer_caller(tree.captains[tree.squad]),
                                         offer_id=offer["id"], volunteer_ids=tree.members[5:6],
                                         ttl_s=TTL)
    await cancel_demand(db, DISPATCHER, demand_id=demand, reason="活动取消")
    [row] = await teams.get_offers(db, ids=[offer["id"]])
    assert (row["status"], row["returned_slots"]) == ("withdrawn", 2)
    assert row["return_reason"] == "demand cancelled: 活动取消"
    [member] = await workflow.get_many(db, ids=made)
    assert member["status"] == "cancelled"
    assert await taken(db, demand) == 0
