"""The background sweep's steps are counted by outcome, with the items they handled."""

from __future__ import annotations

from typing import Any

import psycopg
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from psycopg_pool import AsyncConnectionPool
from workflow_world import offer, world

from hub.metrics import Metrics
from hub.services import sweeps
from hub.store.base import ConnectionDatabase, PoolDatabase


def counts(metrics: Metrics, name: str) -> dict[tuple[str, str], float]:
    return {(s.labels.get("step", ""), s.labels.get("outcome", "")): s.value
            for family in text_string_to_metric_families(generate_latest(metrics.registry)
                                                          .decode())
            for s in family.samples if s.name == name}


async def test_steps_are_counted_by_outcome(aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=2)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await aconn.execute("UPDATE dispatch SET offered_at = now() - interval '2 hours', "
                        "respond_by = now() - interval '1 hour' WHERE id = %s", (dispatch_id,))
    metrics = Metrics()
    await sweeps.sweep(ConnectionDatabase(aconn), ttl_s=600, auto_confirm_s=3600,
                       outcome=metrics.sweep_step)
    steps = counts(metrics, "hub_sweep_steps_total")
    assert steps == {("expire_offers", "ok"): 1, ("expire_claims", "ok"): 1,
                     ("settle_demands", "ok"): 1,
                     ("confirm_records", "ok"): 1, ("expire_team_offers", "ok"): 1,
                     ("escalate_demands", "ok"): 1, ("remind", "ok"): 1,
                     ("match_parts", "ok"): 1}
    assert counts(metrics, "hub_sweep_items_total")[("expire_offers", "")] >= 1


async def test_an_unreachable_database_is_counted_unavailable():
    # A port nothing listens on: every step finds the database unavailable.
    async with AsyncConnectionPool("postgresql://127.0.0.1:9/none", min_size=0, max_size=1,
                                   timeout=0.2, open=False) as pool:
        metrics = Metrics()
        await sweeps.sweep(PoolDatabase(pool), ttl_s=600, auto_confirm_s=None,
                           outcome=metrics.sweep_step)
    assert counts(metrics, "hub_sweep_steps_total") == {
        ("expire_offers", "unavailable"): 1, ("expire_claims", "unavailable"): 1,
        ("settle_demands", "unavailable"): 1,
        ("confirm_records", "unavailable"): 1,  # regions may set a period without a default
        ("expire_team_offers", "unavailable"): 1, ("escalate_demands", "unavailable"): 1,
        ("remind", "unavailable"): 1, ("match_parts", "unavailable"): 1}
