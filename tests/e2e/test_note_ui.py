"""A facilitator documents a session on a tablet: shared narrative, member cards that save
as you go, signing refused while another member is named, an everyday word that is a
member's name confirmed "not this person", then signed and locked; addenda go through the
same check."""

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.notes


@pytest.mark.integrity
def test_document_sign_with_leak_check(page: Page, app_url: str) -> None:
    api, coco = _api(app_url, "coco")
    _, cleo = _api(app_url, "cleo")
    cleo_id = next(
        s["id"] for s in api.get("/api/v1/staff", headers=coco).json() if s["username"] == "cleo"
    )
    group = api.post(
        "/api/v1/groups",
        headers=coco,
        json={"name": f"Anger Management {uuid.uuid4().hex[:6]}", "facilitator_ids": [cleo_id]},
    ).json()
    yesterday = date.today() - timedelta(days=1)
    series = api.post(
        "/api/v1/series",
        headers=coco,
        json={
            "group_id": group["id"],
            "rrule": "FREQ=DAILY;COUNT=1",
            "timezone": "America/New_York",
            "start_local": f"{yesterday.isoformat()}T10:00",
            "duration_minutes": 60,
        },
    ).json()
    session_id = series["sessions"][0]["id"]
    for given in ("Ignatius", "Philippa", "Will"):
        body = {"given_name": given, "family_name": "Notetaker", "birth_date": "1980-08-08"}
        patient = api.post("/api/v1/patients", json=body, headers=cleo).json()
        api.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=coco,
            json={"patient_id": patient["id"], "from_date": yesterday.isoformat()},
        )
        api.put(
            f"/api/v1/sessions/{session_id}/attendance/{patient['id']}",
            headers=coco,
            json={"status": "present"},
        )
    api.close()

    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/sessions/{session_id}")
    page.locator("#document-session").click()
    expect(page.get_by_text("Ignatius Notetaker")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name="Today").click()
    expect(page.locator("#unsigned-notes")).to_contain_text("Anger Management", timeout=20_000)
    page.locator("#unsigned-notes").get_by_role("link").first.click()
    expect(page.get_by_text("Ignatius Notetaker")).to_be_visible(timeout=20_000)
    page.locator("#note-topic").fill("De-escalation skills")
    page.locator("#note-process").fill("Philippa modelled a time-out")
    page.locator("#note-topic").click()
    expect(page.locator("#note-saved")).to_have_text("Saved", timeout=15_000)
    page.locator(".member-narrative textarea").first.fill("Practised box breathing")
    page.locator("#note-topic").click()
    page.locator("#note-sign").click()
    expect(page.locator("#note-leaks")).to_contain_text("Philippa", timeout=15_000)
    page.locator("#note-process").fill("A member modelled a time-out; we will practise again")
    page.locator("#note-topic").click()
    page.locator("#note-sign").click()
    flag = page.locator("#note-leaks .leak-flag")
    expect(flag).to_contain_text("Group process: “will”", timeout=15_000)
    expect(flag).to_contain_text("confirm")
    flag.locator(".leak-confirm").click()
    expect(page.locator("#note-saved")).to_contain_text("not a member", timeout=15_000)
    page.locator("#note-sign").click()
    expect(page.locator("#note-saved")).to_have_text("Signed and locked", timeout=15_000)
    page.get_by_placeholder("Reason").fill("Late detail")
    page.get_by_placeholder("Addendum").fill("Ignatius will follow up")
    page.get_by_role("button", name="Add addendum").click()
    expect(page.locator("#note-leaks")).to_contain_text("Addendum text: “Ignatius”", timeout=15_000)
    expect(page.locator("#note-leaks .leak-confirm")).to_have_count(1)
    page.get_by_placeholder("Reason").fill("Late detail")
    page.get_by_placeholder("Addendum").fill("The group will meet on Friday")
    page.get_by_role("button", name="Add addendum").click()
    page.locator("#note-leaks .leak-confirm").click()
    expect(page.locator("#note-saved")).to_have_text("Addendum added", timeout=15_000)
    expect(page.locator(".addendum")).to_contain_text("The group will meet on Friday")
    page.screenshot(path="test-results/group-note.png", full_page=True)
