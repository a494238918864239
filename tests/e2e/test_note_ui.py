"""A facilitator documents a session on a tablet: shared narrative, member cards that save
as you go, signing refused while another member is named or a member's attendance is
missing (shown on that member's card), an everyday word that is a member's name confirmed
"not this person", then signed and locked; addenda go through the same check."""

import uuid
from datetime import date, timedelta

import httpx
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
    for name in ("Ignatius Notetaker", "Philippa Notetaker", "Will Notetaker"):
        card = page.locator(".member-card", has_text=name)
        card.locator(".member-participation").select_option("active")
        card.locator(".member-narrative textarea").fill("Practised box breathing")
        page.locator("#note-topic").click()
        expect(page.locator("#note-saved")).to_have_text("Saved", timeout=15_000)
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


def _group_with_session(
    api: httpx.Client, coco: dict[str, str], cleo_id: str, start_local: str, name: str
) -> tuple[str, str]:
    group = api.post(
        "/api/v1/groups",
        headers=coco,
        json={"name": f"{name} {uuid.uuid4().hex[:6]}", "facilitator_ids": [cleo_id]},
    ).json()
    series = api.post(
        "/api/v1/series",
        headers=coco,
        json={
            "group_id": group["id"],
            "rrule": "FREQ=DAILY;COUNT=1",
            "timezone": "America/New_York",
            "start_local": start_local,
            "duration_minutes": 60,
        },
    ).json()
    return str(group["id"]), str(series["sessions"][0]["id"])


@pytest.mark.integrity
def test_signing_shows_each_missing_item_where_it_is_fixed(page: Page, app_url: str) -> None:
    api, coco = _api(app_url, "coco")
    _, cleo = _api(app_url, "cleo")
    cleo_id = next(
        s["id"] for s in api.get("/api/v1/staff", headers=coco).json() if s["username"] == "cleo"
    )
    yesterday = date.today() - timedelta(days=1)
    group_id, session_id = _group_with_session(
        api, coco, cleo_id, f"{yesterday.isoformat()}T07:30", "Seeking Safety"
    )
    members = {}
    for given in ("Leopold", "Euphemia"):
        body = {"given_name": given, "family_name": "Rollcall", "birth_date": "1981-01-01"}
        members[given] = api.post("/api/v1/patients", json=body, headers=cleo).json()
        api.post(
            f"/api/v1/groups/{group_id}/enrollments",
            headers=coco,
            json={"patient_id": members[given]["id"], "from_date": yesterday.isoformat()},
        )
    api.put(
        f"/api/v1/sessions/{session_id}/attendance/{members['Leopold']['id']}",
        headers=coco,
        json={"status": "present"},
    )
    later = f"{(date.today() + timedelta(days=1)).isoformat()}T19:30"
    _, tomorrow = _group_with_session(api, coco, cleo_id, later, "Later")
    api.close()

    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/document/{session_id}")
    leopold = page.locator(".member-card", has_text="Leopold Rollcall")
    euphemia = page.locator(".member-card", has_text="Euphemia Rollcall")
    expect(euphemia).to_be_visible(timeout=20_000)
    page.locator("#note-topic").fill("Grounding")
    leopold.locator(".member-participation").select_option("moderate")
    leopold.locator(".member-narrative textarea").fill("Used the 5-4-3-2-1 exercise")
    page.locator("#note-topic").click()
    expect(page.locator("#note-saved")).to_have_text("Saved", timeout=15_000)
    page.locator("#note-sign").click()
    expect(euphemia.locator(".member-unmet")).to_contain_text(
        "Attendance not recorded", timeout=15_000
    )
    expect(leopold.locator(".member-unmet")).to_have_count(0)
    expect(page.locator("#note-error")).to_contain_text("Not ready to sign")
    for width, height in ((1024, 768), (820, 1180)):
        page.set_viewport_size({"width": width, "height": height})
        euphemia.scroll_into_view_if_needed()
        page.screenshot(path=f"test-results/note-unmet-{width}.png")

    euphemia.locator(".member-attendance").select_option("absent")
    expect(page.locator("#note-saved")).to_have_text("Attendance recorded", timeout=15_000)
    expect(euphemia.locator(".member-unmet")).to_have_count(0)
    page.locator("#note-sign").click()
    expect(page.locator("#note-saved")).to_have_text("Signed and locked", timeout=15_000)

    page.goto(f"{app_url}/document/{tomorrow}")
    expect(page.locator("#note-sign")).to_be_visible(timeout=20_000)
    page.locator("#note-topic").fill("Planning")
    page.locator("#note-topic").press("Tab")
    expect(page.locator("#note-saved")).to_have_text("Saved", timeout=15_000)
    page.locator("#note-sign").click()
    expect(page.locator("#note-not-started")).to_contain_text("has not started yet", timeout=15_000)
    page.screenshot(path="test-results/note-not-started.png")
