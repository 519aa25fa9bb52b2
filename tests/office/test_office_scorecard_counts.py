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
from tests.office.scorecard_world import oracle, rewound_world

DATES = [date(2024, 12, 31) + timedelta(days=23 * k) for k in range(24)] + [date(2030, 1, 1)]


async def test_counts_give_the_scorecards_figures_at_every_date(
        sconn: psycopg.AsyncConnection[Any]) -> None:
    _, ids = await rewound_world(sconn)
    db = ConnectionDatabase(sconn)
    pilots = await pilot_store.get_many(db, ids=ids)
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
