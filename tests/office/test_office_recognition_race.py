"""Reviewers accepting at once never fill more places than a round has: fourteen nominations
accepted concurrently for ten places leave exactly ten accepted (the round's row lock queues
them); a publication racing late reviews leaves the list as published."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.services import recognition
from hub.services.workflow import WorkflowError
from hub.store.base import ConnectionDatabase
from tests.conftest import migrated_database

REVIEWERS = 14


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_office_rc_race")


async def _round_with_nominations(url: str) -> tuple[int, list[int]]:
    """A committed county round (a year of its own) with REVIEWERS pending nominations."""
    year = 2000 + uuid.uuid4().int % 20
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute(
            "INSERT INTO recognition_round (award, level, region_code, year, categories, "
            "opened_by) VALUES ('top_ten', 'county', '410303000000', %s, '{volunteer}', 't') "
            "ON CONFLICT DO NOTHING RETURNING id", (year,))
        row = await cur.fetchone()
        if row is None:  # that year was used by an earlier run: take a fresh round of another
            await conn.rollback()
            return await _round_with_nominations(url)
        nominations = []
        for n in range(REVIEWERS):
            cur = await conn.execute(
                "INSERT INTO recognition_nomination (round_id, category, subject_id, rank, score, "
                "evidence, nominated_by) VALUES (%s, 'volunteer', %s, %s, 0.5, '{}', 't') "
                "RETURNING id", (row[0], 1000 + n, n + 1))
            got = await cur.fetchone()
            assert got is not None
            nominations.append(int(got[0]))
        await conn.commit()
    return int(row[0]), nominations


async def _accept(url: str, nomination: int, n: int) -> str:
    caller = Caller(Role.DISPATCHER, f"reviewer-{n}", region="410300000000")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        try:
            await recognition.review(ConnectionDatabase(conn), caller, nomination_id=nomination,
                                     accept=True, reason="并发审核通过")
        except WorkflowError as exc:
            return str(exc.code)
    return "OK"


async def test_concurrent_acceptances_fill_ten_places_and_no_more(race_url: str) -> None:
    round_id, nominations = await _round_with_nominations(race_url)
    answers = await asyncio.gather(*(_accept(race_url, nom, n)
                                     for n, nom in enumerate(nominations)))
    assert Counter(answers) == {"OK": 10, "SLOTS_FULL": REVIEWERS - 10}
    async with await psycopg.AsyncConnection.connect(race_url) as conn:
        cur = await conn.execute("SELECT count(*) FROM recognition_nomination WHERE round_id = %s "
                                 "AND decision = 'accepted'", (round_id,))
        row: Any = await cur.fetchone()
    assert row[0] == 10


async def test_a_review_racing_the_publication_lands_before_it_or_is_refused(
        race_url: str) -> None:
    round_id, nominations = await _round_with_nominations(race_url)
    admin = Caller(Role.ADMIN, "admin-1")
    async with await psycopg.AsyncConnection.connect(race_url, autocommit=True) as conn:
        db = ConnectionDatabase(conn)
        for nom in nominations[:-1]:
            await recognition.review(db, admin, nomination_id=nom, accept=nom == nominations[0],
                                     reason="先审")

    async def publish() -> str:
        async with await psycopg.AsyncConnection.connect(race_url, autocommit=True) as conn:
            try:
                await recognition.publish(ConnectionDatabase(conn), admin, round_id=round_id)
            except WorkflowError as exc:
                return str(exc.code)
        return "OK"

    late, published = await asyncio.gather(_accept(race_url, nominations[-1], 99), publish())
    # Either the review came first (then the list has two places) or the publication did
    # (then the review is refused, or the publication saw a pending nomination and waited).
    async with await psycopg.AsyncConnection.connect(race_url) as conn:
        cur = await conn.execute("SELECT count(*) FROM recognition_award WHERE round_id = %s",
                                 (round_id,))
        row: Any = await cur.fetchone()
    if published == "OK":
        assert late == "OK" and row[0] == 2
    else:
        assert published == "INVALID_TRANSITION" and row[0] == 0


async def test_no_place_is_added_to_a_list_after_its_publication(race_url: str) -> None:
    round_id, nominations = await _round_with_nominations(race_url)
    admin = Caller(Role.ADMIN, "admin-1")
    async with await psycopg.AsyncConnection.connect(race_url, autocommit=True) as conn:
        db = ConnectionDatabase(conn)
        for nom in nominations:
            await recognition.review(db, admin, nomination_id=nom, accept=nom == nominations[0],
                                     reason="审核")
        await recognition.publish(db, admin, round_id=round_id)
    async with await psycopg.AsyncConnection.connect(race_url) as conn:  # a later transaction
        with pytest.raises(psycopg.errors.RestrictViolation):
            await conn.execute(
                "INSERT INTO recognition_award (round_id, category, place, nomination_id, "
                "subject_id, score, evidence) VALUES (%s, 'volunteer', 2, %s, 1001, 0.5, '{}')",
                (round_id, nominations[1]))
