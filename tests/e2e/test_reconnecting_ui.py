"""The UI through a database outage: while the API answers 503 a banner says the connection
is lost, and when the database returns the banner goes and the page's data appears, with
no reload by the user. The session server's own PostgreSQL is stopped and started again
(a second `emr run` in this checkout would rebuild the UI for its own port)."""

from __future__ import annotations

import random
import string
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, sign_in
from tests.integration.reliability.postgres import Postgres

pytestmark = pytest.mark.reliability
BANNER = "Connection to the server lost — reconnecting…"


def _register_patient(app: str, username: str) -> str:
    """A patient of this attempt's own (a rerun must not meet the first one's)."""
    family = "Outagewell" + "".join(random.choices(string.ascii_lowercase, k=6))
    with httpx.Client(base_url=app, timeout=30) as api:
        signed = api.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        api.headers["Authorization"] = f"Bearer {signed.json()['access_token']}"
        body = {"given_name": "Pat", "family_name": family, "birth_date": "1985-02-03"}
        assert api.post("/api/v1/patients", json=body).status_code == 201
    return f"{family}, Pat"


def test_database_outage_shows_a_banner_until_the_data_is_back(
    page: Page, app_url: str, app_data_dir: Path
) -> None:
    listed = _register_patient(app_url, "coco")
    sign_in(page, app_url, "coco")
    banner = page.locator("#reconnecting")
    expect(page.locator("#api-status")).to_have_text("API online", timeout=30_000)
    expect(banner).to_have_count(0)

    postgres = Postgres(app_data_dir)
    postgres.stop("fast")
    try:
        page.get_by_role("link", name="Patients").click()
        expect(banner).to_be_visible(timeout=15_000)
        expect(banner).to_have_text(BANNER)
        told = page.get_by_text("The database is unavailable; retry shortly.")
        expect(told.first).to_be_visible()  # on the page, and in the header's status too
        expect(page.get_by_role("link", name=listed)).to_have_count(0)
    finally:
        postgres.start()
    expect(banner).to_have_count(0, timeout=20_000)
    expect(page.get_by_role("link", name=listed)).to_be_visible(timeout=15_000)
    expect(page.locator("#api-status")).to_have_text("API online")
