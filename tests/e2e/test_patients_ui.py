"""Register → find by fuzzy search → open the chart → residential to IOP → one timeline,
at tablet landscape and portrait sizes."""

import random
import re

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.patients
VIEWPORTS = {
    "landscape": {"width": 1024, "height": 768},
    "portrait": {"width": 820, "height": 1180},
}


@pytest.fixture(scope="module")
def programs(app_url: str) -> None:
    with httpx.Client(base_url=app_url) as api:
        token = api.post("/api/v1/auth/token", json={"username": "ada", "password": PASSWORD})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for name, level in [("Residential", "residential"), ("IOP", "iop")]:
            response = api.post(
                "/api/v1/programs",
                headers=auth,
                json={"name": name, "level_of_care": level, "part2": True},
            )
            assert response.status_code in (201, 409)


def _open(page: Page, link: Locator) -> None:
    """Click a result; if a re-render swallowed the click, click it again once."""
    link.click()
    try:
        page.wait_for_url(re.compile(r"/patients/[0-9a-f-]{36}$"), timeout=10_000)
    except PlaywrightTimeoutError:
        link.click()
        page.wait_for_url(re.compile(r"/patients/[0-9a-f-]{36}$"), timeout=10_000)


def _pick(page: Page, form: str, name: str, option: str) -> None:
    page.locator(f"{form} select[name={name}]").select_option(label=option)


@pytest.mark.parametrize("layout", ["landscape", "portrait"])
def test_register_find_open_and_move_residential_to_iop(
    browser: Browser, app_url: str, programs: None, layout: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS[layout])  # type: ignore[arg-type]
    page = context.new_page()
    family = "O'Brien-Nguyễn" if layout == "landscape" else "Ó Súilleabháin"
    given = "Zoë 🌈"
    sign_in(page, app_url, "cleo")
    page.goto(app_url + "/patients/new")
    page.locator("#reg-given_name").fill(given)
    page.locator("#reg-family_name").fill(family)
    # A birth date of its own: a rerun (or the other layout) must not meet a possible duplicate.
    page.locator("#reg-birth_date").fill(
        f"{random.randint(1940, 2000)}-07-{random.randint(10, 28)}"
    )
    page.locator("#reg-pronouns").fill("she/they")
    page.locator("#register-go").click()
    expect(page.locator("#chart-name")).to_have_text(f"{given} {family}", timeout=20_000)

    page.goto(app_url + "/patients")
    page.locator("#search-q").fill("Zoe " + family.replace("'", "").replace("-", " ")[:8])
    page.locator("#search-go").click()
    result = page.locator("#patient-results").get_by_role("link", name=f"{family}, {given}")
    expect(result).to_be_visible(timeout=20_000)
    _open(page, result)
    expect(page.locator("#chart-level")).to_have_text("Not admitted", timeout=20_000)

    _pick(page, "#admit-form", "program", "Residential")
    page.locator("#admit-form input[name=on]").fill("2026-09-01")
    page.locator("#admit-form").get_by_role("button", name="Admit").click()
    expect(page.locator("#chart-level")).to_contain_text("Residential", timeout=20_000)

    _pick(page, "#transition-form", "program", "IOP")
    page.locator("#transition-form input[name=on]").fill("2026-10-15")
    page.locator("#transition-form input[name=reason]").fill("Step down after 6 weeks")
    page.get_by_role("button", name="Record transition").click()
    expect(page.locator("#chart-level")).to_contain_text("IOP", timeout=20_000)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Admitted to Residential")
    expect(timeline).to_contain_text("Residential → IOP")
    expect(timeline).to_contain_text("Step down after 6 weeks")
    page.screenshot(path=f"test-results/chart-{layout}.png", full_page=True)
    context.close()


def test_registration_shows_inline_errors_and_writes_nothing(page: Page, app_url: str) -> None:
    sign_in(page, app_url, "cleo")
    page.goto(app_url + "/patients/new")
    page.locator("#reg-given_name").fill("Future")
    page.locator("#reg-family_name").fill("Person")
    page.locator("#reg-birth_date").fill("2999-01-01")
    page.locator("#reg-email").fill("not-an-email")
    page.locator("#reg-phone").fill("call me")
    page.locator("#register-go").click()
    expect(page.locator("#err-birth_date")).to_contain_text("future", timeout=15_000)
    expect(page.locator("#err-email")).to_contain_text("email")
    expect(page.locator("#err-phone")).to_contain_text("phone")
    page.goto(app_url + "/patients")
    page.locator("#search-q").fill("Future Person")
    page.locator("#search-go").click()
    expect(page.locator("#patient-results")).not_to_contain_text("Person", timeout=10_000)


def test_a_stale_edit_is_refused_not_silently_saved(page: Page, app_url: str) -> None:
    with httpx.Client(base_url=app_url) as api:
        token = api.post("/api/v1/auth/token", json={"username": "cleo", "password": PASSWORD})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        body = {"given_name": "Stale", "family_name": "Edit", "birth_date": "1980-05-05"}
        patient = api.post("/api/v1/patients", json=body, headers=auth).json()
        sign_in(page, app_url, "cleo")
        page.goto(f"{app_url}/patients/{patient['id']}")
        expect(page.locator("#chart-name")).to_have_text("Stale Edit", timeout=20_000)
        colleague = api.patch(
            f"/api/v1/patients/{patient['id']}",
            json={"pronouns": "he/him"},
            headers=auth | {"If-Match": '"1"'},
        )
        assert colleague.status_code == 200
    page.locator("#edit-preferred").fill("Stan")
    page.locator("#edit-save").click()
    expect(page.locator("#chart-error")).to_contain_text(
        "changed since you read it", timeout=15_000
    )
    page.reload()
    expect(page.locator("#chart-name")).to_have_text("Stale Edit", timeout=20_000)
    expect(page.locator("#edit-preferred")).to_have_value("")
    page.locator("#edit-preferred").fill("Stan")
    page.locator("#edit-save").click()
    expect(page.get_by_text("Saved.")).to_be_visible(timeout=15_000)


@pytest.mark.parametrize(("given", "family"), [("美咲", "山田"), ("Алексей", "Иванов")])
def test_non_latin_names_round_trip_through_the_ui(
    page: Page, app_url: str, given: str, family: str
) -> None:
    sign_in(page, app_url, "cleo")
    page.goto(app_url + "/patients/new")
    page.locator("#reg-given_name").fill(given)
    page.locator("#reg-family_name").fill(family)
    page.locator("#reg-birth_date").fill("1988-02-29")
    page.locator("#register-go").click()
    expect(page.locator("#chart-name")).to_have_text(f"{given} {family}", timeout=20_000)
    page.goto(app_url + "/patients")
    page.locator("#search-q").fill(family)
    page.locator("#search-go").click()
    expect(
        page.locator("#patient-results").get_by_role("link", name=f"{family}, {given}")
    ).to_be_visible(timeout=20_000)
