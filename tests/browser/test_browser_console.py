"""The console in headless Chromium against a seeded database, with every other host blocked:
sign in, the default scope said on screen, borders and legend drawn, a demand opened and
dispatched by hand to a candidate, a plan previewed (unfilled demands listed with their
reasons, and in a popup on a red ring), confirmed (the dialog says what goes to whom) and
committed; the live connection dropped and back by itself; a volunteer accepts one offer over
the API and the map marks it live; a 点单 raised at a place on the map.

Screenshots: ``test-artifacts/console-preview.png``, ``console-unfilled.png``,
``console-confirm.png``, ``console-accepted.png``, ``console-order.png``.
"""

from __future__ import annotations

import json
import re
import urllib.request

import psycopg
import pytest
from playwright.sync_api import Page

from hub.auth import issue_token
from hub.schema.node import encode_id
from hub.settings import Settings
from tests.browser.conftest import ARTIFACTS, Offline

pytestmark = pytest.mark.browser
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _busiest(db_url: str) -> tuple[str, str, str, str]:
    """(province, city, first day, last day) of the city with the most open demands."""
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT r.parent_code, r.code, "
            "to_char(min(lower(d.time_window)) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), "
            "to_char(min(lower(d.time_window)) AT TIME ZONE 'Asia/Shanghai' + interval '6 days',"
            " 'YYYY-MM-DD') FROM demand d JOIN region c ON c.code = d.region_code "
            "JOIN region r ON r.code = c.parent_code WHERE d.status = 'open' AND r.level = 'city' "
            "GROUP BY r.code, r.parent_code ORDER BY count(*) DESC, r.code LIMIT 1").fetchone()
    assert row is not None, "the seeded database has no open demand"
    return row[0], row[1], row[2], row[3]


def _wait(page: Page, script: str, timeout_ms: int = 30_000) -> None:
    # Polled on a timer, not on animation frames: software GL draws few frames a second.
    page.wait_for_function(script, timeout=timeout_ms, polling=200)


def _rendered(page: Page, *layers: str) -> int:
    count: int = page.evaluate(
        "ls => hubConsole.map.queryRenderedFeatures({layers: ls}).length", list(layers))
    return count


def _open_demand_with_candidates(page: Page) -> None:
    """Click open demands where they are drawn until one lists candidates to dispatch to."""
    spots = page.evaluate("""() => {
        const m = hubConsole.map, r = m.getCanvas().getBoundingClientRect();
        return m.queryRenderedFeatures({layers: ['demands'],
          filter: ['==', ['get', 'status'], 'open']}).slice(0, 12).map(f => {
            const p = m.project(f.geometry.coordinates);
            return [r.left + p.x, r.top + p.y]; }); }""")
    for x, y in spots:
        page.evaluate("document.getElementById('details').replaceChildren()")
        page.mouse.click(x, y)
        page.wait_for_function("document.querySelector('#candidates') && "
                               "!document.querySelector('#candidates').innerText.includes('…')")
        if page.locator("#candidates .hand-dispatch").count():
            return
    pytest.fail("no open demand in view has candidates")


