"""Browser tests: the real `emr run` (embedded PostgreSQL, Reflex UI, Litestar API) driven
by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.helpers import free_port, serving

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


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["EMR_DATA_DIR"] = str(tmp_path_factory.mktemp("e2e") / "var")
    port = free_port()
    with serving(["run", "--port", str(port)], env, port, timeout=600) as url:
        yield url


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
