"""EMR_REPORTS_DATABASE_URL: reports read a replica, which may lag the primary, while the
audit event of every report read is written on the primary. The "replica" here is a
snapshot of the primary taken before the latest admission."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend.app import create_app
from backend.config import Settings
from shared.enums import Role
from tests.conftest import _admin, _with_database, sign_in

pytestmark = pytest.mark.performance
ADMITTED = (date.today() - timedelta(days=3)).isoformat()


async def _admit(client: AsyncTestClient, headers: dict[str, str], program_id: str) -> None:
    body = {
        "given_name": "Rosalind",
        "family_name": "Replica",
        "birth_date": "1979-09-09",
        "allow_duplicate": True,
    }
    patient = await client.post("/api/v1/patients", json=body, headers=headers)
    assert patient.status_code == 201, patient.text
    url = f"/api/v1/patients/{patient.json()['id']}/episodes"
    episode = await client.post(
        url, json={"program_id": program_id, "admitted_on": ADMITTED}, headers=headers
    )
    assert episode.status_code == 201, episode.text


async def _census(settings: Settings) -> list[dict]:
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.get(
            "/api/v1/reports/census", headers=await sign_in(client, "coord")
        )
    assert response.status_code == 200, response.text
    return response.json()


async def _report_reads(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT count(*) FROM audit_event WHERE action = 'report'")
    finally:
        await conn.close()


@pytest.fixture
async def lagging_replica(
    settings: Settings, make_user, pg_admin_url: str, database_url: str
) -> AsyncIterator[str]:
    """A program with one client admitted, copied to a second database (the replica's URL
    is yielded); then a second client admitted on the primary only."""
    await make_user("root", Role.ADMIN)
    await make_user("coord", Role.COORDINATOR)
    async with AsyncTestClient(app=create_app(settings)) as client:
        root = await sign_in(client, "root")
        program = await client.post(
            "/api/v1/programs", json={"name": "IOP", "level_of_care": "iop"}, headers=root
        )
        assert program.status_code == 201, program.text
        await _admit(client, await sign_in(client, "coord"), program.json()["id"])
    primary = database_url.partition("?")[0].rsplit("/", 1)[1]
    replica = f"{primary}_replica"
    await _admin(pg_admin_url, f'CREATE DATABASE "{replica}" TEMPLATE "{primary}"')
    try:
        async with AsyncTestClient(app=create_app(settings)) as client:
            await _admit(client, await sign_in(client, "coord"), program.json()["id"])
        yield _with_database(pg_admin_url, replica)
    finally:
        await _admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{replica}" WITH (FORCE)')


async def test_reports_read_the_replica_and_audit_on_the_primary(
    settings: Settings, database_url: str, lagging_replica: str
) -> None:
    on_replica = replace(settings, reports_database_url=lagging_replica)

    assert await _census(on_replica) == [{"level_of_care": "iop", "clients": 1}]
    assert await _census(settings) == [{"level_of_care": "iop", "clients": 2}]
    assert await _report_reads(database_url) == 2
    assert await _report_reads(lagging_replica) == 0


async def test_the_replica_connection_is_read_only(
    settings: Settings, lagging_replica: str
) -> None:
    """Reports never write: the replica's sessions refuse writes even on a writable server."""
    app = create_app(replace(settings, reports_database_url=lagging_replica))
    async with AsyncTestClient(app=app), app.state.report_sessions() as session:
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await session.execute(text("CREATE TABLE scratch (id int)"))
