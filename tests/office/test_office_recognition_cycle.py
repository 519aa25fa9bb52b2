"""A recognition round's life: open → nominate with evidence → review with reasons → publish →
frozen (the database refuses changes), then the city's round ranks only the county's list."""

from __future__ import annotations

import io
import json
from typing import Any

import psycopg
import pytest
from openpyxl import load_workbook

from hub.services import recognition, recognition_lists
from hub.services.recognition import NewRound
from hub.services.workflow import Refused, WorkflowError
from hub.store.base import ConnectionDatabase
from tests.office.recognition_world_rc import (
    ADMIN,
    CITY,
    COUNTY,
    POOR,
    YEAR,
    make_world,
    oconn,
    odb,
    office_url,
)

__all__ = ["oconn", "odb", "office_url"]
ALL = ("volunteer", "team", "project", "station")


async def _publish_county(db: ConnectionDatabase, county: str, accept: int = 3) -> int:
    """A county's 十佳 round: the best ``accept`` of each category accepted, the rest of the
    first five rejected, published; its id."""
    row = await recognition.open_round(db, ADMIN, NewRound("top_ten", "county", county, YEAR,
                                                           ALL))
    for category in ALL:
        page = await recognition.candidates(db, ADMIN, round_id=row["id"], category=category)
        for n, c in enumerate(page.candidates[:5]):
            made = await recognition.nominate(db, ADMIN, round_id=row["id"], category=category,
                                              subject_id=c.subject_id, statement="事迹突出")
            await recognition.review(db, ADMIN, nomination_id=made["id"], accept=n < accept,
                                     reason="材料属实" if n < accept else "服务时长不足")
    await recognition.publish(db, ADMIN, round_id=row["id"])
    return int(row["id"])


