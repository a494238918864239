"""An admin imports clients from a legacy system: the dry run names the bad row and
field, the import reports what it created, and running it again creates nothing."""

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import LocatorAssertions, Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.consent


def _letters(n: int) -> str:
    """Random letters (names must look like names), unique per run."""
    return uuid.uuid4().hex[:n].translate(str.maketrans("0123456789", "ghijklmnop")).title()


def _count(page: Page, entity: str, column: str) -> LocatorAssertions:
    return expect(page.locator(f".import-count[data-entity={entity}] .count-{column}"))


def test_admin_dry_runs_fixes_and_imports_idempotently(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    suffix, family = uuid.uuid4().hex[:8], _letters(8)
    header = "source_id,given_name,family_name,birth_date\n"
    good = f"A-{suffix},Alma,{family},1961-03-14\n"
    bad_then_fixed = f"B-{suffix},Bruno,{family}x,{{}}\n"
    diagnoses = tmp_path / "diagnoses.csv"
    diagnoses.write_text(f"patient_source_id,code,description\nA-{suffix},F32.9,Depression\n")

    sign_in(page, app_url, "ada")
    page.get_by_role("link", name="Import").click()
    page.locator("#source-system").fill(f"legacy-{suffix}")
    paste = page.locator("#paste-text")
    paste.fill(header + good + bad_then_fixed.format("1961-13-45"))
    page.get_by_role("button", name="Dry run").click()

    problem = page.locator(".import-problem")
    expect(problem).to_have_count(1, timeout=30_000)
    expect(problem).to_contain_text("patients.csv")
    expect(problem.locator("td").nth(1)).to_have_text("3")
    expect(problem).to_contain_text("birth_date")
    expect(page.locator("#import-summary")).to_contain_text("Dry run: 1 problem")
    expect(page.locator("#import-stage")).to_have_text("Done")

    paste.fill(header + good + bad_then_fixed.format("1961-12-05"))
    page.locator("#import-upload input[type=file]").set_input_files(str(diagnoses))
    expect(page.locator("#import-files")).to_contain_text("diagnoses.csv", timeout=15_000)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-summary")).to_have_text("Imported.", timeout=30_000)
    expect(page.locator(".import-problem")).to_have_count(0)
    _count(page, "patient", "created").to_have_text("2")
    _count(page, "diagnosis", "created").to_have_text("1")
    page.screenshot(path="test-results/import-done.png", full_page=True)

    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-stage")).to_have_text("Done", timeout=30_000)
    _count(page, "patient", "created").to_have_text("0", timeout=30_000)
    _count(page, "patient", "unchanged").to_have_text("2")
    _count(page, "diagnosis", "unchanged").to_have_text("1")
