"""Async Alembic environment targeting ``SQLModel.metadata``.

The URL comes from ``config.attributes["database_url"]`` (set by ``backend.db.migrate``)
or, for the plain ``alembic`` command, from ``DATABASE_URL``.
"""

import asyncio
import os

from sqlalchemy import Connection

from alembic import context
from backend.db.models import metadata
from backend.db.session import make_engine

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("No database URL: set DATABASE_URL or use `emr db upgrade`.")
    return url


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = make_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
