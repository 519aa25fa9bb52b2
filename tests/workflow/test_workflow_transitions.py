"""Every allowed and every refused dispatch transition, in the database and in the service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from workflow_world import STATE_COLUMNS, offer, one, walk_to, world

from hub.auth.tokens import SYSTEM
from hub.services import workflow
from hub.services.workflow import Code, WorkflowError
from hub.store.base import ConnectionDatabase

STATES = ("offered", "accepted", "checked_in", "completed", "declined", "expired",
          "cancelled", "no_show")
ALLOWED = {("offered", "accepted"), ("offered", "declined"), ("offered", "expired"),
           ("offered", "cancelled"), ("accepted", "checked_in"), ("accepted", "cancelled"),
           ("accepted", "no_show"), ("checked_in", "completed")}
# 抢单 (sql/0022): a claim starts accepted or claim_pending; only a pending claim moves on.
CLAIM_MOVES = {("claim_pending", "accepted"), ("claim_pending", "claim_rejected"),
               ("claim_pending", "expired"), ("claim_pending", "cancelled")}
PAIRS = [(a, b) for a in STATES for b in STATES if a != b]


async def test_the_transitions_are_defined_once_in_the_database(
        aconn: psycopg.AsyncConnection[Any]):
    assert await workflow.allowed(ConnectionDatabase(aconn)) == ALLOWED | CLAIM_MOVES
    cur = await aconn.execute("SELECT state FROM dispatch_state WHERE active ORDER BY state")
    assert [r[0] for r in await cur.fetchall()] == ["accepted", "checked_in", "claim_pending",
                                                    "completed", "offered"]


@pytest.mark.parametrize(("from_state", "to_state"), PAIRS)
async def test_the_database_allows_exactly_the_listed_transitions(
        aconn: psycopg.AsyncConnection[Any], from_state: str, to_state: str):
    w = await world(aconn, volunteers=1)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await walk_to(aconn, dispatch_id, from_state)
    update = f"UPDATE dispatch SET status = %s{STATE_COLUMNS[to_state]} WHERE id = %s"
    if (from_state, to_state) in ALLOWED:
        await aconn.execute(update, (to_state, dispatch_id))
        active = await one(aconn, "SELECT active FROM dispatch WHERE id = %s", (dispatch_id,))
        assert active == (to_state in {"accepted", "checked_in", "completed"})
        actors = await one(aconn, "SELECT array_agg(to_state ORDER BY id) FROM dispatch_event "
                                  "WHERE dispatch_id = %s", (dispatch_id,))
        assert actors[-1] == to_state and actors[0] == "offered"
        return
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        async with aconn.transaction():
            await aconn.execute(update, (to_state, dispatch_id))
    assert refused.value.diag.constraint_name == "dispatch_transition"
    assert f"{from_state} → {to_state} is not an allowed transition" in str(refused.value)


async def test_a_dispatch_cannot_start_in_any_state_but_offered(
        aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=1)
    with pytest.raises(psycopg.errors.CheckViolation, match="starts as offered"):
        await aconn.execute(
            "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, respond_by, "
            "status) SELECT id, %s, time_window, 't', lower(time_window), 'accepted' FROM demand "
            "WHERE id = %s", (w.volunteer_ids[0], w.demand_id))


Action = Callable[[ConnectionDatabase, int], Awaitable[Any]]
ACTIONS: dict[str, Action] = {
    "accepted": lambda db, i: workflow.accept(db, dispatch_id=i, caller=SYSTEM, ttl_s=60),
    "declined": lambda db, i: workflow.decline(db, dispatch_id=i, caller=SYSTEM, reason="busy",
                                               ttl_s=60),
    "cancelled": lambda db, i: workflow.cancel(db, dispatch_id=i, caller=SYSTEM, reason="r",
                                               ttl_s=60, reoffer=False),
    "no_show": lambda db, i: workflow.no_show(db, dispatch_id=i, caller=SYSTEM, ttl_s=60),
    "checked_in": lambda db, i: workflow.check_in(db, dispatch_id=i, lon=113.6, lat=34.7,
                                                  caller=SYSTEM, max_distance_m=1e9),
    "completed": lambda db, i: workflow.check_out(db, dispatch_id=i, lon=113.6, lat=34.7,
                                                  caller=SYSTEM),
}
REFUSED = [(a, b) for a in STATES for b in ACTIONS if (a, b) not in ALLOWED]


@pytest.mark.parametrize(("from_state", "to_state"), REFUSED)
async def test_the_service_refuses_every_other_transition_with_a_code(
        aconn: psycopg.AsyncConnection[Any], from_state: str, to_state: str):
    w = await world(aconn, volunteers=1)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await walk_to(aconn, dispatch_id, from_state)
    with pytest.raises(WorkflowError) as refused:
        await ACTIONS[to_state](ConnectionDatabase(aconn), dispatch_id)
    assert refused.value.code is Code.INVALID_TRANSITION
    assert f"is {from_state}; it cannot become {to_state}" in refused.value.message
