"""A coordinator builds a Mon/Wed/Fri series in the wizard (plain-language summary, live
conflicts), sees it in the week, enrols a client and checks attendance on a tablet."""

from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.scheduling


def _api(app_url: str, username: str) -> tuple[httpx.Client, dict[str, str]]:
    api = httpx.Client(base_url=app_url)
    token = api.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return api, {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_wizard_week_roster_and_check_in(page: Page, app_url: str) -> None:
    api, coco = _api(app_url, "coco")
    room = api.post("/api/v1/rooms", json={"name": "Sunroom"}, headers=coco).json()
    api.post("/api/v1/groups", json={"name": "IOP Mornings", "room_id": room["id"]}, headers=coco)
    blocker = api.post("/api/v1/groups", json={"name": "Family Night"}, headers=coco).json()
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    api.post(
        "/api/v1/series",
        headers=coco,
        json={
            "group_id": blocker["id"],
            "rrule": "FREQ=WEEKLY;BYDAY=WE;COUNT=1",
            "room_id": room["id"],
            "start_local": f"{(monday + timedelta(days=2)).isoformat()}T11:00",
            "timezone": "America/New_York",
            "duration_minutes": 60,
        },
    )

    sign_in(page, app_url, "coco")
    page.get_by_role("link", name="Schedule").click()
    page.locator("#wizard-group").select_option(label="IOP Mornings")
    page.locator("#wizard-room").select_option(label="Sunroom")
    page.locator("#wizard-date").fill(monday.isoformat())
    page.locator("#wizard-weeks").fill("12")
    page.locator("#wizard-weeks").press("Tab")
    expect(page.locator("#wizard-summary")).to_have_text(
        "Mon, Wed, Fri 9:00–12:00 · 12 weeks · 36 sessions", timeout=20_000
    )
    expect(page.locator("#wizard-conflicts")).to_contain_text("Family Night")
    expect(page.locator("#wizard-create")).to_be_disabled()
    page.locator("#day-WE").click()  # drop Wednesdays: the clash disappears
    expect(page.locator("#wizard-summary")).to_have_text(
        "Mon, Fri 9:00–12:00 · 12 weeks · 24 sessions", timeout=20_000
    )
    expect(page.locator("#wizard-conflicts")).to_have_count(0)
    page.locator("#wizard-create").click()
    expect(page.locator("#wizard-created")).to_contain_text("24 sessions", timeout=20_000)
    expect(page.locator("#week-grid")).to_contain_text("IOP Mornings", timeout=20_000)
    page.screenshot(path="test-results/schedule-week.png", full_page=True)
    page.locator("#calendar-view").select_option(label="Room: Sunroom")
    expect(page.locator("#week-grid")).to_contain_text("Family Night", timeout=15_000)
    page.get_by_role("radio", name="Day").click()
    expect(page.locator("#week-of")).to_contain_text("Day", timeout=15_000)

    _, cleo = _api(app_url, "cleo")
    body = {"given_name": "Rowan", "family_name": "Checkin", "birth_date": "1993-03-03"}
    api.post("/api/v1/patients", json=body, headers=cleo)
    page.get_by_role("link", name="Rosters").click()
    page.locator("#roster-group").select_option(label="IOP Mornings")
    page.locator("#enrol-q").fill("Rowan Checkin")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Enrol").click()
    expect(page.locator("#roster-table")).to_contain_text("Rowan Checkin", timeout=20_000)

    page.get_by_role("link", name="Schedule").click()
    page.locator("#week-grid").get_by_text("IOP Mornings").first.click()
    expect(page.locator("#check-in-title")).to_contain_text("IOP Mornings", timeout=20_000)
    page.get_by_role("button", name="Late").click()
    expect(page.locator("#check-in-list [data-status=late]")).to_have_count(1, timeout=15_000)
    page.locator(".minutes input").first.fill("150")
    page.locator(".minutes input").first.press("Tab")
    session_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    sheet = {}
    for _ in range(30):
        sheet = api.get(f"/api/v1/sessions/{session_id}/attendance", headers=coco).json()
        if sheet["rows"][0]["minutes"] == 150:
            break
        page.wait_for_timeout(500)
    assert (sheet["rows"][0]["status"], sheet["rows"][0]["minutes"]) == ("late", 150)
    page.screenshot(path="test-results/check-in.png", full_page=True)
    page.locator("#move-to").fill(f"{(monday + timedelta(days=1)).isoformat()}T09:00")
    page.locator("#move-go").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "attendance or a note recorded", timeout=15_000
    )
    page.get_by_role("link", name="Schedule").click()
    page.locator("#closure-on").fill((monday + timedelta(days=7)).isoformat())
    page.locator("#closure-name").fill("Staff training day")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("1 session(s) will be cancelled:")).to_be_visible(timeout=15_000)
    page.locator("#closure-confirm").click()
    expect(page.get_by_text("1 session(s) cancelled.")).to_be_visible(timeout=15_000)

    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path="test-results/schedule-portrait.png", full_page=True)
    api.close()
