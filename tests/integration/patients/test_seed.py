"""`emr seed demo`: a living demo organisation, idempotent, and careful with real data."""

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import sign_in
from tests.helpers import emr

pytestmark = pytest.mark.patients


async def test_seed_demo_is_idempotent_and_usable(
    client: AsyncTestClient, database_url: str, project_env: dict[str, str]
) -> None:
    env = project_env | {"DATABASE_URL": database_url}
    first = emr("seed", "demo", env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("-Demo-2026!") == 7
    assert "seeded 30 demo clients" in first.stdout
    skipped = emr("seed", "demo", "--if-empty", env=env, timeout=300)
    assert "already has users" in skipped.stdout
    second = emr("seed", "demo", env=env, timeout=300)
    assert second.returncode == 0
    assert "password" not in second.stdout and "already present" in second.stdout

    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM patient") == 30
        levels = {r["level_of_care"] for r in await conn.fetch("SELECT level_of_care FROM episode")}
        assert {"residential", "php", "iop"} <= levels
        assert await conn.fetchval("SELECT count(*) FROM episode_transition") > 0
        assert await conn.fetchval("SELECT count(*) FROM group_session") == 44
        assert await conn.fetchval("SELECT count(*) FROM enrollment") == 10
        assert await conn.fetchval("SELECT count(*) FROM attendance") > 0
    finally:
        await conn.close()

    clinician = {"username": "demo-clinician", "password": "Clinician-Demo-2026!"}
    token = (await client.post("/api/v1/auth/token", json=clinician)).json()["access_token"]
    page = await client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
    assert len(page.json()["items"]) == 25


async def test_seed_refuses_a_database_with_real_patients(
    client: AsyncTestClient, make_user, database_url: str, project_env: dict[str, str]
) -> None:
    from shared.enums import Role

    await make_user("real-doc", Role.CLINICIAN)
    headers = await sign_in(client, "real-doc")
    body = {"given_name": "Real", "family_name": "Person", "birth_date": "1980-01-01"}
    assert (await client.post("/api/v1/patients", json=body, headers=headers)).status_code == 201
    env = project_env | {"DATABASE_URL": database_url}
    refused = emr("seed", "demo", env=env, timeout=300)
    assert refused.returncode == 1
    assert "--force" in refused.stderr