async def test_the_life_of_a_round(oconn: psycopg.AsyncConnection[Any], odb: ConnectionDatabase):
    world = await make_world(oconn)
    row = await recognition.open_round(odb, ADMIN, NewRound("top_ten", "county", COUNTY, YEAR,
                                                            ("volunteer", "team")))
    assert (row["status"], row["places"]) == ("open", 10)
    page = await recognition.candidates(odb, ADMIN, round_id=row["id"], category="volunteer")
    best, second = page.candidates[:2]
    assert best.name and best.name.startswith("志愿者")  # the admin sees names in full
    made = await recognition.nominate(odb, ADMIN, round_id=row["id"], category="volunteer",
                                      subject_id=best.subject_id, statement="服务时长第一")
    evidence = made["evidence"]
    assert evidence["hours"] == str(best.ranked.figures.hours)
    assert evidence["period"] == [f"{YEAR}-01-01", f"{YEAR + 1}-01-01"]
    assert set(evidence["recordIds"]) <= {r.id for r in world.records
                                          if r.volunteer == best.subject_id and r.confirmed}
    with pytest.raises(WorkflowError) as again:
        await recognition.nominate(odb, ADMIN, round_id=row["id"], category="volunteer",
                                   subject_id=best.subject_id)
    assert again.value.code == "CONFLICT"
    outsider = next(v for v, r in world.volunteer_region.items() if r != COUNTY)
    with pytest.raises(WorkflowError) as far:
        await recognition.nominate(odb, ADMIN, round_id=row["id"], category="volunteer",
                                   subject_id=outsider)
    assert far.value.code == "NOT_ELIGIBLE"
    other = await recognition.nominate(odb, ADMIN, round_id=row["id"], category="volunteer",
                                       subject_id=second.subject_id)
    with pytest.raises(WorkflowError) as unreasoned:
        await recognition.review(odb, ADMIN, nomination_id=made["id"], accept=True, reason=" ")
    assert unreasoned.value.code == "REASON_REQUIRED"
    with pytest.raises(WorkflowError) as early:
        await recognition.publish(odb, ADMIN, round_id=row["id"])
    assert early.value.code == "INVALID_TRANSITION"  # two nominations await review
    accepted = await recognition.review(odb, ADMIN, nomination_id=made["id"], accept=True,
                                        reason="服务时长与评价均居前列")
    assert (accepted["decision"], accepted["decided_by"]) == ("accepted", "admin:admin-1")
    await recognition.review(odb, ADMIN, nomination_id=other["id"], accept=False,
                             reason="老少边贫地区服务不足")
    published, awards = await recognition.publish(odb, ADMIN, round_id=row["id"])
    assert published["status"] == "published"
    assert [(a["category"], a["place"], a["subject_id"]) for a in awards] == [
        ("volunteer", 1, best.subject_id)]
    assert awards[0]["subject_name"] == ""  # a volunteer's name is never frozen in the list

    # Frozen: the service refuses, and so does the database, whoever asks.
    with pytest.raises(WorkflowError) as late:
        await recognition.review(odb, ADMIN, nomination_id=other["id"], accept=True,
                                 reason="改为通过")
    assert late.value.code == "INVALID_TRANSITION"
    for statement in (
            f"UPDATE recognition_nomination SET decision = 'accepted' WHERE id = {other['id']}",
            f"DELETE FROM recognition_nomination WHERE id = {other['id']}",
            f"INSERT INTO recognition_nomination (round_id, category, subject_id, rank, score, "
            f"evidence, nominated_by) VALUES ({row['id']}, 'team', {world.teams[0]}, 1, 1, "
            f"'{{}}', 'x')",
            f"UPDATE recognition_round SET year = year - 1 WHERE id = {row['id']}",
            f"DELETE FROM recognition_round WHERE id = {row['id']}",
            f"UPDATE recognition_award SET place = 2 WHERE round_id = {row['id']}",
            f"DELETE FROM recognition_award WHERE round_id = {row['id']}"):
        await oconn.execute("SAVEPOINT frozen")
        with pytest.raises(psycopg.errors.RestrictViolation):
            await oconn.execute(statement)
        await oconn.execute("ROLLBACK TO SAVEPOINT frozen")

    # Exported: JSON and a spreadsheet with a sheet per category.
    doc = json.loads((await recognition_lists.export_list(
        odb, ADMIN, round_id=row["id"], fmt="json")).content)
    assert doc["round"]["status"] == "published"
    assert [(a["place"], a["name"]) for a in doc["awards"]] == [(1, best.name)]
    book = load_workbook(io.BytesIO((await recognition_lists.export_list(
        odb, ADMIN, round_id=row["id"], fmt="xlsx")).content))
    assert book.sheetnames == ["科技志愿者", "科技志愿服务队"]
    rows = list(book["科技志愿者"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [(1, best.name)]


async def test_a_city_round_ranks_only_the_counties_lists(oconn: psycopg.AsyncConnection[Any],
                                                          odb: ConnectionDatabase):
    await make_world(oconn)
    county_rounds = [await _publish_county(odb, c) for c in (COUNTY, POOR)]
    listed = {(a["category"], a["subject_id"]) for rid in county_rounds
              for a in (await recognition_lists.awards(odb, ADMIN, round_id=rid))[1]}
    city = await recognition.open_round(odb, ADMIN, NewRound("top_ten", "city", CITY, YEAR, ALL))
    for category in ALL:
        page = await recognition.candidates(odb, ADMIN, round_id=city["id"], category=category)
        got = {(category, c.subject_id) for c in page.candidates}
        assert got == {x for x in listed if x[0] == category}
        assert all(c.lower and c.lower[0]["level"] == "county" for c in page.candidates)


async def test_opening_checks_every_field(odb: ConnectionDatabase):
    with pytest.raises(Refused) as bad:
        await recognition.open_round(odb, ADMIN, NewRound("best", "town", CITY, 1999,
                                                          ("volunteer", "people", "volunteer")))
    fields = {e.field for e in bad.value.errors}
    assert {"award", "level", "categories", "categories[1]", "year"} <= fields
    with pytest.raises(Refused) as wrong_level:
        await recognition.open_round(odb, ADMIN, NewRound("top_ten", "county", CITY, YEAR,
                                                          ("team",)))
    assert [e.field for e in wrong_level.value.errors] == ["regionCode"]
    with pytest.raises(Refused) as places:
        await recognition.open_round(odb, ADMIN, NewRound("top_ten", "county", COUNTY, YEAR,
                                                          ("team",), places=12))
    assert [e.field for e in places.value.errors] == ["places"]
    await recognition.open_round(odb, ADMIN, NewRound("top_ten", "county", COUNTY, YEAR,
                                                      ("team",)))
    with pytest.raises(WorkflowError) as twice:
        await recognition.open_round(odb, ADMIN, NewRound("top_ten", "county", COUNTY, YEAR,
                                                          ("volunteer",)))
    assert twice.value.code == "CONFLICT"
