"""Sign-in, lockout, token expiry, refresh rotation with reuse detection, logout, idle."""

from dataclasses import replace
from datetime import timedelta

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from backend.config import Settings
from backend.lib.auth import Principal, issue_access_token, read_access_token
from shared.enums import Role
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.access
TOKEN = "/api/v1/auth/token"


async def test_sign_in_returns_bearer_tokens_and_me(client: AsyncTestClient, make_user) -> None:
    await make_user("dana", Role.CLINICIAN, Role.FACILITATOR)
    response = await client.post(TOKEN, json={"username": "dana", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 300
    assert body["refresh_token"] and body["access_token"]
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == "dana"
    assert sorted(me.json()["roles"]) == ["clinician", "facilitator"]


def _without_request_id(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "request_id"}


async def test_wrong_password_and_unknown_user_look_identical(
    client: AsyncTestClient, make_user
) -> None:
    await make_user("erin", Role.CLINICIAN)
    wrong = await client.post(TOKEN, json={"username": "erin", "password": "Wrong-Password-1"})
    unknown = await client.post(TOKEN, json={"username": "nobody", "password": "Wrong-Password-1"})
    assert wrong.status_code == unknown.status_code == 401
    assert _without_request_id(wrong.json()) == _without_request_id(unknown.json())
    assert wrong.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("username", ["frank", "ghost"])
async def test_ten_wrong_passwords_lock_the_account_alike_for_unknown_users(
    client: AsyncTestClient, make_user, database_url: str, username: str
) -> None:
    await make_user("frank", Role.CLINICIAN)
    statuses = []
    conn = await asyncpg.connect(database_url)
    try:
        for _ in range(10):
            # Skip the backoff wait between tries so the test runs in seconds.
            await conn.execute("UPDATE login_throttle SET locked_until = NULL")
            response = await client.post(
                TOKEN, json={"username": username, "password": "Nope-nope-123"}
            )
            statuses.append(response.status_code)
        assert statuses == [401] * 10
        locked = await client.post(TOKEN, json={"username": username, "password": PASSWORD})
        assert locked.status_code == 429
        assert 800 < int(locked.headers["retry-after"]) <= 901
        failures = await conn.fetchval(
            "SELECT count(*) FROM audit_event"
            " WHERE action = 'login_failed' AND detail->>'username' = $1",
            username,
        )
        assert failures == 10
    finally:
        await conn.close()


async def test_backoff_starts_after_four_failures(client: AsyncTestClient, make_user) -> None:
    await make_user("hana", Role.CLINICIAN)
    codes = [
        (
            await client.post(TOKEN, json={"username": "hana", "password": "Nope-nope-123"})
        ).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429


async def test_expired_access_token_is_refused(
    client: AsyncTestClient, make_user, settings: Settings
) -> None:
    await make_user("ivan", Role.CLINICIAN)
    headers = await sign_in(client, "ivan")
    principal = read_access_token(settings, headers["Authorization"].split()[1])
    expired = issue_access_token(replace(settings, access_token_minutes=-1), principal)
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    forged = issue_access_token(replace(settings, secret_key="x" * 48), principal)
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def _pair(client: AsyncTestClient, username: str) -> dict:
    response = await client.post(TOKEN, json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(
    client: AsyncTestClient, make_user
) -> None:
    await make_user("jo", Role.CLINICIAN)
    first = await _pair(client, "jo")
    second = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]

    reuse = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reuse.status_code == 401
    # The thief's replay ended the session: the legitimate newer tokens die too.
    later = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert later.status_code == 401
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert me.status_code == 401


async def test_logout_ends_access_and_refresh(client: AsyncTestClient, make_user) -> None:
    await make_user("kim", Role.CLINICIAN)
    pair = await _pair(client, "kim")
    auth = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await client.post("/api/v1/auth/logout", headers=auth)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_idle_session_stops_working_and_refreshing(
    client: AsyncTestClient, make_user, database_url: str
) -> None:
    await make_user("lee", Role.CLINICIAN)
    pair = await _pair(client, "lee")
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE auth_session SET last_activity_at = now() - $1::interval", timedelta(minutes=16)
        )
    finally:
        await conn.close()
    auth = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_disabled_user_cannot_sign_in(
    client: AsyncTestClient, make_user, database_url
) -> None:
    from backend import admin

    await make_user("max", Role.CLINICIAN)
    await admin.disable_user(database_url, "max")
    response = await client.post(TOKEN, json={"username": "max", "password": PASSWORD})
    assert response.status_code == 401


def test_principal_round_trips_through_the_token(settings: Settings) -> None:
    import uuid

    principal = Principal(uuid.uuid4(), "nia", frozenset({Role.BILLER}), uuid.uuid4())
    assert read_access_token(settings, issue_access_token(settings, principal)) == principal
