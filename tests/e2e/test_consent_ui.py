"""A clinician opens a chart with a Part 2 consent: revokes one recipient, is refused a
disclosure to them (the message names the missing consent), then discloses to the other
recipient, downloads the PDF and sees it in the accounting."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.consent


def _patient_with_consent(app_url: str) -> str:
    api, cleo = _api(app_url, "cleo")
    body = {"given_name": "Priya", "family_name": "Consentino", "birth_date": "1988-08-08"}
    patient_id = api.post("/api/v1/patients", json=body, headers=cleo).json()["id"]
    consent = {
        "discloser": "Harbor Recovery IOP",
        "recipients": [{"name": "Dr. Ada Lane"}, {"name": "County Drug Court"}],
        "purposes": ["tpo"],
        "information": "Diagnoses and attendance",
        "categories": ["diagnoses", "attendance"],
        "expires_on": (date.today() + timedelta(days=90)).isoformat(),
        "revocation_text": "You may revoke at any time, in writing.",
        "signed_by": "Priya Consentino",
        "signed_on": date.today().isoformat(),
    }
    stored = api.post(f"/api/v1/patients/{patient_id}/consents", json=consent, headers=cleo)
    assert stored.status_code == 201, stored.text
    api.close()
    return str(patient_id)


def test_revoke_one_recipient_refused_then_disclose_to_the_other(page: Page, app_url: str) -> None:
    patient_id = _patient_with_consent(app_url)
    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/patients/{patient_id}")
    card = page.locator("#chart-consent")
    ada = card.locator(".consent-recipient").filter(has_text="Dr. Ada Lane")
    expect(ada).to_have_count(1, timeout=30_000)
    ada.get_by_role("button", name="Revoke").click()
    expect(ada).to_contain_text("revoked")

    card.locator("#disclose-recipient").fill("Dr. Ada Lane")
    card.locator("input[name=disclose_diagnoses]").check()
    card.locator("#disclose-submit").click()
    expect(card.locator("#disclose-refused")).to_contain_text("No valid consent")

    card.locator("#disclose-recipient").fill("County Drug Court")
    with page.expect_download() as download:
        card.locator("#disclose-submit").click()
    assert download.value.suggested_filename.startswith("disclosure-")
    expect(card.locator(".disclosure")).to_contain_text("County Drug Court")
    card.scroll_into_view_if_needed()
    page.screenshot(path="test-results/consent-chart.png", full_page=True)
