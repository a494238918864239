"""The audit trail: chained, append-only for the app, tamper-evident even to a superuser."""

from collections.abc import Iterator

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from backend.config import get_settings
from backend.db.session import APP_ROLE
from shared.enums import Role
from tests.conftest import sign_in
from tests.helpers import emr

pytestmark = pytest.mark.access


async def _some_history(client: AsyncTestClient, make_user) -> None:
    await make_user("rosa", Role.CLINICIAN)
    await make_user("sam", Role.AUDITOR)
    await sign_in(client, "rosa")
    await client.post("/api/v1/auth/token", json={"username": "rosa", "password": "Bad-pass-123"})
    await sign_in(client, "sam")


async def test_verify_passes_then_names_the_tampered_row(
    client: AsyncTestClient, make_user, database_url: str, project_env: dict[str, str]
) -> None:
    await _some_history(client, make_user)
    env = project_env | {"DATABASE_URL": database_url}
    ok = emr("audit", "verify", env=env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().startswith("ok ")
    count = int(ok.stdout.split()[1])
    assert count >= 5

    conn = await asyncpg.connect(database_url)  # the owner, a superuser here
    try:
        await conn.execute("SET session_replication_role = replica")  # disables triggers
        await conn.execute("UPDATE audit_event SET outcome = 'successX' WHERE id = 3")
    finally:
        await conn.close()
    broken = emr("audit", "verify", env=env)
    assert broken.returncode == 1
    assert "event 3" in broken.stdout


@pytest.fixture
def one_chain(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every writer on one chain (EMR_AUDIT_CHAINS=1), so consecutive events are
    neighbours in it. Requested before the app's settings are made."""
    monkeypatch.setenv("EMR_AUDIT_CHAINS", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_deleting_a_row_breaks_the_chain(
    one_chain: None,
    client: AsyncTestClient,
    make_user,
    database_url: str,
    project_env: dict[str, str],
) -> None:
    await _some_history(client, make_user)
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("DELETE FROM audit_event WHERE id = 2")
    finally:
        await conn.close()
    broken = emr("audit", "verify", env=project_env | {"DATABASE_URL": database_url})
    assert broken.returncode == 1
    assert "event 3" in broken.stdout


async def test_app_role_cannot_change_or_remove_audit_rows(
    client: AsyncTestClient, make_user, database_url: str
) -> None:
    await _some_history(client, make_user)
    conn = await asyncpg.connect(database_url, server_settings={"role": APP_ROLE})
    try:
        for sql in (
            "UPDATE audit_event SET outcome = 'x'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(sql)
        assert await conn.fetchval("SELECT count(*) FROM audit_event") >= 5
    finally:
        await conn.close()


async def test_trigger_refuses_changes_even_by_the_owner(
    client: AsyncTestClient, make_user, database_url: str
) -> None:
    await _some_history(client, make_user)
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("UPDATE audit_event SET outcome = 'x' WHERE id = 1")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("DELETE FROM audit_event WHERE id = 1")
    finally:
        await conn.close()


async def test_sign_in_events_name_user_time_and_source(
    client: AsyncTestClient, make_user, database_url: str
) -> None:
    await _some_history(client, make_user)
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT * FROM audit_event WHERE action = 'login' AND actor_username = 'rosa'"
        )
    finally:
        await conn.close()
    assert row is not None
    assert row["actor_id"] is not None
    assert row["occurred_at"] is not None
    assert row["ip"] and row["user_agent"]
    assert row["outcome"] == "success"


async def test_auditor_report_filters_sorts_and_exports_csv(
    client: AsyncTestClient, make_user
) -> None:
    await _some_history(client, make_user)
    auth = await sign_in(client, "sam")
    page = await client.get(
        "/api/v1/audit/events", params={"user": "rosa", "sort": "id", "order": "asc"}, headers=auth
    )
    assert page.status_code == 200
    items = page.json()["items"]
    assert items and all(e["actor_username"] == "rosa" for e in items)
    assert [e["id"] for e in items] == sorted(e["id"] for e in items)

    failed = await client.get(
        "/api/v1/audit/events", params={"action": "login_failed"}, headers=auth
    )
    assert [e["detail"]["username"] for e in failed.json()["items"]] == ["rosa"]

    csv = await client.get("/api/v1/audit/events.csv", params={"action": "login"}, headers=auth)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("id,occurred_at,actor_id,actor_username,action")
    assert len(lines) >= 3
    assert all(",login," in line for line in lines[1:])

    trail = await client.get("/api/v1/audit/events", params={"action": "export"}, headers=auth)
    assert trail.json()["total"] == 1


async def test_break_glass_is_reasoned_audited_and_reported(
    client: AsyncTestClient, make_user
) -> None:
    await make_user("tess", Role.CLINICIAN)
    await make_user("uma", Role.AUDITOR)
    await make_user("val", Role.BILLER)
    await make_user("ines", Role.CLINICIAN)
    patient = await _register(client, await sign_in(client, "ines"))
    clinician = await sign_in(client, "tess")
    before = await client.get(f"/api/v1/patients/{patient}", headers=clinician)
    assert before.status_code == 403
    short = await client.post(
        "/api/v1/break-glass", json={"patient_id": patient, "reason": "why"}, headers=clinician
    )
    assert short.status_code == 422
    grant = await client.post(
        "/api/v1/break-glass",
        json={"patient_id": patient, "reason": "Crisis call, primary clinician unreachable"},
        headers=clinician,
    )
    assert grant.status_code == 201
    after = await client.get(f"/api/v1/patients/{patient}", headers=clinician)
    assert after.status_code == 200
    biller = await sign_in(client, "val")
    refused = await client.post(
        "/api/v1/break-glass",
        json={"patient_id": patient, "reason": "Curious about this patient"},
        headers=biller,
    )
    assert refused.status_code == 403

    auditor = await sign_in(client, "uma")
    report = (await client.get("/api/v1/audit/break-glass", headers=auditor)).json()
    assert [(g["username"], g["patient_id"]) for g in report] == [("tess", patient)]
    events = await client.get(
        "/api/v1/audit/events",
        params={"patient_id": patient, "action": "break_glass"},
        headers=auditor,
    )
    assert events.json()["items"][0]["detail"]["reason"].startswith("Crisis call")


async def _register(client: AsyncTestClient, headers: dict[str, str]) -> str:
    body = {"given_name": "Jamie", "family_name": "Rivera", "birth_date": "1988-04-02"}
    response = await client.post("/api/v1/patients", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_reading_a_chart_is_audited_with_user_patient_time_and_source(
    client: AsyncTestClient, make_user, database_url: str
) -> None:
    await make_user("kai", Role.CLINICIAN)
    await make_user("lou", Role.CLINICIAN)
    kai = await sign_in(client, "kai")
    patient = await _register(client, kai)
    chart = await client.get(
        f"/api/v1/patients/{patient}", headers=kai | {"User-Agent": "tablet-ward-3"}
    )
    assert chart.status_code == 200
    assert chart.json()["mrn"].startswith("MRN")
    lou = await sign_in(client, "lou")
    denied = await client.get(f"/api/v1/patients/{patient}", headers=lou)
    assert denied.status_code == 403

    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT * FROM audit_event WHERE entity = 'patient' AND action = 'read' ORDER BY id"
        )
    finally:
        await conn.close()
    assert [(r["actor_username"], r["outcome"]) for r in rows] == [
        ("kai", "success"),
        ("lou", "denied"),
    ]
    read = rows[0]
    assert str(read["patient_id"]) == patient
    assert read["occurred_at"] is not None
    assert read["ip"] == "testclient"  # the peer address Litestar's test client reports
    assert read["user_agent"] == "tablet-ward-3"
