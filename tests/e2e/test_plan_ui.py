"""A clinician builds a treatment plan on a tablet: problem (with the client's diagnosis) →
goal → rating objective → intervention; an objective whose target is on the wrong side of
its baseline is refused next to its row; fixed, saved, signed by the clinician and by the
client (typed name + agreement), the plan is active, due for review on Today, and on the
chart with a manual measurement. A revision shows its changes and a colleague's earlier
save is reported as a conflict."""

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.plans


def _client(app_url: str, given: str, family: str, level: str = "outpatient") -> dict[str, Any]:
    """A client of cleo's with one active diagnosis, admitted to a program at ``level``."""
    api, ada = _api(app_url, "ada")
    _, cleo = _api(app_url, "cleo")
    program = api.post(
        "/api/v1/programs",
        headers=ada,
        json={"name": f"{level} {uuid.uuid4().hex[:6]}", "level_of_care": level},
    ).json()
    body = {"given_name": given, "family_name": family, "birth_date": "1986-06-06"}
    patient = api.post("/api/v1/patients", json=body, headers=cleo).json()
    chart = f"/api/v1/patients/{patient['id']}"
    admitted = api.post(
        f"{chart}/episodes",
        headers=cleo,
        json={"program_id": program["id"], "admitted_on": date.today().isoformat()},
    )
    assert admitted.status_code == 201, admitted.text
    diagnosis = {"code": "F10.20", "description": "Alcohol use disorder, moderate"}
    assert api.post(f"{chart}/diagnoses", headers=cleo, json=diagnosis).status_code == 201
    api.close()
    return dict(patient)


def _row(page: Page, path: str) -> Locator:
    return page.locator(f".plan-row[data-path='{path}']")


def test_build_sign_and_measure_a_plan(page: Page, app_url: str) -> None:
    patient = _client(app_url, "Marisol", "Planwright", level="detox")
    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/plan/{patient['id']}")
    expect(page.locator("#plan-client")).to_have_text("Marisol Planwright", timeout=20_000)
    expect(page.locator("#plan-active")).to_contain_text("No active plan")
    page.locator("#plan-start").click()
    page.locator("#plan-add-problem").click()

    problem = _row(page, "0")
    problem.locator("input[name=description]").fill("Drinking daily, missing work")
    problem.locator("select[name=icd10]").select_option("F10.20")
    problem.get_by_role("button", name="+ goal").click()
    goal = _row(page, "0.0")
    goal.locator("input[name=text]").fill("I want to keep my job and stay sober")
    goal.get_by_role("button", name="+ objective").click()
    objective = _row(page, "0.0.0")
    objective.locator("input[name=text]").fill("Rates confidence in coping with cravings")
    objective.locator("select[name=kind]").select_option("rating")
    objective.locator("input[name=baseline]").fill("3")
    objective.locator("input[name=target]").fill("2")
    objective.locator("select[name=direction]").select_option("increase")
    objective.get_by_role("button", name="+ intervention").click()
    intervention = _row(page, "0.0.0.0")  # noqa: S104 (a row path, not an address)
    intervention.locator("select[name=modality]").select_option("CBT")
    intervention.locator("input[name=frequency]").fill("weekly")
    page.locator("#plan-save").click()
    expect(objective.locator(".row-error")).to_contain_text(
        "target: must be above the baseline to increase", timeout=15_000
    )
    expect(page.locator("#plan-saved")).to_have_text("Not saved")

    objective.locator("input[name=target]").fill("7")
    page.locator("#plan-save").click()
    expect(page.locator("#plan-saved")).to_have_text("Saved", timeout=15_000)
    expect(page.locator(".row-error")).to_have_count(0)
    page.screenshot(path="test-results/plan-editor.png", full_page=True)

    page.locator("#plan-sign").click()
    expect(page.locator("#plan-clinician-signed")).to_be_visible(timeout=15_000)
    page.locator("#client-name").fill("Marisol Planwright")
    page.locator("#client-agree").check()
    page.locator("#client-sign").click()
    active = page.locator("#plan-active")
    expect(active).to_contain_text("Active plan: version 1", timeout=15_000)
    review = (date.today() + timedelta(days=7)).isoformat()  # detox: a week
    expect(active).to_contain_text(f"review due {review}")
    expect(active).to_contain_text("Rates confidence in coping with cravings")
    expect(page.locator("#plan-revise")).to_be_visible()

    page.get_by_role("link", name="Today").click()
    expect(page.locator("#plans-due")).to_contain_text("Marisol Planwright", timeout=20_000)

    page.goto(f"{app_url}/patients/{patient['id']}")
    card = page.locator("#chart-plan")
    expect(card.locator(".objective")).to_contain_text(
        "Rates confidence in coping with cravings", timeout=20_000
    )
    expect(card.locator(".objective-status")).to_have_text("no data")
    expect(card).to_contain_text("3 → 7 (increase)")
    card.locator("input[name=value]").fill("5")
    card.get_by_role("button", name="Add", exact=True).click()
    expect(card.locator(".objective-point")).to_contain_text("5 · manual", timeout=15_000)
    expect(card.locator(".objective-status")).to_have_text("on track")
    expect(card.locator(".recharts-surface")).to_have_count(1)


