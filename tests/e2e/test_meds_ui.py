"""A clinician prescribes amoxicillin to a residential client allergic to penicillin: the
API's field error shows next to its field, the allergy warning asks for an override reason,
the draft is signed, sending it to a pharmacy is refused with the reason and it prints; a
reported medication joins the list. On the MAR an as-needed dose is given with its reason
and effect, a scheduled dose is recorded as given; discontinued from the chart, its later
dose leaves the MAR while the given one stays."""

import uuid
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.medications
CLINIC = ZoneInfo("America/New_York")


def _resident(app_url: str) -> dict[str, Any]:
    """A client registered by cleo (so on her care team), in residential care, with a
    recorded penicillin allergy and a signed as-needed prescription."""
    api, ada = _api(app_url, "ada")
    _, cleo = _api(app_url, "cleo")
    program = api.post(
        "/api/v1/programs",
        headers=ada,
        json={"name": f"Residential {uuid.uuid4().hex[:6]}", "level_of_care": "residential"},
    ).json()
    body = {"given_name": "Perpetua", "family_name": "Dosewell", "birth_date": "1971-01-17"}
    patient = api.post("/api/v1/patients", json=body, headers=cleo).json()
    chart = f"/api/v1/patients/{patient['id']}"
    admitted = api.post(
        f"{chart}/episodes",
        headers=cleo,
        json={"program_id": program["id"], "admitted_on": date.today().isoformat()},
    )
    assert admitted.status_code == 201, admitted.text
    allergy = {"substance": "Penicillin", "reaction": "hives", "severity": "moderate"}
    assert api.post(f"{chart}/allergies", headers=cleo, json=allergy).status_code == 201
    prn = api.post(
        f"{chart}/prescriptions",
        headers=cleo,
        json={
            "drug_name": "Hydroxyzine",
            "strength": "25 mg",
            "dose_form": "tablet",
            "dose_amount": 25,
            "dose_unit": "mg",
            "route": "PO",
            "frequency": "prn",
            "prn_indication": "anxiety",
            "quantity": 30,
            "quantity_unit": "tablet",
        },
    ).json()
    signed = api.post(f"/api/v1/prescriptions/{prn['id']}/sign", headers=cleo | {"If-Match": '"1"'})
    assert signed.status_code == 200, signed.text
    api.close()
    return dict(patient)


