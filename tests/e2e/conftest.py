"""Browser tests: the real `emr run` (embedded PostgreSQL, Reflex UI, Litestar API) driven
by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from tests.helpers import emr, free_port, serving

CHROMIUM = os.environ.get("EMR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TABLET_LANDSCAPE: ViewportSize = {"width": 1024, "height": 768}


PASSWORD = "Correct-Horse-42"
STAFF = {
    "cleo": ("Cleo Clinician", ["clinician"]),
    "ada": ("Ada Admin", ["admin"]),
    "abe": ("Abe Admin", ["admin"]),
    "aldo": ("Aldo Auditor", ["auditor"]),
    "mia": ("Mia Multifactor", ["facilitator"]),
    "coco": ("Coco Coordinator", ["coordinator"]),
    "bea": ("Bea Biller", ["biller"]),
}


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session server's EMR_DATA_DIR (its embedded PostgreSQL is in ``pgdata/``)."""
    return tmp_path_factory.mktemp("e2e") / "var"


@pytest.fixture(scope="session")
def app_url(app_data_dir: Path) -> Iterator[str]:
    # One `emr run` per checkout: each start rebuilds .web with its own port in env.json.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["EMR_DATA_DIR"] = str(app_data_dir)
    env["EMR_MFA_REQUIRED_ROLES"] = ""
    for username, (full_name, roles) in STAFF.items():
        role_args = [arg for role in roles for arg in ("--role", role)]
        result = emr(
            "users",
            "create",
            "--username",
            username,
            "--password",
            PASSWORD,
            "--full-name",
            full_name,
            *role_args,
            env=env,
        )
        assert result.returncode == 0, result.stderr
    port = free_port()
    with serving(["run", "--port", str(port)], env, port, timeout=600) as url:
        yield url


def sign_in(page: Page, app_url: str, username: str, otp: str | None = None) -> None:
    page.goto(app_url + "/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if otp:
        page.locator("#otp").fill(otp)
        page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-out")).to_be_visible(timeout=30_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET_LANDSCAPE)
    page = context.new_page()
    yield page
    context.close()


def document_attendees(api: httpx.Client, headers: dict[str, str], session_id: str) -> None:
    """What signing asks of each member who came (the default template's participation and
    narrative), written through the API before a test signs."""
    note = api.post(f"/api/v1/sessions/{session_id}/note", headers=headers).json()
    entries = [
        {
            "patient_id": e["patient_id"],
            "version": e["version"],
            "participation": e["participation"] or "moderate",
            "narrative": e["narrative"] or "Took part in the practice.",
        }
        for e in note["entries"]
        if e["attendance"] in ("present", "late", "left_early")
    ]
    saved = api.put(
        f"/api/v1/notes/{note['id']}",
        headers=headers,
        json={"version": note["version"], "entries": entries},
    )
    assert saved.status_code == 200, saved.text
