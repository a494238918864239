"""A clinician hands the tablet to a client for the PHQ-9: the screen shows the questionnaire
alone, every other page (typed URL, browser back) leads back to it, the client answers and
submits, a wrong password keeps it locked and the right one opens the chart with the new
score. Today shows safety alerts (acknowledged there) and assessments due."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.plans

# Answers 2,2,2,1,1,1,1,0,0: total 10, "moderate"; item 9 "Not at all".
ANSWERS = [
    "More than half the days",
    "More than half the days",
    "More than half the days",
    "Several days",
    "Several days",
    "Several days",
    "Several days",
    "Not at all",
    "Not at all",
]


def _patient(app_url: str, given: str, family: str) -> dict:
    api, cleo = _api(app_url, "cleo")
    body = {"given_name": given, "family_name": family, "birth_date": "1988-08-08"}
    patient = api.post("/api/v1/patients", json=body, headers=cleo).json()
    added = api.post(
        f"/api/v1/patients/{patient['id']}/diagnoses", json={"code": "F33.1"}, headers=cleo
    )
    assert added.status_code in (200, 201), added.text
    api.close()
    return patient


def _answer(page: Page, item: int, label: str) -> None:
    page.locator(".questionnaire-item").nth(item).get_by_role("radio", name=label).click()


def test_hand_to_client_questionnaire_locks_until_password(page: Page, app_url: str) -> None:
    patient = _patient(app_url, "Perpetua", "Quillfeather")
    chart_url = f"{app_url}/patients/{patient['id']}"
    questionnaire = re.compile(rf"/questionnaire/{patient['id']}$")
    hidden = ["Quillfeather", patient["mrn"], "F33.1", "Major depressive disorder"]

    sign_in(page, app_url, "cleo")
    page.goto(chart_url)
    expect(page.locator("#diagnoses")).to_contain_text("F33.1", timeout=20_000)
    expect(page.locator("#chart-measures")).to_contain_text("No assessments yet", timeout=20_000)
    page.locator("#hand-phq9").click()

    expect(page).to_have_url(questionnaire, timeout=20_000)
    expect(page.locator("#questionnaire-title")).to_have_text(
        "Patient Health Questionnaire-9", timeout=20_000
    )
    expect(page.get_by_text("Hello Perpetua")).to_be_visible()

    def shows_only_the_questionnaire() -> None:
        expect(page).to_have_url(questionnaire, timeout=20_000)
        expect(page.locator("#unlock-password")).to_be_visible(timeout=20_000)
        for token in hidden:
            expect(page.locator("body")).not_to_contain_text(token)
        for link in ("Today", "Patients", "Schedule"):
            expect(page.get_by_role("link", name=link)).to_have_count(0)
        expect(page.locator("#sign-out")).to_have_count(0)

    shows_only_the_questionnaire()
    page.screenshot(path="test-results/questionnaire.png", full_page=True)
    page.go_back()
    shows_only_the_questionnaire()
    for url in (f"{app_url}/patients", chart_url, f"{app_url}/"):
        page.goto(url)
        shows_only_the_questionnaire()

    for item, label in enumerate(ANSWERS[:-1]):
        _answer(page, item, label)
    page.locator("#questionnaire-submit").click()
    expect(page.locator("#questionnaire-error")).to_contain_text("still open: 9", timeout=15_000)
    _answer(page, 8, ANSWERS[8])
    chosen = page.locator(".questionnaire-item").nth(8).get_by_role("radio", name="Not at all")
    expect(chosen).to_have_attribute("aria-checked", "true")
    page.locator("#questionnaire-submit").click()
    expect(page.locator("#questionnaire-thanks")).to_have_text(
        "Thank you, please hand the tablet back.", timeout=15_000
    )

    page.locator("#unlock-password").fill("not-my-password")
    page.locator("#unlock").click()
    expect(page.locator("#unlock-error")).to_contain_text("stays locked", timeout=15_000)
    page.goto(chart_url)
    shows_only_the_questionnaire()

    page.locator("#unlock-password").fill(PASSWORD)
    page.locator("#unlock").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient['id']}$"), timeout=20_000)
    row = page.locator("#chart-measures .assessment-row").first
    expect(row).to_contain_text("PHQ-9", timeout=20_000)
    expect(row.locator(".assessment-total")).to_have_text("10")
    expect(row.locator(".assessment-severity")).to_have_text("moderate")
    expect(row).to_contain_text("client")
    expect(page.locator("#chart-name")).to_have_text("Perpetua Quillfeather")
    page.screenshot(path="test-results/chart-measures.png", full_page=True)
    page.goto(f"{app_url}/patients")
    expect(page).to_have_url(re.compile(r"/patients/?$"), timeout=20_000)
    expect(page.get_by_role("link", name="Quillfeather, Perpetua")).to_be_visible(timeout=20_000)


def test_today_alerts_acknowledge_and_due_list(page: Page, app_url: str) -> None:
    patient = _patient(app_url, "Eudora", "Marchbanks")
    api, cleo = _api(app_url, "cleo")
    flagged = api.post(
        f"/api/v1/patients/{patient['id']}/assessments",
        headers=cleo,
        json={"instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 2]},
    )
    assert flagged.json()["flags"] == ["suicidal_ideation"], flagged.text
    scheduled = api.post(
        f"/api/v1/patients/{patient['id']}/assessment-schedules",
        headers=cleo,
        json={
            "instrument": "gad7",
            "every_days": 14,
            "start_on": (date.today() - timedelta(days=3)).isoformat(),
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    api.close()

    sign_in(page, app_url, "cleo")
    alerts = page.locator("#today-alerts")
    row = alerts.locator(".alert-row").filter(has_text="Eudora Marchbanks")
    expect(row).to_contain_text("PHQ-9 item 9", timeout=20_000)
    expect(row).to_contain_text("More than half the days")
    expect(page.locator("#assessments-due .due-row").filter(has_text="Eudora")).to_contain_text(
        "GAD-7"
    )
    expect(page.locator("#assessments-due .due-row").filter(has_text="Eudora")).to_contain_text(
        "overdue"
    )
    page.screenshot(path="test-results/today-measures.png", full_page=True)
    row.get_by_role("button", name="Acknowledge").click()
    expect(row).to_have_count(0, timeout=15_000)
    page.reload()
    expect(page.locator("#assessments-due")).to_contain_text("Eudora", timeout=20_000)
    expect(page.locator(".alert-row").filter(has_text="Eudora")).to_have_count(0)
