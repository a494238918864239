"""Alembic, driven from code: ``emr db upgrade`` / ``emr db current`` and app start-up."""

from __future__ import annotations

import asyncio

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from alembic import command
from backend.config import PROJECT_ROOT
from backend.db.session import make_engine


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database is at, or None for an empty database."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async def run() -> str | None:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(read)
        finally:
            await engine.dispose()

    return asyncio.run(run())