def test_prescribe_over_allergy_give_on_mar_then_discontinue(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    patient = _resident(app_url)
    now = datetime.now(CLINIC)
    mar_day = now.date() if now.hour < 22 else now.date() + timedelta(days=1)
    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/patients/{patient['id']}")
    meds = page.locator("#chart-meds")
    expect(meds.locator("#meds-active")).to_contain_text("Hydroxyzine", timeout=30_000)
    reported = page.locator("#reported-form")
    reported.locator("input[name=name]").fill("Sertraline")
    reported.locator("input[name=strength]").fill("50 mg")
    reported.get_by_role("button", name="Add reported medication").click()
    expect(meds.locator(".med-active").filter(has_text="Sertraline")).to_contain_text(
        "client reported", timeout=20_000
    )

    page.locator("#rx-drug").fill("Amoxicillin")
    page.locator("#rx-strength").fill("500 mg")
    page.locator("#rx-form").fill("capsule")
    meds.locator("input[name=dose_amount]").fill("500")
    meds.locator("select[name=frequency]").select_option("bid")
    meds.locator("input[name=times]").fill("23:00, 23:30")
    meds.locator("input[name=quantity]").fill("20")
    meds.locator("select[name=quantity_unit]").select_option("capsule")
    meds.locator("input[name=refills]").fill("3")
    meds.locator("select[name=schedule]").select_option("II")
    page.locator("#rx-submit").click()
    expect(meds.locator(".field-error[data-field=refills]")).to_contain_text(
        "cannot be refilled", timeout=20_000
    )

    meds.locator("select[name=schedule]").select_option("not controlled")
    page.locator("#rx-submit").click()
    warning = page.locator("#allergy-warning")
    expect(warning).to_contain_text("Amoxicillin is one of the penicillins", timeout=20_000)
    page.locator("#rx-submit").click()
    expect(meds.locator(".field-error[data-field=allergy_override_reason]")).to_be_visible()
    warning.locator("input[name=allergy_override_reason]").fill("Tolerated amoxicillin in 2024")
    page.locator("#rx-submit").click()
    draft = meds.locator(".prescription").filter(has_text="Amoxicillin 500 mg capsule")
    expect(draft).to_have_attribute("data-status", "draft", timeout=20_000)
    expect(draft).to_contain_text("Allergy override: Tolerated amoxicillin in 2024")
    expect(warning).to_have_count(0)
    draft.get_by_role("button", name="Sign").click()
    expect(draft).to_have_attribute("data-status", "signed", timeout=20_000)
    expect(meds.locator("#meds-active")).to_contain_text("500 mg PO bid", timeout=20_000)

    draft.get_by_role("button", name="Send to pharmacy").click()
    expect(page.locator("#rx-notice")).to_contain_text(
        "No certified e-prescribing network", timeout=20_000
    )
    with page.expect_download(timeout=30_000) as download:
        draft.get_by_role("button", name="Print").click()
    saved = tmp_path / "prescription.pdf"
    download.value.save_as(saved)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(saved.read_bytes())).pages)
    assert "Perpetua Dosewell" in text and "500 mg PO bid" in text
    page.screenshot(path="test-results/chart-meds.png", full_page=True)

    page.get_by_role("link", name="MAR").click()
    prn = page.locator(".mar-row").filter(has_text="Hydroxyzine")  # the shift under way
    expect(prn).to_be_visible(timeout=20_000)
    prn.locator("input[name=reason]").fill("Pacing, anxious before family session")
    prn.get_by_role("button", name="Give PRN").click()
    expect(prn.locator(".prn-dose")).to_contain_text("Pacing, anxious", timeout=20_000)
    prn.locator("input[name=effect]").fill("Calmer after 40 minutes")
    prn.get_by_role("button", name="Save effect").click()
    expect(prn.locator(".prn-dose")).to_contain_text("Effect: Calmer", timeout=20_000)

    page.locator("#mar-day").fill(mar_day.isoformat())
    page.locator("#mar-shift").select_option("all")
    row = page.locator(".mar-row").filter(has_text="Amoxicillin")
    first, second = (
        row.locator(".mar-cell[data-time='23:00']"),
        row.locator(".mar-cell[data-time='23:30']"),
    )
    expect(second).to_have_attribute("data-status", "scheduled", timeout=20_000)
    second.get_by_role("button", name="Held").click()
    expect(page.locator("#dose-note")).to_be_visible(timeout=15_000)
    second.get_by_role("button", name="Cancel").click()
    first.get_by_role("button", name="Given").click()
    expect(first).to_have_attribute("data-status", "given", timeout=20_000)
    expect(first.locator(".dose-recorded")).to_contain_text("CC")
    page.screenshot(path="test-results/mar.png", full_page=True)

    page.goto(f"{app_url}/patients/{patient['id']}")
    signed = meds.locator(".prescription").filter(has_text="Amoxicillin 500 mg capsule")
    signed.locator("input[name=reason]").fill("Rash on day two")
    signed.get_by_role("button", name="Discontinue").click()
    expect(signed).to_have_attribute("data-status", "discontinued", timeout=20_000)
    expect(meds.locator("#meds-past")).to_contain_text("Rash on day two")

    page.get_by_role("link", name="MAR").click()
    expect(row.locator(".mar-cell")).to_have_count(1, timeout=20_000)
    expect(row.locator(".mar-cell[data-status=given]")).to_have_count(1)