def _accept_one(server: str, db_url: str, settings: Settings, city: str) -> str:
    """A volunteer accepts one of the offers just made in ``city``: over the API."""
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT x.id, x.volunteer_id FROM dispatch x JOIN demand d ON d.id = x.demand_id "
            "WHERE x.status = 'offered' AND left(d.region_code, 4) = left(%s, 4) "
            "ORDER BY x.id DESC LIMIT 1", (city,)).fetchone()
    assert row is not None, "the commit made no offer in the city"
    token = issue_token(settings, sub=encode_id("Volunteer", row[1]), role="volunteer")
    body = json.dumps({"query": "mutation($id: ID!) { acceptDispatch(input: {dispatchId: $id})"
                                " { errors { code message } } }",
                       "variables": {"id": encode_id("Dispatch", row[0])}}).encode()
    request = urllib.request.Request(server + "/graphql", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    assert answer["data"]["acceptDispatch"]["errors"] == [], answer
    return str(row[0])


def test_console_end_to_end(offline: Offline, server: str, browser_db: str,
                            settings: Settings) -> None:
    page = offline.page
    province, city, first, last = _busiest(browser_db)
    token = issue_token(settings, sub="dispatcher-e2e", role="dispatcher", region=city)
    page.on("dialog", lambda dialog: dialog.accept())  # the hand dispatch's window.confirm
    page.goto(server + "/")
    _wait(page, "document.body.dataset.ready === '1'")
    # Before signing in: the default dates are said, as YYYY-MM-DD; no region yet.
    assert DAY.match(page.input_value("#from")) and DAY.match(page.input_value("#to"))
    assert page.is_disabled("#preview")
    assert "默认" in page.inner_text("#scope")
    page.fill("#token", token)
    page.click("#signin button[type=submit]")
    # The token's city becomes the default region, said on screen with the dates.
    page.wait_for_function(f"document.getElementById('city').value === '{city}'")
    assert page.input_value("#province") == province
    assert "调度员" in page.inner_text("#who") and "dispatcher" not in page.inner_text("#panel")
    page.wait_for_selector("#live[data-state=on]")
    page.fill("#from", "2026/1/1")
    assert page.is_disabled("#preview") and "YYYY-MM-DD" in page.inner_text("#scope-hint")
    page.fill("#from", first)
    page.fill("#to", last)
    assert first in page.inner_text("#scope-hint") and page.is_enabled("#preview")
    # The legend explains every colour; borders from the shipped data are drawn.
    assert page.locator("#legend li").count() >= 10
    assert "未满足" in page.inner_text("#legend")
    _wait(page, "hubConsole.state.boundaries > 3000")
    with psycopg.connect(browser_db) as conn:
        lon, lat = conn.execute("SELECT ST_X(centroid_geom), ST_Y(centroid_geom) FROM region "
                                "WHERE code = %s", (city,)).fetchone() or (0, 0)
    page.evaluate("c => hubConsole.map.jumpTo({center: c, zoom: 9})", [lon, lat])
    _wait(page, "['demands', 'stations', 'county-borders', 'selected-outline'].every(l => "
                "hubConsole.map.queryRenderedFeatures({layers: [l]}).length > 0)")
    # A demand: its status in Chinese, candidates each with a 派单 button; one dispatched.
    _open_demand_with_candidates(page)
    status = page.inner_text("#details .status")
    assert re.search(r"[\u4e00-\u9fff]", status), status
    button = page.wait_for_selector("#candidates .hand-dispatch")
    assert button is not None
    button.click()
    page.wait_for_selector("#candidates .hand-dispatch.done")
    # Preview: lines drawn, unfilled demands listed with their reasons in Chinese.
    page.click("#preview")
    _wait(page, "hubConsole.state.plan !== null", 60_000)
    assert page.evaluate("hubConsole.state.plan.assignments.length") > 0
    _wait(page, "hubConsole.map.queryRenderedFeatures({layers: ['lines']}).length > 0")
    page.wait_for_selector("#unfilled-list li")
    unfilled = page.inner_text("#unfilled-list")
    assert not re.search(r"\b[A-Z_]{6,}\b", unfilled), unfilled  # labels, not codes
    page.screenshot(path=str(ARTIFACTS / "console-preview.png"))
    _unfilled_on_click(page)
    page.evaluate("c => hubConsole.map.jumpTo({center: c, zoom: 9})", [lon, lat])
    # Confirm: the dialog says how many offers go to whom; nothing is sent before.
    page.click("#commit")
    dialog = page.wait_for_selector("dialog#confirm[open]")
    assert dialog is not None
    assert "名志愿者" in page.inner_text("#confirm-text")
    assert page.locator("#confirm-offers tr").count() > 0
    page.screenshot(path=str(ARTIFACTS / "console-confirm.png"))
    page.click("#confirm-go")
    committed = page.wait_for_selector(".committed", timeout=60_000)
    assert committed is not None and int(committed.get_attribute("data-offered") or 0) > 0
    # Live updates come back by themselves when the connection drops.
    connections = page.evaluate("hubConsole.state.liveConnections")
    page.evaluate("hubConsole.live.socket().close()")
    _wait(page, f"hubConsole.state.liveConnections > {connections}", 15_000)
    # A volunteer accepts: the live log says so and the map marks the demand.
    _accept_one(server, browser_db, settings, city)
    page.wait_for_selector("#live-log li[data-state=accepted]", timeout=30_000)
    assert "已接单" in page.inner_text("#live-log")
    # The mark is drawn where the demand is: look there (the accepted offer's demand may lie
    # outside the city view, depending on which demands the week's plan offered).
    _wait(page, "hubConsole.state.accepted.size > 0")
    page.evaluate("() => hubConsole.map.jumpTo({center: "
                  "[...hubConsole.state.accepted.values()][0].geometry.coordinates, zoom: 9})")
    _wait(page, "hubConsole.map.queryRenderedFeatures({layers: ['accepted']}).length > 0")
    page.screenshot(path=str(ARTIFACTS / "console-accepted.png"))
    _raise_demand(page, first)
    assert not offline.elsewhere, offline.elsewhere
    assert not offline.errors, offline.errors


def _unfilled_on_click(page: Page) -> None:
    """An unfilled demand's red ring, clicked, says why in a popup."""
    page.click("#unfilled-list li.clickable")
    _wait(page, "hubConsole.map.loaded() && "
                "hubConsole.map.queryRenderedFeatures({layers: ['unfilled']}).length > 0")
    x, y = page.evaluate("""() => {
        const m = hubConsole.map, r = m.getCanvas().getBoundingClientRect();
        const c = m.project(m.getCenter());
        const [f] = m.queryRenderedFeatures({layers: ['unfilled']}).sort((a, b) =>
          m.project(a.geometry.coordinates).dist(c) - m.project(b.geometry.coordinates).dist(c));
        const p = m.project(f.geometry.coordinates);
        return [r.left + p.x, r.top + p.y]; }""")
    page.mouse.click(x, y)
    reason = page.wait_for_selector(".maplibregl-popup .reason")
    assert reason is not None and re.search(r"[\u4e00-\u9fff]", reason.inner_text())
    page.screenshot(path=str(ARTIFACTS / "console-unfilled.png"))
    page.evaluate("document.querySelector('.maplibregl-popup-close-button').click()")


def _raise_demand(page: Page, day: str) -> None:
    """点单: a place clicked on the map, at the nearest station, for a day and hours."""
    page.click("#order summary")
    page.fill("#order-title", "社区防汛应急科普讲座")
    page.select_option("#order-category", "emergency")
    page.fill("#order-date", day)
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('order-station').options.length > 1")
    page.select_option("#order-station", index=1)
    page.click("#order-form button[type=submit]")
    done = page.wait_for_selector("#order-result.done", timeout=30_000)
    assert done is not None and "社区防汛应急科普讲座" in done.inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-order.png"))
