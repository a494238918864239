"""End to end: a facilitator rates a member's plan objective with the slider in the group
note, signs, and the rating is a progress point on that objective's chart."""

import random
import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import document_attendees, sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.plans


def _group_with_a_planned_member(app_url: str) -> tuple[str, dict]:
    api, coco = _api(app_url, "coco")
    _, cleo = _api(app_url, "cleo")
    cleo_id = next(
        s["id"] for s in api.get("/api/v1/staff", headers=coco).json() if s["username"] == "cleo"
    )
    group = api.post(
        "/api/v1/groups",
        headers=coco,
        json={"name": f"Seeking Safety {uuid.uuid4().hex[:6]}", "facilitator_ids": [cleo_id]},
    ).json()
    # A day of its own (other browser tests book cleo yesterday; a rerun must not collide).
    yesterday = date.today() - timedelta(days=random.randint(3, 60))
    session_id = api.post(
        "/api/v1/series",
        headers=coco,
        json={
            "group_id": group["id"],
            "rrule": "FREQ=DAILY;COUNT=1",
            "timezone": "America/New_York",
            "start_local": f"{yesterday.isoformat()}T07:00",
            "duration_minutes": 60,
        },
    ).json()["sessions"][0]["id"]
    members = []
    for given in ("Evangelina", "Cornelius"):
        # A birth date of each attempt's own: a rerun must not meet the duplicate check.
        born = date(1991, 1, 1) + timedelta(days=random.randint(0, 3000))
        body = {"given_name": given, "family_name": "Rating", "birth_date": born.isoformat()}
        patient = api.post("/api/v1/patients", json=body, headers=cleo).json()
        members.append(patient)
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
    document_attendees(api, cleo, session_id)
    planned = members[0]
    chart = f"/api/v1/patients/{planned['id']}"
    api.post(f"{chart}/diagnoses", headers=cleo, json={"code": "F43.10"})
    objective = {
        "id": str(uuid.uuid4()),
        "text": "Feels safe using grounding skills",
        "kind": "rating",
        "baseline": 2,
        "target": 8,
        "direction": "increase",
        "target_date": (date.today() + timedelta(days=45)).isoformat(),
        "interventions": [{"modality": "group", "frequency": "3x/week"}],
    }
    content = {
        "problems": [
            {
                "description": "Post-traumatic stress",
                "icd10": "F43.10",
                "goals": [{"text": "I want to feel safe at home", "objectives": [objective]}],
            }
        ]
    }
    plan = api.post(f"{chart}/plans", headers=cleo, json={"content": content}).json()
    api.post(f"/api/v1/plans/{plan['id']}/sign", headers=cleo)
    active = api.post(
        f"/api/v1/plans/{plan['id']}/client-signature",
        headers=cleo,
        json={"kind": "typed", "data": "Evangelina Rating"},
    ).json()
    assert active["status"] == "active", active
    api.close()
    return session_id, planned


def test_group_note_rating_reaches_the_objective_chart(page: Page, app_url: str) -> None:
    session_id, planned = _group_with_a_planned_member(app_url)
    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/document/{session_id}")
    thumb = page.locator(".objective-slider [role=slider]")
    expect(thumb).to_have_count(1, timeout=20_000)  # only the member with a plan
    page.locator(".objective-slider").scroll_into_view_if_needed()  # below the fold
    track = page.locator(".objective-slider").bounding_box()
    assert track is not None
    # A tap at 60% of the track, as a finger would: one value, committed once.
    page.mouse.click(track["x"] + track["width"] * 0.6, track["y"] + track["height"] / 2)
    badge = page.locator(".rating-value")
    expect(badge).to_have_text(re.compile(r"^(5|6|7)$"), timeout=15_000)
    rating = badge.inner_text()
    page.locator("#note-topic").fill("Grounding skills")
    page.locator("#note-process").click()
    expect(page.locator("#note-saved")).to_have_text("Saved", timeout=15_000)
    page.locator("#note-sign").click()
    expect(page.locator("#note-saved")).to_have_text("Signed and locked", timeout=15_000)

    page.goto(f"{app_url}/patients/{planned['id']}")
    point = page.locator("#chart-plan .objective-point")
    expect(point).to_have_count(1, timeout=20_000)
    expect(point).to_contain_text(rating)
    expect(point).to_contain_text("group")
    page.screenshot(path="test-results/objective-chart.png", full_page=True)
