"""The 看板's other screens in headless Chromium (every other host blocked), each checked
against the API's figures: the region picker (a city dispatcher's own city by default, a county
picked below it); monthly trend lines (regionSeries) and any officeMeasure on the map
(regionMeasure); 星级 — volunteers filtered by stars, one's star history, a team's figures
against the star rules; 试点 — a county pilot created and its funding date changed; 主题活动 —
activities and demands tagged with an edition and its figures; 覆盖选址 — a stored plan read
again by its number; 评选 — a published list downloaded as .xlsx and as CSV.

Screenshots: ``test-artifacts/console-dashboard-more-*.png``.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from playwright.sync_api import Page

from hub.auth import issue_token
from hub.settings import Settings
from tests.browser.conftest import ARTIFACTS, Offline
from tests.browser.hub_api import call, no_keys, open_dashboard, query

pytestmark = pytest.mark.browser
CITY = "410300000000"  # 洛阳市
COUNTY = "410311000000"  # 洛龙区: its seeded records and activities
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"console-dashboard-more-{name}.png"))


def _world(server: str, admin: str) -> dict[str, str]:
    """An edition of 三下乡 around today; a county round published with one place; a plan."""
    edition = call(server, admin, """mutation E($input: SaveCampaignEditionInput!) {
        saveCampaignEdition(input: $input) { edition { id } errors { code field } } }""",
                   {"input": {"campaign": "three_to_countryside", "year": TODAY.year,
                              "startsOn": str(TODAY - timedelta(days=40)),
                              "endsOn": str(TODAY + timedelta(days=20))}})["edition"]["id"]
    rid = call(server, admin, """mutation R($input: OpenRecognitionRoundInput!) {
        openRecognitionRound(input: $input) { round { id } errors { code field } } }""",
               {"input": {"award": "EXCELLENT", "level": "COUNTY", "regionCode": COUNTY,
                          "year": TODAY.year, "categories": ["VOLUNTEER"], "places": 1}}
               )["round"]["id"]
    best = query(server, admin, """query C($id: Int!) { recognitionRound(id: $id) {
        candidates(category: VOLUNTEER, first: 1) { candidates { subjectId name } } } }""",
                 {"id": rid})["recognitionRound"]["candidates"]["candidates"][0]
    nomination = call(server, admin, """mutation N($input: NominateForRecognitionInput!) {
        nominateForRecognition(input: $input) { nomination { id } errors { code field } } }""",
                      {"input": {"roundId": rid, "category": "VOLUNTEER",
                                 "subjectId": best["subjectId"]}})["nomination"]["id"]
    call(server, admin, """mutation V($input: ReviewRecognitionNominationInput!) {
        reviewRecognitionNomination(input: $input) { errors { code field } } }""",
         {"input": {"nominationId": nomination, "accept": True, "reason": "时长核实"}})
    call(server, admin, """mutation P($input: PublishRecognitionRoundInput!) {
        publishRecognitionRound(input: $input) { errors { code field } } }""",
         {"input": {"roundId": rid}})
    plan = call(server, admin, """mutation C($input: PlanCoverageInput!) {
        planCoverage(input: $input) { plan { id } errors { code field } } }""",
                {"input": {"regionCode": CITY, "radiusKm": 1, "sites": 2, "timeLimitS": 10}}
                )["plan"]["id"]
    return {"edition": edition, "round": str(rid), "winner": best["name"], "plan": plan}


def _trends_and_map(page: Page, server: str, token: str) -> None:
    page.wait_for_selector("#dash-trends canvas[data-values]")
    assert page.locator("#dash-trends canvas").count() == 2  # hours, active volunteers
    shown = json.loads(page.get_attribute("#dash-trends canvas[data-measure=SERVICE_HOURS]",
                                          "data-values") or "[]")
    frm, to = page.input_value("#dash-from"), page.input_value("#dash-to")
    api = query(server, token, """query S($c: String!, $f: Date!, $t: Date!) {
        regionSeries(regionCode: $c, measures: [SERVICE_HOURS], from: $f, to: $t) {
        series { values } } }""", {"c": CITY, "f": frm, "t": to})
    assert shown == api["regionSeries"]["series"][0]["values"]
    assert len(shown) == 12 and sum(v or 0 for v in shown) > 0
    assert page.evaluate("document.querySelector('#dash-trends canvas').toDataURL().length") > 5000
    page.select_option("#dash-measure", "SERVICE_HOURS")
    page.wait_for_function("document.querySelector('#dash-legend').dataset.measure === "
                           "'SERVICE_HOURS'")
    values = [c["value"] for c in query(server, token, """query M($c: String!, $f: Date!,
        $t: Date!) { regionMeasure(regionCode: $c, measure: SERVICE_HOURS, from: $f, to: $t) {
        children { value } } }""", {"c": CITY, "f": frm, "t": to})["regionMeasure"]["children"]]
    known = [v for v in values if v is not None]
    legend = page.locator("#dash-legend")
    assert float(legend.get_attribute("data-max") or "nan") == max(known)
    assert float(legend.get_attribute("data-min") or "nan") == min(known)
    assert "服务时长" in legend.inner_text() or "小时" in legend.inner_text()
    page.wait_for_function("hubConsole.map.loaded()", polling=200)
    page.locator("#dash-trends").scroll_into_view_if_needed()
    _shot(page, "trends")


def _stars(page: Page, server: str, token: str) -> None:
    page.click("#dash-subs button[data-sub=stars]")
    page.wait_for_selector("#dash-stars[data-kind=volunteer] tr[data-id]")
    api = query(server, token, """query V($c: String!) { volunteers(first: 100,
        filter: {regionCode: $c}) { edges { node { id stars totalHours } } } }""", {"c": CITY})
    by = {e["node"]["id"]: e["node"] for e in api["volunteers"]["edges"]}
    assert page.locator("#dash-stars tr[data-id]").count() == len(by)
    page.select_option("#dash-star-min", "1")
    starred = [v for v in by.values() if v["stars"] >= 1]
    assert page.locator("#dash-stars tr[data-id]").count() == len(starred) > 0
    first = page.locator("#dash-stars tr[data-id]").first
    vid = first.get_attribute("data-id") or ""
    assert int(first.get_attribute("data-stars") or "0") == max(v["stars"] for v in starred)
    first.locator("a").click()
    page.wait_for_selector("#dash-star-detail .star-history tr.pass")
    passed = page.locator("#dash-star-detail .star-history tbody tr.pass").count()
    assert passed == by[vid]["stars"]
    _shot(page, "stars")
    page.select_option("#dash-star-kind", "team")
    page.select_option("#dash-star-min", "0")
    page.wait_for_selector("#dash-stars[data-kind=team] tr[data-id]")
    page.locator("#dash-stars tr[data-id] a").first.click()
    page.wait_for_selector("#dash-star-detail .star-rules tbody tr")
    assert page.locator("#dash-star-detail .star-rules tbody tr").count() == 5


def _pilots(page: Page, server: str, token: str) -> None:
    page.select_option("#dash-pick-county", COUNTY)
    page.wait_for_function("document.querySelector('#dash-total').textContent.startsWith('洛龙区')")
    page.click("#dash-subs button[data-sub=pilots]")
    page.wait_for_selector("#dash-pilots .note, #dash-pilots article")
    page.fill("#dash-pilot-new [name=fundedOn]", str(TODAY - timedelta(days=100)))
    page.click("#dash-pilot-new button[type=submit]")
    page.wait_for_selector("#dash-pilots article[data-pilot-id]")
    card = page.locator("#dash-pilots article").first
    assert "县级试点" in card.inner_text() and "teams" not in card.inner_text()
    card.locator("details.edit summary").click()
    card.locator("[name=fundedOn]").fill(str(TODAY - timedelta(days=90)))
    card.locator("button[type=submit]").click()
    page.wait_for_function(
        f"document.querySelector('#dash-pilots .funded').textContent === "
        f"'{TODAY - timedelta(days=90)}'")
    api = query(server, token, """query P($c: String!) { scorecard(regionCode: $c) {
        pilot { fundedOn pilotType } items { passed } } }""", {"c": COUNTY})["scorecard"]
    assert [c["pilot"]["fundedOn"] for c in api] == [str(TODAY - timedelta(days=90))]
    items = page.inner_text("#dash-pilots .items")
    assert items.startswith(f"{sum(i['passed'] for i in api[0]['items'])}/{len(api[0]['items'])}")
    _shot(page, "pilots")


def _campaigns(page: Page, server: str, token: str, edition: str) -> None:
    page.click("#dash-subs button[data-sub=campaigns]")
    page.select_option("#dash-campaign", "three_to_countryside")
    page.wait_for_selector(f"#dash-taggable[data-edition='{edition}'][data-code='{COUNTY}'] "
                           "input[type=checkbox]")
    boxes = page.locator("#dash-taggable input[type=checkbox]")
    picked = min(boxes.count(), 3)
    for i in range(picked):
        boxes.nth(i).check()
    page.fill("#dash-people", "40")
    page.click("#dash-tag button[type=submit]")
    page.wait_for_function("document.querySelector('#dash-tag-done').textContent.length > 0")
    assert str(picked) in page.inner_text("#dash-tag-done")
    stats = query(server, token, """query S($id: ID!, $c: String) { campaignStats(editionId: $id,
        regionCode: $c) { activities demands peopleServed } }""",
                  {"id": edition, "c": COUNTY})["campaignStats"]
    assert stats["activities"] + stats["demands"] == picked
    page.wait_for_function("document.querySelector('#dash-edition-stats [data-figure=peopleServed]"
                           f" b').textContent === '{stats['peopleServed']}'")
    assert stats["peopleServed"] == 40 * picked
    assert page.evaluate("document.querySelector('#dash-line').toDataURL().length") > 5000
    _shot(page, "campaigns")


def _coverage_and_export(page: Page, world: dict[str, str]) -> None:
    page.select_option("#dash-pick-county", "")  # back to the city
    page.wait_for_function("document.querySelector('#dash-total').textContent.startsWith('洛阳')")
    page.click("#dash-subs button[data-sub=coverage]")
    page.fill("#dash-plan-id", world["plan"])
    page.click("#dash-plan-reload button[type=submit]")
    page.wait_for_function(f"document.querySelector('#dash-plan-summary').dataset.plan === "
                           f"{world['plan']!r}")
    assert page.input_value("#dash-sites") == "2"
    page.click("#dash-subs button[data-sub=rounds]")
    page.locator(f"#dash-rounds li[data-round='{world['round']}'] a").click()
    page.wait_for_selector("#dash-rounds .export-xlsx")
    with page.expect_download() as got:
        page.click("#dash-rounds .export-xlsx")
    book = openpyxl.load_workbook(io.BytesIO(got.value.path().read_bytes()))
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    assert world["winner"] in cells
    with page.expect_download() as got:
        page.click("#dash-rounds .export-csv")
    assert got.value.suggested_filename.endswith(".csv")
    text = got.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("类别 Category,名次 Place")
    assert f",1,{world['winner']}," in text.splitlines()[1]
    _shot(page, "export")


def test_dashboard_picker_trends_stars_pilots_campaigns_export(
        offline: Offline, server: str, settings: Settings) -> None:
    page = offline.page
    world = _world(server, issue_token(settings, sub="admin-dash-2", role="admin"))
    token = issue_token(settings, sub="dispatcher-dash-2", role="dispatcher", region=CITY)
    page.set_default_timeout(60_000)
    open_dashboard(page, server, token)
    page.wait_for_function("document.querySelector('#dash-total').textContent.includes('洛阳')")
    page.wait_for_function(f"document.querySelector('#dash-pick-city').value === '{CITY}'")
    assert page.is_disabled("#dash-pick-province")
    _trends_and_map(page, server, token)
    _stars(page, server, token)
    _pilots(page, server, token)
    _campaigns(page, server, token, world["edition"])
    _coverage_and_export(page, world)
    page.click("#lang")  # every screen in English, no key left untranslated
    for sub in ("stars", "pilots", "campaigns", "coverage", "rounds", "overview"):
        page.click(f"#dash-subs button[data-sub={sub}]")
        no_keys(page, "#tab-dashboard")
    page.click("#dash-subs button[data-sub=pilots]")
    page.wait_for_selector("#dash-pilots article")
    assert "county pilot" in page.inner_text("#dash-pilots")
    _shot(page, "pilots-en")
    assert offline.elsewhere == []
    assert offline.errors == []
