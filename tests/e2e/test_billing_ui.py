"""A biller finds the charge a signed group note produced, holds it with a reason, then
approves it; an absent member has no charge."""

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import document_attendees, sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.billing


def _signed_group(app_url: str) -> None:
    api, coco = _api(app_url, "coco")
    _, cleo = _api(app_url, "cleo")
    cleo_id = next(
        s["id"] for s in api.get("/api/v1/staff", headers=coco).json() if s["username"] == "cleo"
    )
    group = api.post(
        "/api/v1/groups",
        headers=coco,
        json={
            "name": f"Billable Group {uuid.uuid4().hex[:6]}",
            "facilitator_ids": [cleo_id],
            "service_code": "90853",
        },
    ).json()
    yesterday = date.today() - timedelta(days=1)
    session_id = api.post(
        "/api/v1/series",
        headers=coco,
        json={
            "group_id": group["id"],
            "rrule": "FREQ=DAILY;COUNT=1",
            "timezone": "America/New_York",
            "start_local": f"{yesterday.isoformat()}T13:00",
            "duration_minutes": 60,
        },
    ).json()["sessions"][0]["id"]
    for given, status in (("Octavia", "present"), ("Septimus", "absent")):
        body = {"given_name": given, "family_name": "Ledger", "birth_date": "1970-10-10"}
        patient = api.post("/api/v1/patients", json=body, headers=cleo).json()
        api.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=coco,
            json={"patient_id": patient["id"], "from_date": yesterday.isoformat()},
        )
        api.put(
            f"/api/v1/sessions/{session_id}/attendance/{patient['id']}",
            headers=coco,
            json={"status": status},
        )
    note = api.post(f"/api/v1/sessions/{session_id}/note", headers=cleo).json()
    url = f"/api/v1/notes/{note['id']}"
    api.patch(url, headers=cleo | {"If-Match": '"1"'}, json={"topic": "Budgeting"})
    document_attendees(api, cleo, session_id)
    assert api.post(f"{url}/sign", headers=cleo).status_code == 200
    api.close()


def test_biller_holds_then_approves_a_captured_charge(page: Page, app_url: str) -> None:
    _signed_group(app_url)
    sign_in(page, app_url, "bea")
    page.get_by_role("link", name="Billing").click()
    row = page.locator(".charge-row", has_text="Octavia Ledger")
    expect(row).to_contain_text("90853", timeout=20_000)
    expect(page.locator(".charge-row", has_text="Septimus")).to_have_count(0)
    row.locator("input[name=reason]").first.fill("Awaiting authorization")
    row.get_by_role("button", name="Hold").click()
    page.locator("#charge-status").select_option("held")
    held = page.locator(".charge-row", has_text="Octavia Ledger")
    expect(held).to_contain_text("Awaiting authorization", timeout=15_000)
    held.get_by_role("button", name="Approve").click()
    page.locator("#charge-status").select_option("approved")
    expect(page.locator(".charge-row", has_text="Octavia Ledger")).to_contain_text(
        "approved", timeout=15_000
    )
    page.screenshot(path="test-results/billing-queue.png", full_page=True)
