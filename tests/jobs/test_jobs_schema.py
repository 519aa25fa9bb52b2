"""The queue's schema comes with the hub's migrations (procrastinate's, at the installed
version, recorded), upgrades pick the library's migration files of later releases, a database
ahead of the code is refused; jobs deferred inside a hub transaction commit or roll back with
it (what the outbox will rely on); /metrics counts jobs by state."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import procrastinate
import psycopg
import pytest
from procrastinate.schema import SchemaManager
from starlette.testclient import TestClient

from hub.app import create_app
from hub.db import queue_schema
from hub.db.migrate import MigrationError, migrate
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.jobs.conftest import FAST, a_worker


def test_a_migrated_database_holds_the_installed_schema_and_its_version(jobs_url: str):
    with psycopg.connect(jobs_url) as conn:
        row = conn.execute("SELECT obj_description('procrastinate_jobs'::regclass, "
                           "'pg_class')").fetchone()
    assert row == (f"procrastinate {procrastinate.__version__}",)
    assert migrate(jobs_url) == []  # nothing more to apply


def test_an_upgrade_applies_the_migrations_of_later_releases_in_order():
    names = [p.name for p in Path(SchemaManager.get_migrations_path()).glob("*.sql")]
    chosen = queue_schema.pending_migrations(names, applied=(3, 2, 0), installed=(3, 4, 0))
    assert chosen == ["03.03.00_01_pre_priority_lock_fetch_job.sql",
                      "03.04.00_01_pre_add_retry_failed_job_procedure.sql",
                      "03.04.00_50_post_add_retry_failed_job_procedure.sql"]
    assert queue_schema.pending_migrations(names, applied=(3, 4, 0), installed=(3, 4, 0)) == []
    assert queue_schema.version_of("3.10.0") == (3, 10, 0)
    assert queue_schema.version_of("4.0.0rc1") == (4, 0, 0)


def test_a_database_ahead_of_the_installed_library_is_refused(jobs_url: str):
    mark = f"procrastinate {procrastinate.__version__}"
    with psycopg.connect(jobs_url, autocommit=True) as conn:
        conn.execute("COMMENT ON TABLE procrastinate_jobs IS 'procrastinate 99.0.0'")
        try:
            with pytest.raises(MigrationError, match="newer than the installed"):
                migrate(jobs_url)
        finally:
            conn.execute(f"COMMENT ON TABLE procrastinate_jobs IS '{mark}'")


async def test_a_job_deferred_in_a_transaction_commits_or_rolls_back_with_it(
        settings: Settings, empty_queue: str):
    fast = replace(settings, jobs=FAST)
    async with a_worker(empty_queue, fast, periodic=False) as w:
        w.app.task(name="test.deliver")(_deliver)
        async with await psycopg.AsyncConnection.connect(empty_queue) as conn:
            db = ConnectionDatabase(conn)
            with pytest.raises(RuntimeError, match="the change failed"):
                async with db.transaction():
                    await w.app.configure_task("test.deliver", connection=conn).defer_async(
                        event=1)
                    raise RuntimeError("the change failed")
            async with db.transaction():
                await w.app.configure_task("test.deliver", connection=conn).defer_async(
                    event=2)
        jobs = await w.app.job_manager.list_jobs_async(task="test.deliver")
        assert [job.task_kwargs for job in jobs] == [{"event": 2}]


async def _deliver(event: int) -> None:
    """A stand-in for a delivery job."""


def test_metrics_count_the_jobs_by_state(settings: Settings, empty_queue: str,
                                         jobs_url: str):
    with psycopg.connect(jobs_url, autocommit=True) as conn:
        conn.execute("INSERT INTO procrastinate_jobs (queue_name, task_name, status) "
                     "VALUES ('periodic', 'hub.expire_offers', 'failed'), "
                     "('periodic', 'hub.expire_offers', 'todo'), "
                     "('periodic', 'hub.expire_claims', 'todo')")
    with TestClient(create_app(settings, database_url=empty_queue)) as client:
        text = client.get("/metrics").text
    assert 'hub_jobs{state="failed"} 1.0' in text
    assert 'hub_jobs{state="todo"} 2.0' in text
    assert 'hub_jobs{state="doing"} 0.0' in text
