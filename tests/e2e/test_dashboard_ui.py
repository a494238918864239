"""Dashboards by role and the reports page: a coordinator sees the census chart, a
supervisor the size of the co-sign queue and the team's outcomes, and a report downloads as
CSV."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, document_attendees, sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.billing
GROUP = "Dashboard Skills"


@pytest.fixture(scope="module")
def clinic(app_url: str) -> None:
    """A supervisor and a peer facilitator (whose signed notes need a co-signature), an IOP
    client admitted yesterday with two PHQ-9 scores (17, then 5), and yesterday's session of
    their group, signed."""
    api, ada = _api(app_url, "ada")
    for username, role in (("dash-sup", "supervisor"), ("dash-fac", "facilitator")):
        body = {"username": username, "password": PASSWORD, "roles": [role]}
        assert api.post("/api/v1/users", headers=ada, json=body).status_code == 201
    program = api.post(
        "/api/v1/programs", headers=ada, json={"name": "Dashboard IOP", "level_of_care": "iop"}
    ).json()
    _, coco = _api(app_url, "coco")
    _, facilitator = _api(app_url, "dash-fac")
    fac_id = api.get("/api/v1/auth/me", headers=facilitator).json()["id"]
    yesterday = date.today() - timedelta(days=1)
    group = api.post(
        "/api/v1/groups",
        headers=coco,
        json={"name": GROUP, "program_id": program["id"], "facilitator_ids": [fac_id]},
    ).json()
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
    body = {"given_name": "Leopold", "family_name": "Censusworth", "birth_date": "1979-09-09"}
    patient = api.post("/api/v1/patients", json=body, headers=coco).json()
    admit = {"program_id": program["id"], "admitted_on": yesterday.isoformat()}
    episode = api.post(f"/api/v1/patients/{patient['id']}/episodes", headers=coco, json=admit)
    assert episode.status_code == 201, episode.text
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
    for answers in ([3, 3, 3, 2, 2, 2, 1, 1, 0], [1, 1, 1, 1, 1, 0, 0, 0, 0]):
        assessed = api.post(
            f"/api/v1/patients/{patient['id']}/assessments",
            headers=facilitator,
            json={"instrument": "phq9", "answers": answers},
        )
        assert assessed.status_code == 201, assessed.text
    note = api.post(f"/api/v1/sessions/{session_id}/note", headers=facilitator).json()
    url = f"/api/v1/notes/{note['id']}"
    api.patch(url, headers=facilitator | {"If-Match": '"1"'}, json={"topic": "Routines"})
    document_attendees(api, facilitator, session_id)
    signed = api.post(f"{url}/sign", headers=facilitator)
    assert signed.status_code == 200 and signed.json()["cosign_required"], signed.text
    api.close()


def test_coordinator_dashboard_shows_the_census_chart(page: Page, app_url: str, clinic) -> None:
    sign_in(page, app_url, "coco")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#census-chart svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#census-chart")).to_contain_text("IOP")
    expect(page.locator("#attendance-chart svg").first).to_be_visible()
    page.screenshot(path="test-results/dashboard-coordinator.png", full_page=True)


def test_supervisor_dashboard_shows_the_cosign_queue(page: Page, app_url: str, clinic) -> None:
    api, supervisor = _api(app_url, "dash-sup")
    waiting = len(api.get("/api/v1/notes/cosign-queue", headers=supervisor).json())
    api.close()
    assert waiting >= 1
    sign_in(page, app_url, "dash-sup")
    page.goto(f"{app_url}/dashboard")
    expect(page.locator("#cosign-count")).to_have_text(str(waiting), timeout=30_000)
    expect(page.locator("#dashboard-supervisor")).to_contain_text("Dashboard IOP · PHQ-9")
    expect(page.locator("#dashboard-coordinator")).to_have_count(0)
    page.screenshot(path="test-results/dashboard-supervisor.png", full_page=True)


def test_reports_page_downloads_the_report_as_csv(page: Page, app_url: str, clinic) -> None:
    sign_in(page, app_url, "coco")
    page.get_by_role("link", name="Reports").click()
    expect(page.locator("#report-table")).to_contain_text(GROUP, timeout=30_000)
    with page.expect_download(timeout=30_000) as download:
        page.locator("#report-csv").click()
    content = Path(download.value.path()).read_text()
    assert content.startswith("by,id,name,sessions,expected,attended,no_shows,excused,rate")
    assert any(f",{GROUP}," in line for line in content.splitlines()[1:]), content
    page.screenshot(path="test-results/reports.png", full_page=True)
