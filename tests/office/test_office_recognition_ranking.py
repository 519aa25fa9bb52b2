"""Candidates are ranked from confirmed data: the service's figures and order against an
independent computation from the rows the world made (hub.office.ranking's formula written
out again here)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.services import recognition
from hub.services.recognition import NewRound
from hub.store.base import ConnectionDatabase
from tests.office.recognition_world_rc import (
    ADMIN,
    COUNTY,
    POOR,
    YEAR,
    World,
    make_world,
    oconn,
    odb,
    office_url,
)

__all__ = ["oconn", "odb", "office_url"]


def _expected(world: World, category: str, county: str) -> list[tuple[int, Decimal, Decimal]]:
    """(subject, hours, score) best first, from the world's own rows."""
    def key_of(rec: Any) -> int | None:
        if category == "volunteer":
            return rec.volunteer if world.volunteer_region[rec.volunteer] == county else None
        if category == "team":
            return rec.team if rec.team and world.team_region[rec.team] == county else None
        if category == "project":
            p = world.activity_project.get(rec.activity) if rec.activity else None
            return p if p and world.team_region[world.projects[p]] == county else None
        s = (world.demand_station.get(rec.demand) if rec.demand
             else world.activity_station.get(rec.activity))
        return s if s and world.stations[s] == county else None

    occasions: dict[int, dict[tuple[Any, Any], list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [Decimal(0), Decimal(0)]))
    for rec in world.records:
        k = key_of(rec)
        if k is None or not rec.confirmed or rec.hours <= 0 or rec.served_on.year != YEAR:
            continue
        cell = occasions[k][(rec.demand, rec.activity)]
        cell[0] += rec.hours
        cell[1] += rec.hours if rec.region == POOR else 0
    rows = []
    for k, occ in occasions.items():
        hours = sum((c[0] for c in occ.values()), Decimal(0))
        prio = sum((c[1] for c in occ.values()), Decimal(0))
        rated = [world.ratings[d] for d, _ in occ if d in world.ratings]
        rows.append((k, hours, len(occ), prio, rated))
    most_h = max(r[1] for r in rows)
    most_o = max(r[2] for r in rows)
    out = []
    for k, hours, n, prio, rated in rows:
        rating = (Decimal(sum(rated)) / len(rated)).quantize(Decimal("0.01")) if rated else None
        score = (Decimal("0.4") * hours / most_h + Decimal("0.2") * n / most_o
                 + Decimal("0.2") * ((rating - 1) / 4 if rating is not None else 0)
                 + Decimal("0.2") * prio / hours)
        out.append((k, hours, score.quantize(Decimal("0.0001")), n))
    out.sort(key=lambda r: (-r[2], -r[1], -r[3], r[0]))
    return [(k, h, s) for k, h, s, _ in out]


@pytest.mark.parametrize("seed", [7, 11])
@pytest.mark.parametrize("category", ["volunteer", "team", "project", "station"])
@pytest.mark.parametrize("county", [COUNTY, POOR])
async def test_candidates_match_an_independent_count(oconn: psycopg.AsyncConnection[Any],
                                                     odb: ConnectionDatabase, seed: int,
                                                     category: str, county: str):
    world = await make_world(oconn, seed)
    row = await recognition.open_round(odb, ADMIN, NewRound(
        "top_ten", "county", county, YEAR, ("volunteer", "team", "project", "station")))
    page = await recognition.candidates(odb, ADMIN, round_id=row["id"], category=category,
                                        first=100)
    expected = _expected(world, category, county)
    assert expected, "the world gives every category candidates"
    got = [(c.subject_id, c.ranked.figures.hours, c.ranked.score) for c in page.candidates]
    assert got == expected
    assert page.total == len(expected)
    assert [c.ranked.rank for c in page.candidates] == list(range(1, len(expected) + 1))
    # The evidence names records that exist, are confirmed and belong to the subject's year.
    for c in page.candidates:
        ids = set(c.ranked.figures.record_ids)
        mine = {r.id for r in world.records if r.confirmed}
        assert ids and ids <= mine
