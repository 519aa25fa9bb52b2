"""The console in headless Chromium against a seeded database: features drawn, a demand opened
with its candidates, a dispatch previewed (assignment lines drawn) and committed.

Runs Debian's chromium (``/usr/bin/chromium``) through Playwright; a missing browser fails the
test. The server is uvicorn in a thread on a free port, over a copy of the seeded database
(the commit writes). The screenshot is saved as ``test-artifacts/console.png``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright

from hub.app import create_app
from hub.auth import issue_token
from hub.settings import PROJECT_ROOT, Settings
from tests.conftest import as_app, suffixed_db_name, with_dbname

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
COPY_DB = suffixed_db_name("hub_test_browser")


@pytest.fixture(scope="module")
def browser_db(seeded_url: str) -> str:
    """A copy of the seeded database that this test may commit to."""
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


@pytest.fixture(scope="module")
def server(browser_db: str, settings: Settings) -> Iterator[str]:
    """The hub on 127.0.0.1:<free port>, served by uvicorn in a thread."""
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


def _busiest(db_url: str) -> tuple[str, str]:
    """(province, city) codes with the most open demands."""
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT r.code, r.parent_code FROM demand d JOIN region c ON c.code = d.region_code "
            "JOIN region r ON r.code = c.parent_code WHERE d.status = 'open' AND r.level = 'city' "
            "GROUP BY r.code, r.parent_code ORDER BY count(*) DESC, r.code LIMIT 1").fetchone()
    assert row is not None, "the seeded database has no open demand"
    return row[1], row[0]


def _wait(page: Page, script: str, timeout_ms: int = 30_000) -> None:
    page.wait_for_function(script, timeout=timeout_ms)


def test_console_end_to_end(server: str, browser_db: str, settings: Settings) -> None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/setup.sh does)")
    province, city = _busiest(browser_db)
    token = issue_token(settings, sub="dispatcher-e2e", role="dispatcher", region=province)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            page.goto(server + "/")
            page.fill("#token", token)
            page.click("#signin button[type=submit]")
            _wait(page, "document.body.dataset.ready === '1'")
            page.wait_for_selector(f"#province option[value='{province}']", state="attached")
            page.select_option("#province", province)
            page.wait_for_selector(f"#city option[value='{city}']", state="attached")
            page.select_option("#city", city)
            page.evaluate("c => hubConsole.map.jumpTo({center: c, zoom: 9})",
                          _city_centre(browser_db, city))
            # Features drawn: stations, demands and volunteers from the vector tiles.
            _wait(page, "['demands', 'stations'].every(l => "
                        "hubConsole.map.queryRenderedFeatures({layers: [l]}).length > 0) && "
                        "hubConsole.map.queryRenderedFeatures({layers: ['volunteer-cells', "
                        "'volunteer-points']}).length > 0")
            # Open a demand: click it where it is drawn.
            x, y = page.evaluate("""() => {
                const m = hubConsole.map, f = m.queryRenderedFeatures({layers: ['demands']})[0];
                const p = m.project(f.geometry.coordinates);
                const r = m.getCanvas().getBoundingClientRect();
                return [r.left + p.x, r.top + p.y]; }""")
            page.mouse.click(x, y)
            page.wait_for_selector("#details h2")
            page.wait_for_selector("#candidates li")
            # Preview a dispatch of the region in view: assignment lines appear.
            page.click("#preview")
            _wait(page, "hubConsole.state.plan !== null", 60_000)
            assert page.evaluate("hubConsole.state.plan.lines.features.length") > 0
            _wait(page, "hubConsole.map.queryRenderedFeatures({layers: ['lines']}).length > 0")
            page.click("#commit")
            committed = page.wait_for_selector(".committed", timeout=60_000)
            assert committed is not None
            assert int(committed.get_attribute("data-offered") or 0) > 0
            # Live dispatch states: connected, or reported unavailable, never a broken page.
            _wait(page, "document.getElementById('live').textContent.length > 0")
            page.screenshot(path=str(ARTIFACTS / "console.png"))
        finally:
            browser.close()
    assert not errors, errors


def _city_centre(db_url: str, city: str) -> list[float]:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT ST_X(centroid_geom), ST_Y(centroid_geom) FROM region "
                           "WHERE code = %s", (city,)).fetchone()
    assert row is not None
    return [row[0], row[1]]
