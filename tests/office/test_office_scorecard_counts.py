"""Pilots judged from counts alone (hub.services.scorecards.actuals_at and passed_at, issue 16.9:
the office's pilots passed month by month) against the full scorecards (judge_at, themselves
held to a plain-Python count over the rows) for every pilot at dates across the periods, with
review steps after some of them (a state rewound through the log) and after all of them, and
a third pilot in another county, funded on another day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import psycopg

from hub.services import scorecards
from hub.store import scorecards as pilot_store
from hub.store.base import ConnectionDatabase
from tests.office.scorecard_world import (
    OTHER_COUNTY,
    activity,
    make_world,
    one,
    oracle,
    review,
    station,
)

DATES = [date(2024, 12, 31) + timedelta(days=23 * k) for k in range(24)] + [date(2030, 1, 1)]


async def test_counts_give_the_scorecards_figures_at_every_date(
        sconn: psycopg.AsyncConnection[Any]) -> None:
    w = await make_world(sconn)
    # A station closed in June (active before by the log), an activity approved in May,
    # a project approved in August, an activity withdrawn in September (published before).
    closed = w.stations["closed"]
    await review(sconn, "station", closed, "close", "active", "closed", date(2025, 6, 1))
    late = await activity(sconn, "五月审核的义诊", w.teams["full"], OTHER_COUNTY,
                          date(2025, 4, 10), "published", created=date(2025, 3, 1))
    await review(sconn, "activity", late, "approve", "pending_review", "published",
                 date(2025, 5, 3))
    await review(sconn, "project", w.projects["later"], "approve", "pending_review", "planned",
                 date(2025, 8, 1))
    gone = w.activities["held5"]
    await sconn.execute("UPDATE activity SET status = 'draft' WHERE id = %s", (gone,))
    await review(sconn, "activity", gone, "withdraw", "closed", "draft", date(2025, 9, 9))
    await station(sconn, "涧西区站点", OTHER_COUNTY, "active", signage=False)
    other = int(await one(sconn, "INSERT INTO pilot (region_code, pilot_type, name, funded_on, "
                                 "quota_set) VALUES (%s, 'county', '涧西区试点', '2025-04-20', "
                                 "'henan_001') RETURNING id", (OTHER_COUNTY,)))
    db = ConnectionDatabase(sconn)
    pilots = await pilot_store.get_many(db, ids=[w.county_pilot, w.city_pilot, other])
    cards = [(p, day) for day in DATES for p in pilots]
    full = await scorecards.judge_at(db, cards)
    counted = await scorecards.actuals_at(db, cards)
    assert len(counted) == len(cards)
    for (pilot, day), card, got in zip(cards, full, counted, strict=True):
        assert got == {i.item: (i.target, i.actual) for i in card.items}, (pilot["id"], day)
    assert await scorecards.passed_at(db, cards) == [card.passed for card in full]
    # The figures move over the dates (the test sees rewinds, not a constant), and agree with
    # the plain-Python count over the rows where it was checked by hand.
    assert len({tuple(sorted(c.items())) for c in counted}) >= 6
    for k in (3, 9, 14, 20):
        pilot, day = cards[k]
        assert counted[k] == await oracle(sconn, pilot["id"], day), (pilot["id"], day)


async def test_no_cards_no_statements(sconn: psycopg.AsyncConnection[Any]) -> None:
    db = ConnectionDatabase(sconn)
    before = db.statements
    assert await scorecards.passed_at(db, []) == []
    assert db.statements == before
