"""The hub in a thread and headless Chromium for the browser tests.

Runs Debian's chromium (``/usr/bin/chromium``) through Playwright; a missing browser fails the
test. The server is uvicorn in a thread on a free port, over a copy of the seeded database
(the tests write). Every page blocks requests to any other host and records them, so a test
can assert that nothing was asked of another host.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Route, sync_playwright

from hub.app import create_app
from hub.settings import PROJECT_ROOT, Settings
from tests.conftest import as_app, suffixed_db_name, with_dbname

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
COPY_DB = suffixed_db_name("hub_test_browser")


@pytest.fixture(scope="session")
def browser_db(seeded_url: str) -> str:
    """A copy of the seeded database that the browser tests may commit to."""
    source = psycopg.conninfo.conninfo_to_dict(seeded_url)["dbname"]
    with psycopg.connect(with_dbname(seeded_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{COPY_DB}" WITH (FORCE)')
        for _ in range(50):  # the template must have no other sessions for a moment
            # Idle sessions of earlier tests (pools, the LISTEN connection) would block it.
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (source,))
            try:
                conn.execute(f'CREATE DATABASE "{COPY_DB}" TEMPLATE "{source}"')
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)
        else:
            pytest.fail(f"could not copy {source}: it stays in use")
    return with_dbname(seeded_url, COPY_DB)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(settings: Settings, browser_db: str) -> Iterator[str]:
    """The hub on 127.0.0.1:<free port>, served by uvicorn in a thread, until closed."""
    port = _free_port()
    app = create_app(settings, database_url=as_app(browser_db))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            ws="websockets-sansio")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(browser_db: str, settings: Settings) -> Iterator[str]:
    """The hub on 127.0.0.1:<free port>, served by uvicorn in a thread."""
    yield from serve(settings, browser_db)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one module's tests. Not kept for the session: Playwright's sync API runs
    an event loop of its own in this thread, which the asyncio tests after it cannot share."""
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/setup.sh does)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Offline:
    """A page whose requests to other hosts are refused, and what it asked of them."""

    page: Page
    elsewhere: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def offline(browser: Browser, server: str, request: pytest.FixtureRequest) -> Iterator[Offline]:
    """A fresh page on the hub: requests to any other origin are aborted and recorded. The
    page as it was at the end is saved as ``test-artifacts/<test>-last.png``."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    seen = Offline(page)

    def route(r: Route) -> None:
        if r.request.url.startswith((server + "/", "data:", "blob:")):
            r.continue_()
        else:
            seen.elsewhere.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    try:
        yield seen
    finally:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-last.png"))
        context.close()
