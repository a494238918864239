"""The UI shell in a real browser: it renders, navigates, and shows the API's health."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.platform


def test_ui_renders_and_shows_api_health(page: Page, app_url: str) -> None:
    sign_in(page, app_url, "cleo")
    expect(page.get_by_role("heading", name="Today")).to_be_visible(timeout=30_000)
    badge = page.locator("#api-status")
    expect(badge).to_have_text("API online", timeout=30_000)
    expect(badge).to_have_attribute("data-status", "ok")


def test_navigation_reaches_each_section(page: Page, app_url: str) -> None:
    sign_in(page, app_url, "cleo")
    for label, heading in [("Schedule", "Schedule"), ("Group notes", "Group notes")]:
        page.get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=15_000)
    page.get_by_role("link", name="Patients").click()
    expect(page).to_have_url(app_url + "/patients")


def test_api_and_docs_are_served_on_the_ui_port(page: Page, app_url: str) -> None:
    response = page.request.get(app_url + "/api/v1/health")
    assert response.status == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    page.goto(app_url + "/api/docs")
    expect(page.get_by_text("/api/v1/health", exact=True)).to_be_visible(timeout=30_000)
