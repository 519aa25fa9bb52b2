"""Revoked sign-ins (hub.services.revocation): each process asks the database and remembers the
answer; a revocation announced at commit (sql/0034) is heard at once; an answer read before the
process's LISTEN (re)connected, or older than the bound, is asked again."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import psycopg
import pytest

from hub.services import events
from hub.services.revocation import MAX_FAMILIES, RECHECK_S, Revocations
from hub.store.base import ConnectionDatabase
from tests.conftest import autocommit_database, migrated_database


@pytest.fixture(scope="module")
def revocation_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_revocation")


@pytest.fixture
async def db(revocation_url: str) -> AsyncIterator[ConnectionDatabase]:
    async with autocommit_database(revocation_url) as db:
        yield db


@pytest.fixture
async def live() -> AsyncIterator[events.Events]:
    hub_events = events.Events()
    try:
        yield hub_events
    finally:
        await hub_events.close()


async def _family(db: ConnectionDatabase) -> uuid.UUID:
    """A new account signed in once: its refresh family."""
    family = uuid.uuid4()
    [account] = await db.fetch("INSERT INTO account (kind, phone_hash, phone_masked) VALUES "
                               "('resident', %s, '138****0000') RETURNING id",
                               (uuid.uuid4().bytes,))
    await db.fetch("INSERT INTO refresh_token (account_id, family, token_hash, expires_at) "
                   "VALUES (%s, %s, %s, now() + interval '1 day') RETURNING id",
                   (account["id"], family, uuid.uuid4().bytes))
    return family


async def _revoke(url: str, family: uuid.UUID, *, announced: bool = True) -> None:
    """Revoke a family from another connection (another process); ``announced=False`` with
    triggers off, standing in for a notification that was lost."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        if not announced:
            await conn.execute("SET session_replication_role = replica")
        await conn.execute("UPDATE refresh_token SET revoked_at = now() WHERE family = %s",
                           (family,))


async def _listening(revocations: Revocations, live: events.Events) -> events.Listener:
    await revocations.revoked(uuid.uuid4())  # starts the listener
    [listener] = live.listeners.values()
    for _ in range(500):
        if listener.ready.is_set():
            return listener
        await asyncio.sleep(0.01)
    raise AssertionError("the listener never started")


async def _until_revoked(revocations: Revocations, family: uuid.UUID, within_s: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not await revocations.revoked(family):
        assert loop.time() < deadline, f"not refused within {within_s} s"
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _revocations(db: ConnectionDatabase, live: events.Events, *,
                       recheck_s: float = RECHECK_S,
                       limit: int = MAX_FAMILIES) -> AsyncIterator[Revocations]:
    """A process's :class:`Revocations`, closed at the end."""
    revocations = Revocations(db, live, recheck_s=recheck_s, limit=limit)
    try:
        yield revocations
    finally:
        await revocations.close()


async def _revoked_unheard(revocations: Revocations, live: events.Events,
                           db: ConnectionDatabase, url: str) -> uuid.UUID:
    """A family remembered as not revoked, then revoked with its notification lost."""
    await _listening(revocations, live)
    family = await _family(db)
    assert not await revocations.revoked(family)
    await _revoke(url, family, announced=False)
    return family


async def test_an_announced_revocation_is_heard_without_asking_again(
        db: ConnectionDatabase, live: events.Events, revocation_url: str):
    async with _revocations(db, live, recheck_s=3600) as revocations:
        await _listening(revocations, live)
        family, other = await _family(db), await _family(db)
        assert not await revocations.revoked(family)
        asked = db.statements
        for _ in range(5):
            assert not await revocations.revoked(family)
        assert db.statements == asked, "a remembered answer is not asked again"
        await _revoke(revocation_url, family)
        await _until_revoked(revocations, family, within_s=5)
        assert db.statements == asked, "heard, not asked (the bound is an hour here)"
        assert not await revocations.revoked(other)


async def test_a_lost_notification_costs_at_most_the_bound(
        db: ConnectionDatabase, live: events.Events, revocation_url: str):
    async with _revocations(db, live, recheck_s=1.0) as revocations:
        family = await _revoked_unheard(revocations, live, db, revocation_url)
        await asyncio.sleep(0.3)
        assert not await revocations.revoked(family), "stale within the bound, as documented"
        await _until_revoked(revocations, family, within_s=3)


async def test_an_answer_from_before_the_listener_reconnected_is_asked_again(
        db: ConnectionDatabase, live: events.Events, revocation_url: str):
    async with _revocations(db, live, recheck_s=3600) as revocations:
        listener = await _listening(revocations, live)
        family = await _family(db)
        assert not await revocations.revoked(family)
        generation = listener.generation
        # The listening connection is lost, and the revocation made meanwhile is not heard.
        await _revoke(revocation_url, family, announced=False)
        await db.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                       "datname = current_database() AND query = 'LISTEN \"hub_revoked\"'")
        for _ in range(500):
            if listener.generation > generation and listener.ready.is_set():
                break
            await asyncio.sleep(0.01)
        assert listener.generation > generation, "the listener did not reconnect"
        assert await revocations.revoked(family)


async def test_the_memory_is_bounded(db: ConnectionDatabase, live: events.Events):
    async with _revocations(db, live, limit=3) as revocations:
        families = [await _family(db) for _ in range(5)]
        for family in families:
            assert not await revocations.revoked(family)
        assert len(revocations._known) <= 3


async def _ends_within(revocations: Revocations, family: uuid.UUID, within_s: float) -> float:
    """``until_revoked`` has returned within ``within_s``; the seconds it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(revocations.until_revoked(family), timeout=within_s)
    return loop.time() - started


async def test_waiting_for_a_revocation_ends_when_it_is_heard(
        db: ConnectionDatabase, live: events.Events, revocation_url: str):
    async with _revocations(db, live, recheck_s=3600) as revocations:
        await _listening(revocations, live)
        family, other = await _family(db), await _family(db)
        waiting = asyncio.create_task(_ends_within(revocations, family, 5))
        unrelated = asyncio.create_task(revocations.until_revoked(other))
        await asyncio.sleep(0.2)
        assert not waiting.done(), "not revoked yet"
        asked = db.statements
        await _revoke(revocation_url, family)
        assert await waiting < 5
        assert db.statements == asked, "woken by what was heard, not by asking"
        await asyncio.sleep(0.1)
        assert not unrelated.done(), "another family's wait goes on"
        unrelated.cancel()
        await asyncio.wait({unrelated})
        assert not revocations._waiting, "a wait that ended (or was cancelled) is forgotten"


async def test_waiting_for_a_lost_revocation_ends_within_the_bound(
        db: ConnectionDatabase, live: events.Events, revocation_url: str):
    async with _revocations(db, live, recheck_s=1.0) as revocations:
        family = await _revoked_unheard(revocations, live, db, revocation_url)
        took = await _ends_within(revocations, family, 3)
        assert took <= 1.0 + 0.5, f"{took:.2f} s: the bound is recheck_s from the last answer"
