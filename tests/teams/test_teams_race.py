"""Races: a team offer, hand dispatch and claims on a demand's last slots at once never
overfill it; captains assigning from many connections never exceed the team offer; two
escalation runs at once make each step once.

The transactions must commit on separate connections, so they run in a scratch database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.services import claims, escalation, teams, workflow
from hub.store.base import ConnectionDatabase
from tests.teams.teams_world import (
    DISPATCHER,
    Tree,
    add_demand,
    taken,
    volunteer_caller,
)
from tests.workflow.workflow_world import (
    dispatch_invariants,
    outcome_codes,
    separate_connections,
)

RACERS = 24
TTL = 3600


@pytest.fixture
async def connections(world: tuple[str, Tree]) -> AsyncIterator[list[ConnectionDatabase]]:
    async with separate_connections(world[0], RACERS) as racers:
        yield racers


outcomes = outcome_codes


async def spoken_for_invariant(db: ConnectionDatabase) -> None:
    """No demand has more slots spoken for (dispatches and open team offers) than it needs,
    and no open team offer has more members holding slots than it offered."""
    over = await db.fetch("SELECT id FROM demand WHERE hub_demand_taken(id) > needed")
    assert over == [], f"overfilled demands: {over}"
    offers = await db.fetch(
        "SELECT o.id FROM team_offer o WHERE o.status = 'open' AND o.slots < (SELECT count(*) "
        "FROM dispatch x WHERE x.team_offer_id = o.id AND x.active)")
    assert offers == [], f"overassigned team offers: {offers}"
    await dispatch_invariants(db)


async def test_team_offers_hand_dispatch_and_claims_on_the_last_slots_never_overfill(
        world: tuple[str, Tree], connections: list[ConnectionDatabase]) -> None:
    _, tree = world
    db = connections[0]
    loose = iter(tree.outsiders)
    for round_ in range(4):
        demand = await add_demand(db, needed=3, hours_ahead=48 + 6 * round_,
                                  station=tree.station)
        calls: list[Any] = [
            teams.offer_to_team(connections[1], DISPATCHER, demand_id=demand,
                                organization_id=tree.squad, slots=2),
            teams.offer_to_team(connections[2], DISPATCHER, demand_id=demand,
                                organization_id=tree.other_squad, slots=1),
            workflow.offer(connections[3], caller=DISPATCHER, demand_id=demand,
                           volunteer_ids=[next(loose), next(loose)], ttl_s=TTL),
        ]
        calls += [claims.claim(c, volunteer_caller(next(loose)), demand_id=demand)
                  for c in connections[4:10]]
        results = await asyncio.gather(*calls, return_exceptions=True)
        got = outcomes(list(results))
        assert set(got) <= {"ok", "SLOTS_FULL"}, got
        held = await taken(db, demand)
        assert held <= 3, (round_, got)
        assert held == 3, (round_, got)  # somebody always gets the last slot
        await spoken_for_invariant(db)


async def test_captains_assigning_at_once_never_exceed_the_team_offer(
        world: tuple[str, Tree], connections: list[ConnectionDatabase]) -> None:
    _, tree = world
    db = connections[0]
    demand = await add_demand(db, needed=5, hours_ahead=200, station=tree.station)
    offer = await teams.offer_to_team(db, DISPATCHER, demand_id=demand,
                                      organization_id=tree.squad, slots=2)
    captain = volunteer_caller(tree.captains[tree.squad])
    results = await asyncio.gather(
        *(teams.assign_members(c, captain, offer_id=offer["id"],
                               volunteer_ids=[tree.members[k % len(tree.members)]], ttl_s=TTL)
          for k, c in enumerate(connections[:12])), return_exceptions=True)
    got = outcomes(list(results))
    assert got["ok"] == 2, got
    assert set(got) - {"ok"} <= {"SLOTS_FULL", "DOUBLE_BOOKED"}, got
    [row] = await teams.get_offers(db, ids=[offer["id"]])
    assert row["assigned"] == 2
    # The other three slots are still free for hand dispatch or claims, and no more.
    assert await taken(db, demand) == 2
    await spoken_for_invariant(db)


async def test_two_escalation_runs_at_once_offer_each_step_once(
        world: tuple[str, Tree], connections: list[ConnectionDatabase]) -> None:
    _, tree = world
    db = connections[0]
    demands = [await add_demand(db, needed=2, hours_ahead=5 + k * 0.1, station=tree.station)
               for k in range(6)]
    runs = await asyncio.gather(*(escalation.escalate_due(c) for c in connections[:4]))
    assert sum(runs) == len(demands), runs  # one step-1 offer per demand, however many runs
    rows = await db.fetch(
        "SELECT demand_id, step, organization_id, outcome FROM escalation_step "
        "WHERE demand_id = ANY(%(d)s) ORDER BY demand_id", {"d": demands})
    assert [(r["step"], r["organization_id"], r["outcome"]) for r in rows] == [
        (1, tree.detachment, "offered")] * len(demands)
    offers = await db.fetch("SELECT demand_id, count(*) AS n FROM team_offer WHERE demand_id = "
                            "ANY(%(d)s) GROUP BY demand_id", {"d": demands})
    assert {r["n"] for r in offers} == {1} and len(offers) == len(demands)
    assert sum(await asyncio.gather(*(escalation.escalate_due(c) for c in connections[:4]))) == 0
    await spoken_for_invariant(db)
