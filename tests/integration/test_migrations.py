"""Models and migrations agree, and the first migration brings the extensions we need."""

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from backend.db import migrate
from backend.db.models import metadata
from backend.db.session import make_engine

pytestmark = pytest.mark.platform


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert differences == [], "run `alembic revision --autogenerate`: models changed"


async def test_extensions_for_booking_and_name_search_exist(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        names = {r["extname"] for r in await conn.fetch("SELECT extname FROM pg_extension")}
    finally:
        await conn.close()
    assert {"btree_gist", "pg_trgm"} <= names


def test_upgrade_reaches_the_newest_revision(template_url: str) -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config(template_url)).get_current_head()
    assert head is not None
    assert migrate.current(template_url) == head
