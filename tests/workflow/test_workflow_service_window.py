"""Service happens in the demand's window (issue 11): check-in within the tolerance, an early
check-in leaves room for a replacement, a demand is done when every active dispatch is
completed or the window has ended, and the sweep settles windows that pass unattended."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from workflow_world import offer, one, world

from hub.auth.tokens import SYSTEM
from hub.services import sweeps, workflow
from hub.services.workflow import Code, WorkflowError
from hub.store.base import ConnectionDatabase


async def _status(aconn: psycopg.AsyncConnection[Any], demand_id: int) -> str:
    return str(await one(aconn, "SELECT status FROM demand WHERE id = %s", (demand_id,)))


async def _booked(aconn: psycopg.AsyncConnection[Any], demand_id: int, volunteer_id: int) -> int:
    dispatch_id = await offer(aconn, demand_id, volunteer_id)
    await aconn.execute("UPDATE dispatch SET status = 'accepted' WHERE id = %s", (dispatch_id,))
    await aconn.execute("UPDATE demand SET status = 'dispatched' WHERE id = %s", (demand_id,))
    return dispatch_id


async def _window(aconn: psycopg.AsyncConnection[Any], demand_id: int, window: str) -> None:
    """Move a demand's window (and its dispatches' copies) to ``window`` (SQL, around now())."""
    for table, column in (("demand", "id"), ("dispatch", "demand_id")):
        await aconn.execute(f"UPDATE {table} SET time_window = {window} WHERE {column} = %s",
                            (demand_id,))


async def test_check_in_opens_the_configured_tolerance_before_the_window(
        aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=1, starts_in=timedelta(minutes=30))
    dispatch_id = await _booked(aconn, w.demand_id, w.volunteer_ids[0])
    db = ConnectionDatabase(aconn)
    with pytest.raises(WorkflowError) as early:
        await workflow.check_in(db, dispatch_id=dispatch_id, lon=w.lon, lat=w.lat, caller=SYSTEM,
                                max_distance_m=500, tolerance_s=600)
    assert early.value.code is Code.TOO_EARLY and "check-in opens at" in early.value.message
    row = await workflow.check_in(db, dispatch_id=dispatch_id, lon=w.lon, lat=w.lat, caller=SYSTEM,
                                  max_distance_m=500, tolerance_s=3600)
    assert row["status"] == "checked_in"


async def test_an_early_check_in_leaves_room_for_a_replacement(
        aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, needed=2, volunteers=3, starts_in=timedelta(minutes=30))
    first, second, spare = w.volunteer_ids
    db = ConnectionDatabase(aconn)
    arrived = await _booked(aconn, w.demand_id, first)
    leaving = await _booked(aconn, w.demand_id, second)
    await workflow.check_in(db, dispatch_id=arrived, lon=w.lon, lat=w.lat, caller=SYSTEM,
                            max_distance_m=500)
    assert await _status(aconn, w.demand_id) == "dispatched"  # not in progress before it starts
    await workflow.cancel(db, dispatch_id=leaving, caller=SYSTEM, reason="临时有事", ttl_s=600,
                          reoffer=False)
    assert len(await workflow.offer(db, demand_id=w.demand_id, volunteer_ids=[spare], caller=SYSTEM,
                                    ttl_s=600)) == 1


async def test_a_demand_is_done_when_every_active_dispatch_is_completed(
        aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, needed=2, volunteers=2)
    db = ConnectionDatabase(aconn)
    dispatches = [await _booked(aconn, w.demand_id, v) for v in w.volunteer_ids]
    await _window(aconn, w.demand_id, "tstzrange(now() - interval '1 hour', now() + interval "
                                      "'1 hour')")
    for dispatch_id in dispatches:
        await workflow.check_in(db, dispatch_id=dispatch_id, lon=w.lon, lat=w.lat, caller=SYSTEM,
                                max_distance_m=500)
    assert await _status(aconn, w.demand_id) == "in_progress"
    await aconn.execute("UPDATE dispatch SET check_in_at = now() - interval '30 minutes' "
                        "WHERE demand_id = %s", (w.demand_id,))  # now() stands still here
    await workflow.check_out(db, dispatch_id=dispatches[0], lon=w.lon, lat=w.lat, caller=SYSTEM)
    assert await _status(aconn, w.demand_id) == "in_progress"  # one volunteer left, one serves
    await workflow.check_out(db, dispatch_id=dispatches[1], lon=w.lon, lat=w.lat, caller=SYSTEM)
    assert await _status(aconn, w.demand_id) == "done"
    pending = await one(aconn, "SELECT count(*) FROM service_record r WHERE demand_id = %s AND "
                               "NOT EXISTS (SELECT 1 FROM service_record_confirmation k WHERE "
                               "k.record_id = r.id)", (w.demand_id,))
    assert pending == 2  # both records wait for the organiser


async def test_the_sweep_settles_windows_that_start_or_end_unattended(
        aconn: psycopg.AsyncConnection[Any]):
    ended = await world(aconn, volunteers=1)
    await _booked(aconn, ended.demand_id, ended.volunteer_ids[0])  # accepted, never came
    await _window(aconn, ended.demand_id, "tstzrange(now() - interval '3 hours', now() - "
                                          "interval '1 hour')")
    started = await world(aconn, volunteers=1)
    serving = await _booked(aconn, started.demand_id, started.volunteer_ids[0])
    await workflow.check_in(ConnectionDatabase(aconn), dispatch_id=serving, lon=started.lon,
                            lat=started.lat, caller=SYSTEM, max_distance_m=500,
                            tolerance_s=10 * 86400)  # checked in days early
    assert await _status(aconn, started.demand_id) == "dispatched"
    await _window(aconn, started.demand_id, "tstzrange(now() - interval '1 hour', now() + "
                                            "interval '1 hour')")
    await sweeps.sweep(ConnectionDatabase(aconn), ttl_s=600, auto_confirm_s=None)
    assert await _status(aconn, ended.demand_id) == "done"
    assert await _status(aconn, started.demand_id) == "in_progress"
