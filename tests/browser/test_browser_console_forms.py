"""The console's tabs for dispatchers and org admins, in headless Chromium with every other
host blocked: a station drafted with a click on the map (errors shown beside the fields,
from the page's own checks and from the API), submitted, approved from another dispatcher's
审核 queue and drawn on the map; a resident's demand rejected with a reason (refused without
one); the attendance QR code of an activity shown and replaced after its step (10 s on this
server), with the sign-up list and its waitlist; the region settings saved, inherited values
said as such; the English labels.

Screenshots: ``test-artifacts/console-forms-*.png``.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from playwright.sync_api import Page

from hub.auth import issue_token
from hub.schema.node import encode_id
from hub.settings import Settings
from tests.browser.conftest import ARTIFACTS, Offline, serve
from tests.demands_public.demands_world import demand_file, demand_row

pytestmark = pytest.mark.browser
STEP_S = 10  # the attendance code's step on this module's server (the setting's least)


@pytest.fixture(scope="module")
def server(browser_db: str, settings: Settings) -> Iterator[str]:
    """The hub as conftest's, with attendance codes rotating every 10 s."""
    yield from serve(replace(settings, attendance_code_step_s=STEP_S), browser_db)


def _one(db_url: str, query: str, args: tuple[Any, ...] = ()) -> Any:
    with psycopg.connect(db_url) as conn:
        row = conn.execute(query, args).fetchone()
    assert row is not None, query
    return row[0] if len(row) == 1 else row


