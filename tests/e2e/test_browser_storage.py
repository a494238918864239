"""What the browser keeps: after a clinician opens a chart and signs out, no storage the
browser offers (local/session storage, cookies, IndexedDB, Cache Storage) holds the
client's name, MRN or a token, and Back does not bring the chart back. The UI's pages
carry the same hardening headers as the API (the API docs still work under theirs), and the
UI's websocket refuses other sites."""

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.reliability
JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.")

# Everything the page's origin can persist, as text. Every IndexedDB store is read whole.
_DUMP_STORAGE = """async () => {
  const dump = {local: {...localStorage}, session: {...sessionStorage}, indexeddb: {}, caches: {}};
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, fail) => {
      const open = indexedDB.open(info.name);
      open.onsuccess = () => ok(open.result);
      open.onerror = () => fail(open.error);
    });
    dump.indexeddb[info.name] = {};
    for (const store of db.objectStoreNames) {
      const rows = await new Promise((ok) => {
        const all = db.transaction(store).objectStore(store).getAll();
        all.onsuccess = () => ok(all.result);
      });
      dump.indexeddb[info.name][store] = rows;
    }
    db.close();
  }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    dump.caches[name] = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      dump.caches[name].push(request.url + " " + (await response.text()));
    }
  }
  return JSON.stringify(dump);
}"""


def _register(app_url: str) -> dict[str, Any]:
    """A client with a name no other test uses, registered by cleo (so on her care team)."""
    with httpx.Client(base_url=app_url, timeout=30) as api:
        token = api.post("/api/v1/auth/token", json={"username": "cleo", "password": PASSWORD})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        family = f"Storagetest{uuid.uuid4().hex[:8]}"
        body = {"given_name": "Perpetua", "family_name": family, "birth_date": "1979-03-30"}
        patient = api.post("/api/v1/patients", json=body, headers=auth).json()
        api.post("/api/v1/auth/logout", headers=auth)
    return patient


def _csp_violations(page: Page) -> list[str]:
    violations: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", note)
    return violations


def test_signing_out_leaves_nothing_of_the_chart_in_the_browser(page: Page, app_url: str):
    patient = _register(app_url)
    violations = _csp_violations(page)
    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/patients/{patient['id']}")
    expect(page.get_by_text(patient["family_name"]).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(patient["mrn"]).first).to_be_visible()

    page.locator("#sign-out").click()
    page.wait_for_url(f"{app_url}/login", timeout=30_000)
    stored = page.evaluate(_DUMP_STORAGE)
    cookies = str(page.context.cookies())
    for kept in (stored, cookies):
        assert patient["family_name"] not in kept
        assert patient["mrn"] not in kept
        assert not JWT.search(kept), "an access token is kept in the browser"

    page.go_back()
    expect(page).to_have_url(f"{app_url}/login", timeout=30_000)
    expect(page.get_by_text(patient["family_name"])).to_have_count(0)
    assert violations == []


def test_ui_pages_carry_the_hardening_headers(page: Page, app_url: str):
    for path in ("/login", "/patients"):
        response = page.goto(app_url + path)
        assert response is not None and response.ok
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "connect-src 'self' ws: wss:" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in headers  # plain HTTP here


def test_api_docs_work_under_their_policy(page: Page, app_url: str):
    violations = _csp_violations(page)
    page.goto(app_url + "/api/docs")
    operation = page.get_by_text("/api/v1/auth/token", exact=True)
    operation.click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible(timeout=30_000)
    assert violations == []


def test_other_sites_get_no_cors_access_and_no_websocket(page: Page, app_url: str):
    preflight = httpx.options(
        f"{app_url}/api/v1/patients",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = httpx.get(f"{app_url}/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers

    socket = app_url.replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket"
    opens = """(url) => new Promise((done) => {
        const ws = new WebSocket(url);
        ws.onopen = () => { ws.close(); done("open"); };
        ws.onerror = () => done("refused");
    })"""
    page.route(
        "http://evil.example/**",
        lambda route: route.fulfill(body="<p>evil</p>", content_type="text/html"),
    )
    page.goto("http://evil.example/")
    assert page.evaluate(opens, socket) == "refused"
    page.goto(app_url + "/login")
    assert page.evaluate(opens, socket) == "open"
