"""Markup in a client's name, a plan or a note is shown as the text it is: Chromium displays
``<img src=x onerror=…>`` literally on the patient list, the chart, the plan and the note,
and nothing in it runs (no flag set on ``window``, no dialog, no element created)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.reliability

GIVEN = '<img src=x onerror="window.__pwned=1">'
FAMILY = "<script>window.__pwned=2</script>"
PLAN_TEXT = '<img src=x onerror="window.__pwned=3"> \'; DROP TABLE plan;--'
NOTE_TEXT = '<script>window.__pwned=4</script><svg onload="window.__pwned=5">'
INJECTED = """() => ({
    pwned: typeof window.__pwned,
    images: document.querySelectorAll('img[src="x"]').length,
    svgs: document.querySelectorAll('svg[onload]').length,
    scripts: [...document.scripts].filter(s => s.text.includes('__pwned')).length,
})"""
INERT = {"pwned": "undefined", "images": 0, "svgs": 0, "scripts": 0}


def _hostile_chart(app_url: str) -> dict[str, Any]:
    """cleo's client with a markup name, an active plan and a draft note full of markup."""
    api, cleo = _api(app_url, "cleo")
    body = {"given_name": GIVEN, "family_name": FAMILY, "birth_date": "1990-01-01"}
    patient = api.post("/api/v1/patients", json=body, headers=cleo).json()
    objective = {
        "text": PLAN_TEXT,
        "kind": "rating",
        "baseline": 3,
        "target": 7,
        "direction": "increase",
        "target_date": (date.today() + timedelta(days=60)).isoformat(),
        "interventions": [{"modality": "CBT", "frequency": "weekly", "description": PLAN_TEXT}],
    }
    goal = {"text": PLAN_TEXT, "objectives": [objective]}
    content = {"problems": [{"description": PLAN_TEXT, "goals": [goal]}]}
    plans = f"/api/v1/patients/{patient['id']}/plans"
    plan = api.post(plans, json={"content": content}, headers=cleo).json()
    assert api.post(f"/api/v1/plans/{plan['id']}/sign", headers=cleo).status_code == 200
    signature = {"kind": "typed", "data": FAMILY}
    signed = api.post(f"/api/v1/plans/{plan['id']}/client-signature", json=signature, headers=cleo)
    assert signed.json()["status"] == "active", signed.text
    start = datetime.now(UTC) - timedelta(hours=3)
    note = api.post(
        f"/api/v1/patients/{patient['id']}/progress-notes",
        headers=cleo,
        json={
            "format": "dap",
            "service_start": start.isoformat(),
            "service_end": (start + timedelta(minutes=50)).isoformat(),
            "sections": {"data": NOTE_TEXT, "plan": PLAN_TEXT},
        },
    ).json()
    api.close()
    return {"patient": patient, "note": note}


def test_markup_in_names_plans_and_notes_renders_as_inert_text(page: Page, app_url: str) -> None:
    chart = _hostile_chart(app_url)
    patient_id = chart["patient"]["id"]
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    sign_in(page, app_url, "cleo")

    page.goto(app_url + "/patients")
    page.locator("#search-q").fill(FAMILY)
    page.locator("#search-go").click()
    results = page.locator("#patient-results")
    expect(results.get_by_text(f"{FAMILY}, {GIVEN}", exact=True)).to_be_visible(timeout=20_000)
    assert page.evaluate(INJECTED) == INERT

    page.goto(f"{app_url}/patients/{patient_id}")
    expect(page.locator("#chart-name")).to_have_text(f"{GIVEN} {FAMILY}", timeout=20_000)
    expect(page.get_by_text(PLAN_TEXT, exact=True).first).to_be_visible(timeout=20_000)
    assert page.evaluate(INJECTED) == INERT

    page.goto(f"{app_url}/plan/{patient_id}")
    expect(page.locator("#plan-client")).to_have_text(f"{GIVEN} {FAMILY}", timeout=20_000)
    expect(page.locator("#plan-active")).to_contain_text(PLAN_TEXT)
    assert page.evaluate(INJECTED) == INERT

    page.goto(f"{app_url}/progress/{chart['note']['id']}")
    expect(page.locator("#section-data")).to_have_value(NOTE_TEXT, timeout=20_000)
    expect(page.locator("#section-plan")).to_have_value(PLAN_TEXT)
    assert page.evaluate(INJECTED) == INERT
    assert dialogs == []
