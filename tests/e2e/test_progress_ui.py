"""A clinician opens a client's chart: the group notes there show this client's own entry
and nobody else's name; they write a DAP progress note, sign it, add an addendum, and
download the signed notes as a PDF that again names only this client."""

import uuid
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.notes


def _signed_group_note(app_url: str) -> tuple[dict, dict]:
    """Two members, Leopoldina and Bartholomew, in one signed group note."""
    api, coco = _api(app_url, "coco")
    _, cleo = _api(app_url, "cleo")
    cleo_id = next(
        s["id"] for s in api.get("/api/v1/staff", headers=coco).json() if s["username"] == "cleo"
    )
    group = api.post(
        "/api/v1/groups",
        headers=coco,
        json={"name": f"Coping Skills {uuid.uuid4().hex[:6]}", "facilitator_ids": [cleo_id]},
    ).json()
    yesterday = date.today() - timedelta(days=1)
    session_id = api.post(
        "/api/v1/series",
        headers=coco,
        json={
            "group_id": group["id"],
            "rrule": "FREQ=DAILY;COUNT=1",
            "timezone": "America/New_York",
            "start_local": f"{yesterday.isoformat()}T14:00",
            "duration_minutes": 60,
        },
    ).json()["sessions"][0]["id"]
    members = []
    for given, family in (("Leopoldina", "Vasquez-Hart"), ("Bartholomew", "Ingersoll")):
        body = {"given_name": given, "family_name": family, "birth_date": "1979-09-09"}
        patient = api.post("/api/v1/patients", json=body, headers=cleo).json()
        members.append(patient)
        api.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=coco,
            json={"patient_id": patient["id"], "from_date": yesterday.isoformat()},
        )
    for patient, mark in zip(
        members, [{"status": "present"}, {"status": "left_early", "minutes": 40}], strict=True
    ):
        api.put(
            f"/api/v1/sessions/{session_id}/attendance/{patient['id']}", headers=coco, json=mark
        )
    note = api.post(f"/api/v1/sessions/{session_id}/note", headers=cleo).json()
    url = f"/api/v1/notes/{note['id']}"
    api.patch(url, headers=cleo | {"If-Match": '"1"'}, json={"topic": "Urge surfing"})
    for patient, text in zip(members, ["Rated urges 6 to 3", "Left early"], strict=True):
        saved = api.patch(
            f"{url}/entries/{patient['id']}",
            headers=cleo | {"If-Match": '"1"'},
            json={"narrative": text, "participation": "moderate"},
        )
        assert saved.status_code == 200, saved.text
    assert api.post(f"{url}/sign", headers=cleo).status_code == 200
    api.close()
    return members[0], members[1]


def test_chart_notes_progress_note_and_pdf(page: Page, app_url: str, tmp_path: Path) -> None:
    mine, other = _signed_group_note(app_url)
    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/patients/{mine['id']}")
    notes = page.locator("#chart-notes")
    expect(notes).to_contain_text("Rated urges 6 to 3", timeout=20_000)
    for token in ("Bartholomew", "Ingersoll", other["mrn"], "Left early"):
        expect(page.locator("body")).not_to_contain_text(token)

    notes.locator("select[name=format]").select_option("dap")
    start = datetime.now() - timedelta(hours=1)
    page.locator("#progress-start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    notes.locator("input[name=minutes]").fill("45")
    page.locator("#progress-new").click()
    expect(page.locator("#progress-status")).to_have_text("draft", timeout=20_000)
    page.locator("#section-data").fill("Reports three sober days.")
    page.locator("#section-assessment").click()
    expect(page.locator("#progress-saved")).to_have_text("Saved", timeout=15_000)
    page.locator("#progress-sign").click()
    expect(page.locator("#progress-error")).to_contain_text("required", timeout=15_000)
    page.locator("#section-assessment").fill("Engaged, motivated.")
    page.locator("#section-plan").fill("Continue IOP; review in a week.")
    page.locator("#section-data").click()
    expect(page.locator("#progress-saved")).to_have_text("Saved", timeout=15_000)
    page.locator("#progress-sign").click()
    expect(page.locator("#progress-status")).to_have_text("signed", timeout=15_000)
    page.locator("input[name=reason]").fill("Clarify")
    page.locator("input[name=text]").fill("Sober days confirmed by UDS.")
    page.locator("#progress-addendum").click()
    expect(page.locator(".addendum")).to_contain_text("confirmed by UDS", timeout=15_000)
    page.screenshot(path="test-results/progress-note.png", full_page=True)

    page.goto(f"{app_url}/patients/{mine['id']}")
    expect(page.locator(".progress-row")).to_contain_text("signed", timeout=20_000)
    with page.expect_download(timeout=30_000) as download:
        page.locator("#notes-pdf").click()
    saved = tmp_path / "notes.pdf"
    download.value.save_as(saved)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(saved.read_bytes())).pages)
    assert "Leopoldina Vasquez-Hart" in text and "Reports three sober days." in text
    for token in ("Bartholomew", "Ingersoll", other["mrn"], "Left early"):
        assert token not in text