def _call(server: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(server + "/graphql", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.load(response)
    assert not answer.get("errors"), answer
    return answer["data"]


def _sign_in(page: Page, server: str, token: str) -> None:
    page.set_default_timeout(60_000)  # software GL on shared cores draws slowly
    page.goto(server + "/")
    page.wait_for_function("document.body.dataset.ready === '1'", polling=200, timeout=30_000)
    page.fill("#token", token)
    page.click("#signin button[type=submit]")


def _no_keys(page: Page, selector: str) -> None:
    """Every label is text, not an i18n key (camelCase) or a code."""
    text = page.inner_text(selector)
    assert not re.search(r"\b[a-z]+[A-Z][A-Za-z]+\b", text), text
    assert not re.search(r"\b[A-Z]{3,}_[A-Z_]+\b", text), text


def _county(db_url: str) -> tuple[str, str, float, float]:
    """(city, county, lon, lat) of a county seat with open stations (for a point inside it)."""
    row = _one(db_url, """
        SELECT c.parent_code, c.code, ST_X(c.centroid_geom), ST_Y(c.centroid_geom)
        FROM region c JOIN station s ON s.region_code = c.code
        WHERE c.level = 'county' AND s.status = 'active'
        GROUP BY c.code ORDER BY count(*) DESC, c.code LIMIT 1""")
    return str(row[0]), str(row[1]), float(row[2]), float(row[3])


def _click_map_at(page: Page, lon: float, lat: float) -> None:
    page.evaluate("c => hubConsole.map.jumpTo({center: c, zoom: 12})", [lon, lat])
    page.wait_for_function("hubConsole.map.loaded()", polling=200)
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_station_drafted_submitted_approved_and_on_the_map(
        offline: Offline, server: str, browser_db: str, settings: Settings) -> None:
    page = offline.page
    city, county, lon, lat = _county(browser_db)
    drafter = issue_token(settings, sub="dispatcher-forms-1", role="dispatcher", region=city)
    _sign_in(page, server, drafter)
    page.wait_for_selector("#tabs button[data-tab=publish]:not([hidden])")
    assert page.is_hidden("#tabs button[data-tab=members]")  # an org admin's tab
    page.click("#tabs button[data-tab=publish]")
    page.wait_for_selector("#pub-form .field[data-field=name]")
    assert page.is_hidden("#scope")
    # Checked before sending: required fields, the mobile's form, a place.
    page.fill("#pub-form [name=contactPhone]", "12345")
    page.click("#pub-save")
    assert "必填" in page.inner_text("#pub-form .field[data-field=name] .field-error")
    assert "手机" in page.inner_text("#pub-form .field[data-field=contactPhone] .field-error")
    assert page.inner_text("#pub-form .field[data-field=location] .field-error")
    # The API's own refusal, coded, beside its field: a one-character name.
    page.fill("#pub-form [name=contactPhone]", "13800138000")
    page.fill("#pub-form [name=name]", "站")
    page.select_option("#pub-form [name=kind]", "science_base")
    _click_map_at(page, lon, lat)
    page.wait_for_function("document.querySelector('#pub-form [name=location]').value !== ''")
    page.click("#pub-save")
    page.wait_for_function("document.querySelector('#pub-form .field[data-field=name] "
                           ".field-error').textContent.includes('[')")
    name_error = page.inner_text("#pub-form .field[data-field=name] .field-error")
    assert "[INVALID]" in name_error and "站" in name_error, name_error
    # A good one: saved as a draft, then submitted for review.
    name = f"科普e站·{int(time.time())}"
    page.fill("#pub-form [name=name]", name)
    page.fill("#pub-form [name=address]", "文化路 1 号")
    for six in ("place", "team", "projects", "facilities", "rules", "signage"):
        page.check(f"#pub-form [name='sixHas.{six}']")
    for day in ("1", "2", "3", "4", "5"):
        page.check(f"#pub-form [name='openDays.{day}']")
    page.fill("#pub-form [name=openStart]", "09:00")
    page.fill("#pub-form [name=openEnd]", "17:30")
    page.fill("#pub-form [name=contactName]", "王老师")
    page.click("#pub-save")
    page.wait_for_selector("#pub-form[data-status=draft]")
    page.locator("#pub-list li[data-status=draft]", has_text=name).wait_for()
    page.screenshot(path=str(ARTIFACTS / "console-forms-station.png"))
    page.click("#pub-submit")
    page.wait_for_selector("#pub-form[data-status=pending_review]")
    assert "已提交审核" in page.inner_text("#pub-form .form-done")
    row = _one(browser_db, "SELECT status, region_code, has_signage, lower(opening_hours) "
                           "FROM station WHERE name = %s", (name,))
    assert row[:3] == ("pending_review", county, True), row

    # Another dispatcher of the city approves it from the review queue; it is drawn.
    reviewer = issue_token(settings, sub="dispatcher-forms-2", role="dispatcher", region=city)
    _sign_in(page, server, reviewer)
    page.click("#tabs button[data-tab=review]")
    card = page.locator(".review-card[data-kind=station]", has_text=name)
    card.wait_for()
    assert "有标识" in card.inner_text() and "周一 09:00–17:30" in card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-forms-review.png"))
    card.locator(".approve").click()
    page.wait_for_selector(".review-card[data-kind=station][data-outcome=approved]")
    assert _one(browser_db, "SELECT status FROM station WHERE name = %s", (name,)) == "active"
    page.click("#lang")  # the queue and the form in English: no key or code untranslated
    page.wait_for_function("document.querySelector('#tab-review h2').textContent === 'Review'")
    _no_keys(page, "#tab-review")
    page.click("#tabs button[data-tab=publish]")
    page.wait_for_selector("#pub-form .field[data-field=sixHas]")
    _no_keys(page, "#tab-publish")
    page.screenshot(path=str(ARTIFACTS / "console-forms-publish-en.png"))
    page.click("#lang")
    page.click("#tabs button[data-tab=dispatch]")
    page.evaluate("c => hubConsole.map.jumpTo({center: c, zoom: 12})", [lon, lat])
    page.wait_for_function(
        "n => hubConsole.map.queryRenderedFeatures({layers: ['stations']})"
        ".some(f => f.properties.name === n)", arg=name, polling=300, timeout=30_000)
    assert not offline.elsewhere, offline.elsewhere
    assert not offline.errors, offline.errors


RAISE = """mutation($i: RaiseDemandInput!) { raiseDemand(input: $i) {
  demand { id status } errors { code message } } }"""


def test_a_residents_demand_rejected_with_a_reason(
        offline: Offline, server: str, browser_db: str, settings: Settings) -> None:
    page = offline.page
    city, county, lon, lat = _county(browser_db)
    resident = issue_token(settings, sub=encode_id("Account", 77001), role="resident")
    starts = datetime.now(UTC) + timedelta(days=3)
    title = f"社区老人智能手机培训·{int(time.time())}"
    raised = _call(server, resident, RAISE, {"i": {
        "title": title, "category": "health", "needed": 2,
        "startsAt": starts.isoformat(), "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "regionCode": county, "location": {"lon": lon, "lat": lat}}})["raiseDemand"]
    assert raised["demand"]["status"] == "pending_review", raised
    page = offline.page
    _sign_in(page, server, issue_token(settings, sub="dispatcher-forms-3", role="dispatcher",
                                       region=city))
    page.click("#tabs button[data-tab=review]")
    card = page.locator(".review-card[data-kind=demand]", has_text=title)
    card.wait_for()
    assert "社区群众" in card.inner_text(), card.inner_text()
    card.locator(".reject").click()  # no reason: refused here, nothing sent
    assert "请填写原因" in card.locator(".form-error").inner_text()
    assert _one(browser_db, "SELECT status FROM demand WHERE title = %s", (title,)) \
        == "pending_review"
    card.locator("input.reason").fill("时间与社区活动冲突，请改期后重新提交")
    card.locator(".reject").click()
    page.wait_for_selector(".review-card[data-kind=demand][data-outcome=rejected]")
    page.screenshot(path=str(ARTIFACTS / "console-forms-reject.png"))
    status, reason = _one(browser_db, "SELECT status, rejection_reason FROM demand "
                                      "WHERE title = %s", (title,))
    assert (status, reason) == ("rejected", "时间与社区活动冲突，请改期后重新提交")
    assert not offline.errors, offline.errors


def test_region_settings_saved_with_inherited_values_said(
        offline: Offline, server: str, browser_db: str, settings: Settings) -> None:
    page = offline.page
    city, county, _, _ = _county(browser_db)
    _sign_in(page, server, issue_token(settings, sub="dispatcher-forms-4", role="dispatcher",
                                       region=city))
    page.click("#tabs button[data-tab=settings]")
    page.wait_for_selector("#set-now dd")
    assert page.input_value("#set-region-form [name=regionCode]") == city
    page.fill("#set-form [name=recordAutoConfirmHours]", "9999")
    page.click("#set-form button[type=submit]")
    assert "2160" in page.inner_text("#set-form .field[data-field=recordAutoConfirmHours]")
    page.select_option("#set-form [name=claimsNeedApproval]", "true")
    page.fill("#set-form [name=recordAutoConfirmHours]", "48")
    page.click("#set-form button[type=submit]")
    page.wait_for_function("document.querySelector('#set-form .form-done').textContent !== ''")
    assert "本区域设置" in page.inner_text("#set-now")
    row = _one(browser_db, "SELECT claims_need_approval, record_auto_confirm_hours "
                           "FROM region_setting WHERE region_code = %s", (city,))
    assert tuple(row) == (True, 48), row
    # The county below inherits both, and says from where.
    page.fill("#set-region-form [name=regionCode]", county)
    page.click("#set-region-form button[type=submit]")
    page.wait_for_function("document.querySelector('#set-now').innerText.includes('继承自')")
    page.screenshot(path=str(ARTIFACTS / "console-forms-settings.png"))
    # English: the same panel in English, no key or code left untranslated.
    page.click("#lang")
    page.wait_for_function("document.querySelector('#set-now').innerText.includes('inherited')")
    _no_keys(page, "#tab-settings")
    page.click("#tabs button[data-tab=import]")
    page.wait_for_selector("#imp-form .field[data-field=file]")
    _no_keys(page, "#panel")
    page.screenshot(path=str(ARTIFACTS / "console-forms-import-en.png"))
    page.click("#lang")
    assert not offline.errors, offline.errors


CREATE_ACTIVITY = """mutation($i: CreateActivityInput!) { createActivity(input: $i) {
  activity { id } errors { code message } } }"""
SUBMIT = """mutation($id: ID!) { submitForReview(input: {id: $id}) { errors { code message } } }"""
APPROVE = """mutation($id: ID!) { reviewSubmission(input: {id: $id, decision: APPROVE}) {
  errors { code message } } }"""
SIGN_UP = """mutation($id: ID!) { signUpForActivity(input: {activityId: $id}) {
  signUp { status } errors { code message } } }"""


def _running_activity(server: str, db_url: str, settings: Settings) -> tuple[str, str, int]:
    """(title, global id, team) of a published activity starting in 30 minutes (attendance
    is open from an hour before), one place taken and one volunteer on the waitlist."""
    city, county, lon, lat = _county(db_url)
    team = int(_one(db_url, "SELECT id FROM organization WHERE left(region_code, 2) = left(%s, 2)"
                            " AND status = 'active' ORDER BY nlevel(path) DESC, id LIMIT 1",
                    (city,)))
    admin = issue_token(settings, sub="org-admin-forms", role="org_admin", org=team)
    starts = datetime.now(UTC) + timedelta(minutes=30)
    title = f"青少年科学实验课·{int(time.time())}"
    made = _call(server, admin, CREATE_ACTIVITY, {"i": {
        "organizationId": encode_id("Organization", team), "title": title,
        "category": "youth_science", "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(), "capacity": 1,
        "location": {"lon": lon, "lat": lat}, "regionCode": county,
        "safetyPlan": "专人看护，实验材料无毒"}})["createActivity"]
    assert made["activity"], made
    activity = made["activity"]["id"]
    assert not _call(server, admin, SUBMIT, {"id": activity})["submitForReview"]["errors"]
    dispatcher = issue_token(settings, sub="dispatcher-forms-5", role="dispatcher", region=city)
    assert not _call(server, dispatcher, APPROVE, {"id": activity})["reviewSubmission"]["errors"]
    with psycopg.connect(db_url) as conn:
        people = [r[0] for r in conn.execute("SELECT id FROM volunteer WHERE status = 'active' "
                                             "ORDER BY id LIMIT 2").fetchall()]
    for n, person in enumerate(people):
        token = issue_token(settings, sub=encode_id("Volunteer", person), role="volunteer")
        answer = _call(server, token, SIGN_UP, {"id": activity})["signUpForActivity"]
        assert answer["signUp"]["status"] == ("signed_up", "waitlisted")[n], answer
    return title, activity, team


def test_attendance_code_shown_as_qr_and_replaced_after_its_step(
        offline: Offline, server: str, browser_db: str, settings: Settings) -> None:
    page = offline.page
    title, activity, team = _running_activity(server, browser_db, settings)
    _sign_in(page, server, issue_token(settings, sub="org-admin-forms", role="org_admin",
                                       org=team))
    page.wait_for_selector("#tabs button[data-tab=members]:not([hidden])")
    assert page.is_hidden("#tabs button[data-tab=settings]")  # a dispatcher's tab
    page.click("#tabs button[data-tab=attendance]")
    page.wait_for_function("id => [...document.querySelectorAll('#att-activity option')]"
                           ".some(o => o.value === id)", arg=activity, polling=200)
    page.select_option("#att-activity", activity)
    assert title in page.inner_text("#att-activity")
    # The sign-up list: the place, then the waitlist with its position.
    page.wait_for_selector("#att-signups li[data-status=waitlisted]")
    signups = page.inner_text("#att-signups")
    assert "已报名" in signups and "候补" in signups and "#1" in signups, signups
    page.click("#att-show")
    page.wait_for_selector("#att-qr[data-code]:not([hidden])")
    first = page.get_attribute("#att-qr", "data-code") or ""
    assert first.startswith("A1.") and page.inner_text("#att-code") == first
    drawn = page.evaluate("() => { const c = document.getElementById('att-canvas');"
                          " return [c.width, c.toDataURL().length]; }")
    assert drawn[0] >= 200 and drawn[1] > 2000, drawn  # a QR image, not a blank canvas
    assert "秒后更换" in page.inner_text("#att-valid")
    page.screenshot(path=str(ARTIFACTS / "console-forms-attendance.png"))
    page.wait_for_function("c => document.getElementById('att-qr').dataset.code !== c",
                           arg=first, polling=500, timeout=(STEP_S * 2 + 10) * 1000)
    second = page.get_attribute("#att-qr", "data-code") or ""
    assert second.startswith("A1.") and second != first
    assert first.split(".")[1] == second.split(".")[1]  # the same activity, the next step
    page.click("#att-stop")
    assert page.is_hidden("#att-qr")
    assert not offline.elsewhere, offline.elsewhere
    assert not offline.errors, offline.errors


def test_an_org_admins_project_activity_and_members(
        offline: Offline, server: str, browser_db: str, settings: Settings) -> None:
    page = offline.page
    _, _, lon, lat = _county(browser_db)
    team = int(_one(browser_db, "SELECT organization_id FROM membership GROUP BY 1 "
                                "ORDER BY count(*) DESC, 1 LIMIT 1"))
    _sign_in(page, server, issue_token(settings, sub="org-admin-forms-2", role="org_admin",
                                       org=team))
    page.click("#tabs button[data-tab=publish]")
    page.wait_for_selector("#pub-kind option[value=project]", state="attached")
    assert page.locator("#pub-kind option[value=station]").count() == 0
    # A project: the funding's range checked here; saved, then submitted.
    page.select_option("#pub-kind", "project")
    page.wait_for_selector("#pub-form .field[data-field=fundingSource]")
    name = f"智惠行动·乡村科普项目·{int(time.time())}"
    page.fill("#pub-form [name=name]", name)
    page.fill("#pub-form [name=fundingYuan]", "-5")
    page.fill("#pub-form [name=endsOn]", "2026/12/31")
    page.click("#pub-save")
    assert "0" in page.inner_text("#pub-form .field[data-field=fundingYuan] .field-error")
    assert "YYYY-MM-DD" in page.inner_text("#pub-form .field[data-field=endsOn] .field-error")
    page.fill("#pub-form [name=fundingYuan]", "50000")
    page.fill("#pub-form [name=endsOn]", "2027-06-30")
    page.fill("#pub-form [name=fundingSource]", "省科协")
    page.select_option("#pub-form [name=subProgramme]", "zhihui_civilization_centers")
    page.click("#pub-submit")
    page.wait_for_selector("#pub-form[data-status=pending_review]")
    page.screenshot(path=str(ARTIFACTS / "console-forms-project.png"))
    assert _one(browser_db, "SELECT status FROM project WHERE name = %s", (name,)) \
        == "pending_review"
    # An activity at a nearby station: submitting without a safety plan is refused, coded,
    # beside the field.
    page.select_option("#pub-kind", "activity")
    page.wait_for_selector("#pub-form .field[data-field=safetyPlan]")
    title = f"社区应急救护培训·{int(time.time())}"
    page.fill("#pub-form [name=title]", title)
    page.select_option("#pub-form [name=category]", "emergency")
    page.fill("#pub-form [name=capacity]", "0")
    _click_map_at(page, lon, lat)
    page.wait_for_function("document.querySelector('#pub-form [name=stationId]')"
                           ".options.length > 1", polling=200)
    page.select_option("#pub-form [name=stationId]", index=1)
    page.click("#pub-save")
    assert "10000" in page.inner_text("#pub-form .field[data-field=capacity] .field-error")
    page.fill("#pub-form [name=capacity]", "30")
    page.click("#pub-submit")
    page.wait_for_function("document.querySelector('#pub-form .field[data-field=safetyPlan] "
                           ".field-error').textContent.includes('SAFETY_PLAN_REQUIRED')")
    assert page.get_attribute("#pub-form", "data-status") == "draft"
    page.screenshot(path=str(ARTIFACTS / "console-forms-activity.png"))
    page.fill("#pub-form [name=safetyPlan]", "急救箱与 AED 到位，专人负责")
    page.click("#pub-submit")
    page.wait_for_selector("#pub-form[data-status=pending_review]")
    # Members: a reason is required to suspend; suspended, then reinstated.
    page.click("#tabs button[data-tab=members]")
    member = page.locator("#mem-list li[data-status=active]").first
    member.wait_for()
    volunteer = member.get_attribute("data-volunteer")
    member.locator(".act").click()
    assert "请填写原因" in member.locator(".form-error").inner_text()
    member.locator("input.reason").fill("连续三次无故缺席")
    member.locator(".act").click()
    suspended = page.locator(f"#mem-list li[data-volunteer='{volunteer}'][data-status=suspended]")
    suspended.wait_for()
    page.screenshot(path=str(ARTIFACTS / "console-forms-members.png"))
    suspended.locator("input.reason").fill("已说明情况")
    suspended.locator(".act").click()
    page.locator(f"#mem-list li[data-volunteer='{volunteer}'][data-status=active]").wait_for()
    assert not offline.elsewhere, offline.elsewhere
    assert not offline.errors, offline.errors


def test_demand_import_template_and_per_row_report(
        offline: Offline, server: str, browser_db: str, settings: Settings) -> None:
    page = offline.page
    _sign_in(page, server, issue_token(settings, sub="dispatcher-forms-6", role="dispatcher",
                                       region="410100000000"))
    page.click("#tabs button[data-tab=import]")
    with page.expect_download() as got:
        page.click("#imp-template")
    assert got.value.suggested_filename.endswith(".xlsx")
    with open(got.value.path(), "rb") as template:
        assert template.read(2) == b"PK"  # an .xlsx (a zip)
    page.click("#imp-form button[type=submit]")  # no file: refused here
    assert "必填" in page.inner_text("#imp-form .field[data-field=file] .field-error")
    ref = f"CON-{int(time.time())}"
    data = demand_file([demand_row(f"{ref}-1"), demand_row(f"{ref}-2", **{"需要人数": 0})])
    page.set_input_files("#imp-form [name=file]", files=[{
        "name": "需求.xlsx", "buffer": data,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("#imp-form button[type=submit]")
    summary = page.wait_for_selector("#imp-summary", timeout=60_000)
    assert summary is not None and "导入 1" in summary.inner_text(), summary.inner_text()
    report = page.inner_text("#imp-report table.report")
    assert "需要人数" in report and "0" in report, report
    assert page.locator("#imp-report-file").count() == 1
    page.screenshot(path=str(ARTIFACTS / "console-forms-import.png"))
    assert _one(browser_db, "SELECT count(*) FROM demand WHERE external_ref LIKE %s",
                (f"{ref}-%",)) == 1
    assert not offline.elsewhere, offline.elsewhere
    assert not offline.errors, offline.errors
