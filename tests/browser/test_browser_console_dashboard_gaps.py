"""What the 看板 shows since the API tells it more (issue 16.8), in headless Chromium (every other
host blocked), each screen against the API: a team's star history (the day each level was
first reached, starHistory) after the county's star rules changed; the county's projects by
the projects' regionCode filter; the activities and demands tagged with an edition already
marked in the tagging list, and one more tagged from it; recognition rounds listed by their
division's name.

Screenshots: ``test-artifacts/console-dashboard-gaps-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
RULES = """mutation S($input: SaveStarRulesInput!) { saveStarRules(input: $input) {
  errors { code field } } }"""
LADDER = [{"stars": 1, "hours": 1, "activities": 1, "volunteers": 1},
          {"stars": 2, "hours": 10, "activities": 2, "volunteers": 2},
          {"stars": 3, "hours": 40, "activities": 3, "volunteers": 3},
          {"stars": 4, "hours": 5000, "activities": 50, "volunteers": 50},
          {"stars": 5, "hours": 90000, "activities": 900, "volunteers": 900}]


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"console-dashboard-gaps-{name}.png"))


@pytest.fixture
def admin(server: str, settings: Settings) -> Iterator[str]:
    """An admin's token; the county's own star rules (a lower ladder) while the test runs."""
    token = issue_token(settings, sub="admin-dash-gaps", role="admin")
    call(server, token, RULES, {"input": {"scope": COUNTY[:6], "subject": "organization",
                                          "rules": LADDER}})
    try:
        yield token
    finally:  # the county inherits Henan's or the national rules again
        call(server, token, RULES, {"input": {"scope": COUNTY[:6], "subject": "organization",
                                              "rules": []}})


def _team_history(page: Page, server: str, token: str) -> None:
    page.click("#dash-subs button[data-sub=stars]")
    page.select_option("#dash-star-kind", "team")
    page.wait_for_selector("#dash-stars[data-kind=team] tr[data-id]")
    page.select_option("#dash-star-min", "1")
    first = page.locator("#dash-stars tr[data-id]").first
    team = first.get_attribute("data-id") or ""
    first.locator("a").click()
    page.wait_for_selector(f"#dash-star-detail[data-id='{team}'] .star-rules td.reached")
    api = query(server, token, """query T($id: ID!) { node(id: $id) { ... on Organization {
        stars { stars } starHistory { stars reachedOn } } } }""", {"id": team})["node"]
    assert api["stars"]["stars"] >= 1
    shown = {int(r.get_attribute("data-level") or "0"): r.locator("td.reached").inner_text()
             for r in page.locator("#dash-star-detail .star-rules tbody tr").all()}
    assert len(shown) == len(LADDER)
    reached = {h["stars"]: h["reachedOn"] for h in api["starHistory"]}
    for level, text in shown.items():
        if level not in reached:
            assert text == "尚未达到", (level, text)
        else:
            day = reached[level] or "记录开始前已达到"
            assert text.startswith(day), (level, text)
    # The county's new ladder raised it today: at least one level carries today's date.
    assert str(TODAY) in shown.values() or any(v.startswith(str(TODAY)) for v in shown.values())
    _shot(page, "team-history")
    page.select_option("#dash-star-kind", "project")
    page.select_option("#dash-star-min", "0")
    page.wait_for_selector("#dash-stars[data-kind=project] tr[data-id], "
                           "#dash-stars[data-kind=project]:empty")
    projects = query(server, token, """query P($c: String!) { projects(first: 100,
        filter: {regionCode: $c}) { totalCount edges { node { id } } } }""",
                     {"c": COUNTY})["projects"]
    ids = [r.get_attribute("data-id") for r in page.locator("#dash-stars tr[data-id]").all()]
    assert sorted(ids) == sorted(e["node"]["id"] for e in projects["edges"])
    assert f"共 {projects['totalCount']} 个" in page.inner_text("#dash-star-count")


def _tagged_marked(page: Page, server: str, token: str, edition: str) -> None:
    page.click("#dash-subs button[data-sub=campaigns]")
    page.select_option("#dash-campaign", "sci_pop_day")
    ready = f"#dash-taggable[data-edition='{edition}'][data-code='{COUNTY}']"
    page.wait_for_selector(f"{ready} input[type=checkbox]")
    boxes = page.locator("#dash-taggable input[type=checkbox]")
    assert boxes.count() >= 2
    first = boxes.nth(0)
    kind = first.get_attribute("data-kind") or ""
    call(server, token, """mutation T($input: TagCampaignInput!) { tagCampaign(input: $input) {
        count errors { code field } } }""", {"input": {
        "editionId": edition, f"{kind}Ids": [first.get_attribute("value")], "peopleServed": 7}})
    page.select_option("#dash-edition", edition)
    page.dispatch_event("#dash-edition", "change")  # the list read again
    page.wait_for_selector(f"{ready} label[data-tagged='1']")
    marked = page.locator("#dash-taggable label[data-tagged='1']")
    assert marked.count() == 1 and "✓ 已标记 · 服务 7 人" in marked.inner_text()
    page.locator("#dash-taggable label[data-tagged='0'] input").first.check()
    page.click("#dash-tag button[type=submit]")
    page.wait_for_function("document.querySelectorAll(\"#dash-taggable label[data-tagged='1']\")"
                           ".length === 2")
    stats = query(server, token, """query S($id: ID!, $c: String) { campaignStats(editionId: $id,
        regionCode: $c) { activities demands } }""", {"id": edition, "c": COUNTY})
    assert stats["campaignStats"]["activities"] + stats["campaignStats"]["demands"] == 2
    _shot(page, "tagged")


def test_star_history_projects_tags_and_round_names(
        offline: Offline, server: str, settings: Settings, admin: str) -> None:
    page = offline.page
    rid = call(server, admin, """mutation R($input: OpenRecognitionRoundInput!) {
        openRecognitionRound(input: $input) { round { id } errors { code field } } }""",
               {"input": {"award": "TOP_TEN", "level": "CITY", "regionCode": CITY,
                          "year": TODAY.year - 3, "categories": ["TEAM"]}})["round"]["id"]
    edition = call(server, admin, """mutation E($input: SaveCampaignEditionInput!) {
        saveCampaignEdition(input: $input) { edition { id } errors { code field } } }""",
                   {"input": {"campaign": "sci_pop_day", "year": TODAY.year,
                              "startsOn": str(TODAY - timedelta(days=60)),
                              "endsOn": str(TODAY + timedelta(days=10))}})["edition"]["id"]
    token = issue_token(settings, sub="dispatcher-dash-gaps", role="dispatcher", region=CITY)
    page.set_default_timeout(60_000)
    open_dashboard(page, server, token)
    page.wait_for_function("document.querySelector('#dash-total').textContent.startsWith('洛阳')")
    page.click("#dash-subs button[data-sub=rounds]")
    row = page.locator(f"#dash-rounds li[data-round='{rid}']")
    row.wait_for()
    assert "洛阳市" in row.inner_text() and "410300" not in row.inner_text()
    _shot(page, "rounds")
    page.select_option("#dash-pick-county", COUNTY)
    page.wait_for_function("document.querySelector('#dash-total').textContent.startsWith('洛龙区')")
    _team_history(page, server, token)
    _tagged_marked(page, server, token, edition)
    page.click("#lang")
    for sub in ("stars", "campaigns", "rounds"):
        page.click(f"#dash-subs button[data-sub={sub}]")
        no_keys(page, "#tab-dashboard")
    assert offline.elsewhere == []
    assert offline.errors == []
