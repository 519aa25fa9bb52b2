"""The console's 看板 (dashboard) tab in headless Chromium with every other host blocked: a
city dispatcher's pilot scorecard (target, actual, pass/fail, the "why not" lists) with a
drill-down to a county and back; a choropleth of the counties for a measure, with its legend;
bars per county and a campaign's figures per edition (Chart.js); the coverage map with a
plan's proposed sites and each one's marginal gain in a popup; a recognition round's ranked
candidates nominated, a nomination refused without a reason then accepted, the list published.

Screenshots: ``test-artifacts/console-dashboard-*.png``.
"""

from __future__ import annotations

import re

import psycopg
import pytest

from hub.auth import issue_token
from hub.settings import Settings
from tests.browser.conftest import ARTIFACTS, Offline
from tests.browser.hub_api import call, no_keys, open_dashboard

pytestmark = pytest.mark.browser
CITY = "410300000000"  # Luoyang: the seeded city with the most service records
COUNTY = "410302000000"  # 老城区: a county round ranks from records (a city's from county lists)


def _world(server: str, settings: Settings, db_url: str) -> None:
    """A pilot for the city (funded 2026-06-01: the seeded activities of next week do not
    count yet), two editions of a campaign, an open county round; a dozen demands
    of last month some km from the seeded ones (all raised at stations, so all covered)."""
    with psycopg.connect(db_url) as conn:
        conn.execute("""
            INSERT INTO demand (title, category, needed, time_window, location_geom,
                                region_code, raised_by)
            SELECT '远离站点的需求 ' || d.id, d.category, 1,
                   tstzrange(now() - interval '30 days', now() - interval '29 days 22 hours'),
                   ST_Translate(d.location_geom, 0.05 + (d.id %% 5) * 0.02, 0.03), d.region_code,
                   't'
            FROM demand d WHERE d.region_code LIKE '4103%%' AND d.region_code <> %s
            ORDER BY d.id LIMIT 12""", (CITY,))
    admin = issue_token(settings, sub="admin-dash-1", role="admin")
    call(server, admin, """mutation P($input: CreatePilotInput!) { createPilot(input: $input) {
        pilot { id } errors { code field } } }""",
          {"input": {"regionCode": CITY, "fundedOn": "2026-06-01"}})
    for year in (2025, 2026):
        call(server, admin, """mutation E($input: SaveCampaignEditionInput!) {
            saveCampaignEdition(input: $input) { edition { id } errors { code field } } }""",
              {"input": {"campaign": "lei_feng_day", "year": year}})
    call(server, admin, """mutation R($input: OpenRecognitionRoundInput!) {
        openRecognitionRound(input: $input) { errors { code field } } }""",
          {"input": {"award": "EXCELLENT", "level": "COUNTY", "regionCode": COUNTY, "year": 2026,
                     "categories": ["VOLUNTEER", "TEAM"], "places": 3}})


