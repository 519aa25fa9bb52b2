"""Reviewers acting at once on one submission: one decision holds, one log entry records it,
and the row's status is that decision's (each step locks the row; the rest see it decided)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.services import publishing
from hub.services.workflow_errors import WorkflowError
from hub.store.base import ConnectionDatabase
from tests.publishing.conftest import make_land, one

REVIEWERS = 12


async def _pending_activity(url: str) -> int:
    """A committed activity (with its teams) submitted for review."""
    async with await psycopg.AsyncConnection.connect(url) as conn:
        land = await make_land(conn, tag=f"并发{uuid.uuid4().hex[:6]}")
        activity = await one(conn, "INSERT INTO activity (title, organization_id, category, "
                                   "time_window, location_geom, region_code, capacity, status, "
                                   "safety_plan) VALUES ('并发审核', %s, 'health', tstzrange(now() "
                                   "+ interval '3 days', now() + interval '3 days 2 hours'), "
                                   "ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), "
                                   "'410303000000', 10, 'pending_review', '预案') RETURNING id",
                           (land.team,))
        await conn.commit()
    return int(activity)


async def _decide(url: str, activity: int, n: int, decision: publishing.Step) -> str:
    caller = Caller(Role.DISPATCHER, f"reviewer-{n}", region="410300000000")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        try:
            await publishing.transition(ConnectionDatabase(conn), caller, kind="activity",
                                        id=activity, step=decision, reason="并发")
        except WorkflowError as exc:
            return str(exc.code)
    return "OK"


async def _log(url: str, activity: int) -> list[tuple[str, str]]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute("SELECT decision, to_status FROM publication_review WHERE "
                                 "subject_kind = 'activity' AND subject_id = %s ORDER BY id",
                                 (activity,))
        log = [(str(d), str(s)) for d, s in await cur.fetchall()]
        status = await one(conn, "SELECT status FROM activity WHERE id = %s", (activity,))
    return [*log, ("status", str(status))]


async def test_concurrent_approvals_record_one(pub_url: str) -> None:
    activity = await _pending_activity(pub_url)
    outcomes = await asyncio.gather(*(_decide(pub_url, activity, n, publishing.Step.APPROVE)
                                      for n in range(REVIEWERS)))
    assert Counter(outcomes) == {"OK": 1, "INVALID_TRANSITION": REVIEWERS - 1}
    assert await _log(pub_url, activity) == [("approve", "published"), ("status", "published")]


async def test_approve_and_reject_at_once_give_one_outcome(pub_url: str) -> None:
    activity = await _pending_activity(pub_url)
    steps: list[Any] = [publishing.Step.APPROVE, publishing.Step.REJECT] * (REVIEWERS // 2)
    outcomes = await asyncio.gather(*(_decide(pub_url, activity, n, step)
                                      for n, step in enumerate(steps)))
    assert Counter(outcomes) == {"OK": 1, "INVALID_TRANSITION": REVIEWERS - 1}
    log = await _log(pub_url, activity)
    assert len(log) == 2
    (decision, reached), (_, status) = log
    assert decision in {"approve", "reject"} and reached == status
    assert status == ("published" if decision == "approve" else "rejected")


async def test_the_review_log_is_append_only(pub_url: str) -> None:
    activity = await _pending_activity(pub_url)
    await _decide(pub_url, activity, 0, publishing.Step.REJECT)
    async with await psycopg.AsyncConnection.connect(pub_url) as conn:
        for statement in ("UPDATE publication_review SET reason = '改写' WHERE subject_id = %s",
                          "DELETE FROM publication_review WHERE subject_id = %s"):
            with pytest.raises(psycopg.errors.RestrictViolation):
                await conn.execute(statement, (activity,))
            await conn.rollback()
    assert await _log(pub_url, activity) == [("reject", "rejected"), ("status", "rejected")]
