"""User administration through the API (If-Match) and the `emr users` command."""

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import PASSWORD, sign_in
from tests.helpers import emr

pytestmark = pytest.mark.access


async def test_admin_creates_user_and_changes_roles_with_if_match(
    client: AsyncTestClient, make_user
) -> None:
    await make_user("wes", Role.ADMIN)
    auth = await sign_in(client, "wes")
    weak = await client.post(
        "/api/v1/users",
        json={"username": "xena", "password": "short", "roles": ["clinician"]},
        headers=auth,
    )
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "password"
    created = await client.post(
        "/api/v1/users",
        json={"username": "xena", "password": PASSWORD, "roles": ["clinician"]},
        headers=auth,
    )
    assert created.status_code == 201
    user_id, etag = created.json()["id"], created.headers["etag"]
    url = f"/api/v1/users/{user_id}"
    missing = await client.patch(url, json={"roles": ["supervisor"]}, headers=auth)
    assert missing.status_code == 428
    updated = await client.patch(
        url, json={"roles": ["supervisor"]}, headers=auth | {"If-Match": etag}
    )
    assert updated.status_code == 200
    assert updated.json()["roles"] == ["supervisor"]
    stale = await client.patch(url, json={"disabled": True}, headers=auth | {"If-Match": etag})
    assert stale.status_code == 412

    audit_user = await make_user("yara", Role.AUDITOR)
    assert audit_user
    auditor = await sign_in(client, "yara")
    events = await client.get(
        "/api/v1/audit/events", params={"action": "role_change"}, headers=auditor
    )
    item = events.json()["items"][0]
    assert item["detail"] == {"before": ["clinician"], "after": ["supervisor"]}
    assert item["actor_username"] == "wes"


async def test_password_change_needs_the_current_one(client: AsyncTestClient, make_user) -> None:
    await make_user("zoe", Role.CLINICIAN)
    auth = await sign_in(client, "zoe")
    wrong = await client.post(
        "/api/v1/auth/password",
        json={"current_password": "nope", "new_password": "Another-Good-77"},
        headers=auth,
    )
    assert wrong.status_code == 422
    ok = await client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "Another-Good-77"},
        headers=auth,
    )
    assert ok.status_code == 204
    # Changing the password ends every session, this one included.
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 401
    relogin = await client.post(
        "/api/v1/auth/token", json={"username": "zoe", "password": "Another-Good-77"}
    )
    assert relogin.status_code == 200


async def test_users_cli_create_reset_disable(
    client: AsyncTestClient, database_url: str, project_env: dict[str, str]
) -> None:
    env = project_env | {"DATABASE_URL": database_url}
    created = emr(
        "users",
        "create",
        "--username",
        "amy",
        "--password",
        PASSWORD,
        "--role",
        "clinician",
        "--role",
        "facilitator",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert "clinician, facilitator" in created.stdout
    again = emr(
        "users",
        "create",
        "--username",
        "amy",
        "--password",
        PASSWORD,
        "--role",
        "clinician",
        env=env,
    )
    assert again.returncode == 1 and "taken" in again.stderr
    await sign_in(client, "amy")

    reset = emr(
        "users", "reset-password", "--username", "amy", "--password", "Fresh-Start-2026", env=env
    )
    assert reset.returncode == 0
    ok = await client.post(
        "/api/v1/auth/token", json={"username": "amy", "password": "Fresh-Start-2026"}
    )
    assert ok.status_code == 200
    assert emr("users", "disable", "--username", "amy", env=env).returncode == 0
    refused = await client.post(
        "/api/v1/auth/token", json={"username": "amy", "password": "Fresh-Start-2026"}
    )
    assert refused.status_code == 401
