"""Browser-facing hardening of the API: security headers on every answer (errors too),
no caching of patient data, HSTS only over TLS, CORS closed unless configured, and a
production server that refuses to start with a guessable signing key."""

import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.config import Settings
from shared.enums import Role
from tests.conftest import sign_in
from tests.helpers import emr

pytestmark = pytest.mark.reliability
EVIL = "https://evil.example"
PORTAL = "https://portal.clinic.example"


def assert_hardened(headers, csp: str = "default-src 'none'; frame-ancestors 'none'") -> None:
    assert headers["content-security-policy"] == csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["cross-origin-resource-policy"] == "same-origin"


@pytest.fixture
async def proxied(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """The API behind a TLS proxy it trusts (the test client's peer name)."""
    trusting = replace(settings, trusted_proxies=("testclient",))
    async with AsyncTestClient(app=create_app(trusting)) as test_client:
        yield test_client


async def test_patient_data_is_hardened_and_never_cached(client: AsyncTestClient, make_user):
    await make_user("cara", Role.CLINICIAN)
    auth = await sign_in(client, "cara")
    created = await client.post(
        "/api/v1/patients",
        headers=auth,
        json={"given_name": "Hester", "family_name": "Vale", "birth_date": "1970-02-03"},
    )
    read = await client.get(f"/api/v1/patients/{created.json()['id']}", headers=auth)
    for response in (created, read):
        assert response.status_code in (200, 201)
        assert_hardened(response.headers)
        assert response.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in response.headers  # plain HTTP


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/patients", 401),
        ("GET", "/api/v1/no-such-thing", 404),
        ("DELETE", "/api/v1/health", 405),
        ("POST", "/api/v1/auth/token", 422),
    ],
)
async def test_errors_carry_the_same_headers(client: AsyncTestClient, method, path, status):
    response = await client.request(method, path, json={})
    assert response.status_code == status
    assert_hardened(response.headers)
    assert response.headers["cache-control"] == "no-store"


async def test_api_docs_page_may_run_only_its_own_scripts(client: AsyncTestClient):
    page = await client.get("/api/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert_hardened(page.headers, csp)
    # Every script and stylesheet the page names is served from 'self'.
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "docs-init.js"):
        assert f'"/api/docs/assets/{asset}"' in page.text
        assert (await client.get(f"/api/docs/assets/{asset}")).status_code == 200


async def test_hsts_only_when_the_request_came_over_tls(
    client: AsyncTestClient, proxied: AsyncTestClient, settings: Settings
):
    forwarded_tls = {"X-Forwarded-Proto": "https"}
    # An untrusted peer cannot claim TLS by header.
    spoofed = await client.get("/api/v1/health", headers=forwarded_tls)
    assert "strict-transport-security" not in spoofed.headers
    # The trusted proxy terminated TLS.
    behind_tls = await proxied.get("/api/v1/health", headers=forwarded_tls)
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" not in (await proxied.get("/api/v1/health")).headers
    # TLS straight to the server.
    async with AsyncTestClient(app=create_app(settings), base_url="https://emr.test") as direct:
        response = await direct.get("/api/v1/no-such-thing")
        assert response.headers["strict-transport-security"].startswith("max-age=")


async def _preflight(client: AsyncTestClient, origin: str):
    return await client.options(
        "/api/v1/patients",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )


async def test_cors_is_closed_by_default(client: AsyncTestClient, make_user):
    for origin in (EVIL, PORTAL):
        assert "access-control-allow-origin" not in (await _preflight(client, origin)).headers
    await make_user("cara", Role.CLINICIAN)
    auth = await sign_in(client, "cara")
    read = await client.get("/api/v1/patients", headers=auth | {"Origin": EVIL})
    assert read.status_code == 200
    assert "access-control-allow-origin" not in read.headers


async def test_cors_opens_only_to_configured_origins(settings: Settings, make_user):
    configured = replace(settings, cors_origins=(PORTAL,))
    async with AsyncTestClient(app=create_app(configured)) as client:
        allowed = await _preflight(client, PORTAL)
        assert allowed.headers["access-control-allow-origin"] == PORTAL
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-origin" not in (await _preflight(client, EVIL)).headers
        await make_user("cara", Role.CLINICIAN)
        auth = await sign_in(client, "cara")
        read = await client.get("/api/v1/patients", headers=auth | {"Origin": PORTAL})
        assert read.headers["access-control-allow-origin"] == PORTAL
        evil = await client.get("/api/v1/patients", headers=auth | {"Origin": EVIL})
        assert "access-control-allow-origin" not in evil.headers


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "is not set"),
        ("Zq8-short", "at least 32 characters"),
        ("k" * 48, "different characters"),
        ("change-me-change-me-change-me-0123456789", "placeholder"),
        ("my-super-secret-key-for-the-emr-2026-ABCDEFG", "placeholder"),
    ],
)
def test_production_refuses_a_guessable_signing_key(settings: Settings, key: str, reason: str):
    with pytest.raises(RuntimeError, match=reason) as refused:
        create_app(replace(settings, environment="production", secret_key=key))
    assert "EMR_SECRET_KEY" in str(refused.value)


def test_production_starts_with_a_random_key_and_unknown_modes_are_refused(settings: Settings):
    create_app(replace(settings, environment="production", secret_key=secrets.token_urlsafe(48)))
    with pytest.raises(RuntimeError, match="EMR_ENV must be"):
        create_app(replace(settings, environment="prod"))


@pytest.mark.parametrize("key", [None, "k" * 48])
def test_emr_api_in_production_never_generates_a_key(project_env: dict[str, str], key):
    env = project_env | {"EMR_ENV": "production"}
    env.pop("EMR_SECRET_KEY", None)
    if key:
        env["EMR_SECRET_KEY"] = key
    result = emr("api", "--port", "1", env=env, timeout=60)
    assert result.returncode != 0
    assert "EMR_ENV=production: EMR_SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr
    assert not (Path(env["EMR_DATA_DIR"]) / "secret_key").exists()


@pytest.mark.parametrize("command", [["seed", "demo", "--if-empty"], ["seed", "scale"]])
def test_production_refuses_accounts_with_published_passwords(
    project_env: dict[str, str], command: list[str]
):
    env = project_env | {"EMR_ENV": "production", "EMR_SECRET_KEY": secrets.token_urlsafe(48)}
    result = emr(*command, env=env, timeout=60)
    assert result.returncode == 1
    assert "published passwords: refused when EMR_ENV=production" in result.stderr
    assert not (Path(env["EMR_DATA_DIR"]) / "pgdata").exists()  # refused before starting
