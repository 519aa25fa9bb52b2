"""Scorecards from counts, their candidates read when asked (issue 17.5: a province's card reads
no candidate list): hub.services.scorecards.counted_at (what scorecard and scorecards serve)
against judge_at (every candidate judged, held to a plain-Python count in
test_office_scorecard.py), and the first entries of each item, batched, against judge_at's
lists, at dates across the periods with states rewound through the review log; through GraphQL,
entryCount and entries for a region's pilots."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import psycopg

from hub.office.scorecard import ITEMS
from hub.schema.node import encode_id
from hub.schema.scorecards import _KINDS
from hub.services import scorecards
from hub.store import scorecards as pilot_store
from hub.store.base import ConnectionDatabase
from tests.office.scorecard_world import CITY, OTHER_COUNTY, rewound_world, station
from tests.publishing.conftest import Api

DATES = [date(2024, 12, 31) + timedelta(days=46 * k) for k in range(12)] + [date(2030, 1, 1)]


async def _cards(sconn: psycopg.AsyncConnection[Any]) -> tuple[
        ConnectionDatabase, list[scorecards.PilotScorecard], list[scorecards.PilotScorecard]]:
    """The three pilots at every date: judged, and counted (one statement per item)."""
    _, ids = await rewound_world(sconn)
    for name in ("a站点", "B站点", "同名站点", "同名站点"):  # code-point order, ids apart
        await station(sconn, name, OTHER_COUNTY, "active", signage=name != "同名站点")
    db = ConnectionDatabase(sconn)
    cards = [(p, day) for day in DATES for p in await pilot_store.get_many(db, ids=ids)]
    full = await scorecards.judge_at(db, cards)
    before = db.statements
    counted = await scorecards.counted_at(db, cards)
    assert db.statements - before == 1 + len(ITEMS)  # the quotas, one count per item
    return db, full, counted


async def test_counted_cards_equal_the_judged_ones(sconn: psycopg.AsyncConnection[Any]) -> None:
    _, full, counted = await _cards(sconn)
    for card, got in zip(full, counted, strict=True):
        assert got.pilot == card.pilot and got.period == card.period
        assert got.items == tuple(dataclasses.replace(i, entries=()) for i in card.items)
        assert [i.candidates for i in got.items] == [len(i.entries) for i in card.items]
    assert sum(i.candidates - i.actual for c in counted for i in c.items) > 0


async def test_entries_asked_are_the_judged_ones(sconn: psycopg.AsyncConnection[Any]) -> None:
    db, full, counted = await _cards(sconn)
    asks = [(card, i.item) for card in counted for i in card.items]
    judged = [i.entries for card in full for i in card.items]
    assert max(len(e) for e in judged) > 5
    assert any(len({x.counts for x in e}) == 2 for e in judged)
    for first in (0, 1, 3, 1000):
        for counts in (None, True, False):
            before = db.statements
            got = await scorecards.entries(db, asks, first=first, counts=counts)
            assert db.statements - before == (0 if first == 0 else len(ITEMS))
            want = [[x for x in e if counts is None or x.counts == counts][:first]
                    for e in judged]
            assert got == want, (first, counts)
    names = [x.name for e in judged for x in e if "站点" in x.name and len(x.name) <= 4]
    assert "同名站点" in names and "a站点" in names


ITEMS_QUERY = """
query ($region: String!, $asOf: Date) {
  scorecard(regionCode: $region, asOf: $asOf) {
    pilot { id } items { item actual all: entryCount counted: entryCount(counts: true)
      not: entryCount(counts: false)
      entries(first: 30) { id counts reasonEn }
      notCounted: entries(first: 2, counts: false) { id counts } } } }"""


async def test_entry_counts_and_entries_through_graphql(sapi: Api,
                                                        sconn: psycopg.AsyncConnection[Any]
                                                        ) -> None:
    _, ids = await rewound_world(sconn)
    db = ConnectionDatabase(sconn)
    pilots = {encode_id("Pilot", p["id"]): p for p in await pilot_store.get_many(db, ids=ids)}
    admin = sapi.token("admin", "office")
    for day in (date(2025, 7, 1), date(2025, 12, 10)):
        data = await sapi.data(admin, ITEMS_QUERY, {"region": CITY, "asOf": day.isoformat()})
        assert {c["pilot"]["id"] for c in data["scorecard"]} == set(pilots)
        for card in data["scorecard"]:
            full = (await scorecards.judge_at(db, [(pilots[card["pilot"]["id"]], day)]))[0]
            assert [i["item"] for i in card["items"]] == [i.item for i in full.items]
            for item, judged in zip(card["items"], full.items, strict=True):
                want = [{"id": encode_id(_KINDS[e.kind], e.id), "counts": e.counts,
                         "reasonEn": e.reason_en} for e in judged.entries]
                assert item["entries"] == want
                assert item["notCounted"] == [{"id": e["id"], "counts": False}
                                              for e in want if not e["counts"]][:2]
                assert item["all"] == len(want)
                assert item["counted"] == item["actual"] == judged.actual
                assert item["not"] == len(want) - judged.actual
