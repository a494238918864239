"""One embedded PostgreSQL per test run; a template database migrated once; each test
that needs a database gets its own copy (``CREATE DATABASE … TEMPLATE``, ~0.1 s)."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx
import pytest
from litestar.testing import AsyncTestClient

from backend import admin
from backend.accounts.models import User
from backend.accounts.rules import new_totp_secret
from backend.app import create_app
from backend.config import Settings, get_settings
from backend.db import migrate
from backend.db.embedded import ensure_database, start_embedded
from shared.enums import Role

TEMPLATE = "emr_template"
_counter = itertools.count()
# The audit key of the whole test run: the in-process app, `admin` sessions and every
# `emr` subprocess (project_env copies the environment) sign and verify with it.
AUDIT_KEY = "tRv7Qm2Lx9Kp4Wz8Nb3Hc6Jd1Fg5Ys0-Ue"
os.environ |= {"EMR_AUDIT_KEY": AUDIT_KEY, "EMR_AUDIT_KEY_ID": "test"}
os.environ.pop("EMR_AUDIT_OLD_KEYS", None)
get_settings.cache_clear()


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test server's maintenance database URL (libpq form)."""
    data_dir: Path = tmp_path_factory.mktemp("pg")
    return start_embedded(data_dir, database="postgres")


@pytest.fixture(scope="session")
def template_url(pg_admin_url: str) -> str:
    asyncio.run(ensure_database(pg_admin_url, TEMPLATE))
    url = _with_database(pg_admin_url, TEMPLATE)
    migrate.upgrade(url)
    return url


async def _admin(pg_admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(pg_admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def database_url(pg_admin_url: str, template_url: str) -> AsyncIterator[str]:
    name = f"emr_test_{os.getpid()}_{next(_counter)}"
    await _admin(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    yield _with_database(pg_admin_url, name)
    await _admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str) -> Settings:
    # MFA policy has its own tests; elsewhere admins sign in with a password alone.
    return replace(
        get_settings(),
        database_url=database_url,
        secret_key="k" * 48,
        mfa_required_roles=frozenset(),
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
async def live_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app served in the test's own event loop. ``AsyncTestClient`` runs each request to
    its end in a portal thread, so ``asyncio.gather`` over it never overlaps two requests;
    here they overlap, as two admins at two desks would."""
    app = create_app(settings)
    started, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:
        # One task enters and leaves the lifespan: its task group refuses to be left
        # from another task, as a fixture's teardown would be.
        async with app.lifespan():
            started.set()
            await stop.wait()

    server = asyncio.create_task(serve())
    ready = asyncio.create_task(started.wait())
    await asyncio.wait({server, ready}, return_when=asyncio.FIRST_COMPLETED)
    if server.done():
        ready.cancel()
        server.result()
    transport = httpx.ASGITransport(app=cast(Any, app))  # Litestar's ASGI types are narrower
    async with httpx.AsyncClient(transport=transport, base_url="http://emr.test") as http:
        yield http
    stop.set()
    await server


@pytest.fixture
def project_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for running the ``emr`` command with its own data directory."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["EMR_DATA_DIR"] = str(tmp_path / "var")
    yield env


PASSWORD = "Correct-Horse-42"


@pytest.fixture
def make_user(database_url: str) -> Callable[..., Awaitable[User]]:
    """Create a staff user straight through the service layer (as `emr users create` does)."""

    async def make(username: str, *roles: Role, mfa: bool = False) -> User:
        user = await admin.create_user(
            database_url, username, PASSWORD, [r.value for r in roles], ""
        )
        if mfa:
            async with admin.transaction(database_url) as session:
                stored = await session.get(User, user.id)
                assert stored is not None
                stored.mfa_secret, stored.mfa_enabled = new_totp_secret(), True
                user = stored
        return user

    return make


async def sign_in(
    client: AsyncTestClient[Any] | httpx.AsyncClient, username: str, otp: str | None = None
) -> dict[str, str]:
    """Sign in and return the Authorization header."""
    body = {"username": username, "password": PASSWORD} | ({"otp": otp} if otp else {})
    response = await client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
