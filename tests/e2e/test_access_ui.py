"""Sign-in (with the MFA step), user administration, the audit report, and sign-out
that leaves nothing behind in the browser."""

import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from backend.accounts.rules import totp
from tests.e2e.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.access


def test_signed_out_visitor_is_sent_to_sign_in(page: Page, app_url: str) -> None:
    page.goto(app_url + "/patients")
    expect(page).to_have_url(app_url + "/login", timeout=15_000)


def test_wrong_password_shows_a_clear_error(page: Page, app_url: str) -> None:
    page.goto(app_url + "/login")
    page.locator("#username").fill("cleo")
    page.locator("#password").fill("Wrong-Password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("not correct", timeout=15_000)


def test_mfa_user_is_asked_for_a_code(page: Page, app_url: str) -> None:
    with httpx.Client(base_url=app_url) as api:
        token = api.post("/api/v1/auth/token", json={"username": "mia", "password": PASSWORD})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        secret = api.post("/api/v1/auth/mfa/enroll", headers=auth).json()["secret"]
        confirmed = api.post(
            "/api/v1/auth/mfa/confirm", json={"otp": totp(secret, time.time())}, headers=auth
        )
        assert confirmed.status_code == 200
    page.goto(app_url + "/login")
    page.locator("#username").fill("mia")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#otp")).to_be_visible(timeout=15_000)
    page.locator("#otp").fill(totp(secret, time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-out")).to_be_visible(timeout=15_000)


def test_account_page_enrols_mfa_with_a_qr_code(page: Page, app_url: str) -> None:
    sign_in(page, app_url, "abe")
    page.locator("#account-link").click()
    page.locator("#mfa-start").click()
    expect(page.locator("#mfa-qr")).to_be_visible(timeout=15_000)
    secret = page.locator("#mfa-secret").inner_text()
    page.locator("#mfa-otp").fill(totp(secret, time.time()))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#recovery-codes")).to_be_visible(timeout=15_000)
    page.screenshot(path=str(_shots() / "account-mfa.png"))


def _shots() -> Path:
    folder = Path(__file__).resolve().parents[2] / "test-results"
    folder.mkdir(exist_ok=True)
    return folder


def test_admin_creates_a_user_in_the_ui(page: Page, app_url: str) -> None:
    sign_in(page, app_url, "ada")
    page.get_by_role("link", name="Users").click()
    expect(page.locator("#users-table")).to_contain_text("cleo", timeout=15_000)
    page.locator("#new-username").fill("newbie")
    page.locator("#new-password").fill("Brand-New-Pass-9")
    page.locator("#role-clinician").click()
    page.get_by_role("button", name="Create user").click()
    row = page.locator("#users-table tr").filter(has_text="newbie")
    expect(row).to_have_count(1, timeout=15_000)
    row.locator("input[name=roles]").fill("clinician, facilitator")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Roles saved")).to_be_visible(timeout=15_000)
    expect(
        page.locator("#users-table tr").filter(has_text="newbie").locator("input[name=roles]")
    ).to_have_value("clinician, facilitator", timeout=15_000)


def _api_sign_in(app_url: str, username: str) -> None:
    with httpx.Client(base_url=app_url) as api:
        response = api.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200


def test_auditor_filters_the_report_and_downloads_csv(page: Page, app_url: str) -> None:
    _api_sign_in(app_url, "cleo")
    sign_in(page, app_url, "aldo")
    page.get_by_role("link", name="Audit").click()
    expect(page.locator("#audit-table")).to_contain_text("login", timeout=15_000)
    page.get_by_placeholder("User").fill("cleo")
    page.locator("#audit-filter").click()
    expect(page.locator("#audit-table")).not_to_contain_text("aldo", timeout=15_000)
    expect(page.locator("#audit-table")).to_contain_text("cleo")
    with page.expect_download() as download:
        page.locator("#audit-csv").click()
    content = Path(download.value.path()).read_text()
    assert content.startswith("id,occurred_at")
    assert "cleo" in content and ",aldo," not in content
    page.screenshot(path=str(_shots() / "audit-report.png"))


def test_sign_out_leaves_no_user_or_patient_data_in_the_browser(page: Page, app_url: str) -> None:
    _api_sign_in(app_url, "cleo")
    sign_in(page, app_url, "aldo")
    page.get_by_role("link", name="Audit").click()
    expect(page.locator("#audit-table")).to_contain_text("cleo", timeout=15_000)
    page.locator("#sign-out").click()
    expect(page).to_have_url(app_url + "/login", timeout=15_000)
    stored = page.evaluate(
        """async () => {
            const dump = (s) => JSON.stringify(Object.entries(s));
            const dbs = indexedDB.databases ? await indexedDB.databases() : [];
            return {local: dump(localStorage), session: dump(sessionStorage),
                    cookies: document.cookie, indexeddb: JSON.stringify(dbs)};
        }"""
    )
    cookies = page.context.cookies()
    everything = " ".join(stored.values()) + str(cookies)
    for secret in ("aldo", "Aldo Auditor", "cleo", "Cleo Clinician", "Bearer", "eyJ"):
        assert secret not in everything, f"{secret!r} left in browser storage"
    page.goto(app_url + "/audit")
    expect(page).to_have_url(app_url + "/login", timeout=15_000)