def test_dashboard_scorecard_map_charts_coverage_and_round(
        offline: Offline, server: str, settings: Settings, browser_db: str) -> None:
    page = offline.page
    _world(server, settings, browser_db)
    token = issue_token(settings, sub="dispatcher-dash-1", role="dispatcher", region=CITY)
    page.set_default_timeout(90_000)
    open_dashboard(page, server, token)

    # Scorecard: the city's pilot, each item with target, actual and pass/fail.
    page.wait_for_selector("#dash-cards .scorecard")
    rows = page.locator("#dash-cards .scorecard tr[data-item]")
    assert rows.count() >= 3
    first = rows.first.inner_text()
    assert re.search(r"\d+\s+\d+\s+(达标|未达标)", first), first
    assert "洛阳" in page.inner_text("#dash-total")
    assert page.locator("#dash-children tr[data-code]").count() >= 5  # Luoyang's counties
    # Activities of the coming week do not count yet: the "why not" list says so.
    why = page.locator("#dash-cards details.why-not").first
    why.locator("summary").click()
    why.locator("li").first.wait_for()
    assert "尚未举行" in why.inner_text()
    page.wait_for_function("document.querySelector('#dash-legend').dataset.drawn > 0")
    page.wait_for_function("hubConsole.map.loaded()", polling=200)
    page.screenshot(path=str(ARTIFACTS / "console-dashboard-scorecard.png"))

    # Choropleth: the counties filled for another measure (officeMeasures), the legend says
    # which; the fill-rate gap needs an equity query per county.
    page.select_option("#dash-measure", "PRIORITY_FILL_RATE")
    page.wait_for_function("document.querySelector('#dash-legend').dataset.measure === "
                           "'PRIORITY_FILL_RATE'")
    assert "老少边贫" in page.inner_text("#dash-legend")
    page.select_option("#dash-measure", "gap")
    page.wait_for_function("document.querySelector('#dash-legend').textContent.includes('满足率差')")
    page.select_option("#dash-measure", "uncovered")
    page.wait_for_function("document.querySelector('#dash-legend').textContent.includes('覆盖')")
    page.fill("#dash-radius", "1")  # a station's reach of 1 km leaves demands beyond it
    page.dispatch_event("#dash-radius", "change")
    page.wait_for_function("hubConsole.map.loaded()", polling=200)
    filled = page.evaluate(
        "hubConsole.map.queryRenderedFeatures({layers: ['dash-choropleth']}).length")
    assert filled >= 5
    assert page.evaluate("document.querySelector('#dash-bars').toDataURL().length") > 5000
    page.screenshot(path=str(ARTIFACTS / "console-dashboard-choropleth.png"))

    # Coverage: a plan's sites drawn, each one's gain in its popup.
    page.click("#dash-subs button[data-sub=coverage]")
    page.fill("#dash-plan-radius", "1")
    page.fill("#dash-sites", "3")
    page.click("#dash-plan button[type=submit]")
    page.wait_for_function("document.querySelector('#dash-chosen li') || "
                           "document.querySelector('#dash-plan-error').textContent")
    assert page.inner_text("#dash-plan-error") == ""
    assert "#" in page.inner_text("#dash-plan-summary")
    site = page.evaluate("""() => {
        const li = document.querySelector('#dash-chosen li').dataset;
        hubConsole.map.jumpTo({center: [Number(li.lon), Number(li.lat)], zoom: 11});
        return li; }""")
    page.wait_for_function("hubConsole.map.loaded()", polling=200)
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".maplibregl-popup .gain")
    assert page.inner_text(".maplibregl-popup .gain") == str(site["gain"])
    page.screenshot(path=str(ARTIFACTS / "console-dashboard-coverage.png"))

    # Recognition: a city round opened here (the county's was opened through the API); the
    # county's best candidate nominated, a reason required to decide, accepted, published.
    page.click("#dash-subs button[data-sub=rounds]")
    page.wait_for_selector("#dash-rounds li[data-round]")
    # Other browser tests on this database may have opened rounds too: one more than before.
    before = page.locator("#dash-rounds li[data-round]").count()
    page.select_option("#dash-rounds .open-round [name=award]", "TOP_TEN")
    page.click("#dash-rounds .open-round button[type=submit]")
    page.wait_for_function(
        "n => document.querySelectorAll('#dash-rounds li[data-round]').length === n",
        arg=before + 1)
    assert "四个十佳" in page.inner_text("#dash-rounds .rounds")
    page.locator("#dash-rounds li[data-round]", has_text="老城区").locator("a").click()
    page.wait_for_selector("#dash-rounds .candidates li")
    best = page.locator("#dash-rounds .candidates li").first
    assert "时长" in best.inner_text()
    best.locator(".statement").fill("服务时长全区第一")
    best.locator(".nominate").click()
    page.wait_for_selector("#dash-rounds .nominations li[data-decision=pending]")
    nomination = page.locator("#dash-rounds .nominations li").first
    nomination.locator(".accept").click()
    assert "原因" in nomination.locator(".form-error").inner_text()
    nomination.locator(".reason").fill("事迹突出，时长核实")
    nomination.locator(".accept").click()
    page.wait_for_selector("#dash-rounds .nominations li[data-decision=accepted]")
    page.click("#dash-rounds .publish")
    page.wait_for_selector("#dash-rounds .awards li")
    page.screenshot(path=str(ARTIFACTS / "console-dashboard-rounds.png"))

    # Drill down to a county and back up.
    page.click("#dash-subs button[data-sub=overview]")
    county = page.locator("#dash-children tr[data-code]").first
    name = county.locator("a").inner_text()
    county.locator("a").click()
    page.wait_for_function(f"document.querySelector('#dash-total').textContent.startsWith({name!r})")
    assert page.is_visible("#dash-up")
    page.click("#dash-up")
    page.wait_for_function("document.querySelector('#dash-total').textContent.includes('洛阳')")

    page.click("#lang")
    page.wait_for_function(
        "document.querySelector('#dash-total').textContent.includes('pilots passed')")
    no_keys(page, "#tab-dashboard")
    page.screenshot(path=str(ARTIFACTS / "console-dashboard-en.png"))
    assert offline.elsewhere == []
    assert offline.errors == []