def _active_plan(app_url: str, patient: dict[str, Any]) -> tuple[httpx.Client, dict, str]:
    """An active version 1 made through the API; returns cleo's client and headers."""
    api, cleo = _api(app_url, "cleo")
    objective = {
        "text": "Goes to three meetings a week",
        "kind": "count",
        "unit": "meetings",
        "baseline": 0,
        "target": 3,
        "direction": "increase",
        "target_date": (date.today() + timedelta(days=30)).isoformat(),
        "interventions": [{"modality": "case management", "frequency": "weekly"}],
    }
    goal = {"text": "I want people around me who don't drink", "objectives": [objective]}
    content = {"problems": [{"description": "Isolation", "icd10": None, "goals": [goal]}]}
    url = f"/api/v1/patients/{patient['id']}/plans"
    plan = api.post(url, headers=cleo, json={"content": content}).json()
    api.post(f"/api/v1/plans/{plan['id']}/sign", headers=cleo)
    signature = {"kind": "typed", "data": f"{patient['given_name']} {patient['family_name']}"}
    signed = api.post(f"/api/v1/plans/{plan['id']}/client-signature", headers=cleo, json=signature)
    assert signed.json()["status"] == "active", signed.text
    return api, cleo, url


def test_revision_shows_changes_and_a_colleagues_save_wins(page: Page, app_url: str) -> None:
    patient = _client(app_url, "Teodoro", "Revisewell")
    api, cleo, url = _active_plan(app_url, patient)
    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/plan/{patient['id']}")
    page.locator("#plan-revise").click()
    objective = _row(page, "0.0.0")
    objective.locator("input[name=target]").fill("4")
    page.locator("#plan-save").click()
    expect(page.locator("#plan-saved")).to_have_text("Saved", timeout=15_000)
    expect(page.locator("#plan-changes")).to_contain_text("Changes from version 1")
    expect(page.locator(".plan-change")).to_have_text(
        "changed objective “Goes to three meetings a week”: target"
    )

    draft = next(p for p in api.get(url, headers=cleo).json() if p["status"] == "draft")
    draft["content"]["problems"][0]["description"] = "Isolation from sober friends"
    colleague = api.put(
        f"/api/v1/plans/{draft['id']}",
        headers=cleo | {"If-Match": f'"{draft["version"]}"'},
        json=draft["content"],
    )
    assert colleague.status_code == 200, colleague.text
    api.close()
    objective.locator("input[name=target]").fill("5")
    page.locator("#plan-save").click()
    expect(page.locator("#plan-saved")).to_have_text(
        "Conflict: a colleague saved first — reloaded", timeout=15_000
    )
    expect(_row(page, "0").locator("input[name=description]")).to_have_value(
        "Isolation from sober friends"
    )
    expect(objective.locator("input[name=target]")).to_have_value("4")
