"""The session's own asyncpg connection, for prebuilt statements on the hottest paths.

Through SQLAlchemy, every statement costs a few tenths of a millisecond of Python (the
session and connection layers, compiled-cache lookups, parameter and result processing,
the greenlet bridge), several times the database's own time for a primary-key read.
asyncpg prepares each statement text once per connection and answers it from its own
cache. It is the same connection and the same transaction as the session's, so these
statements commit or roll back with it.
"""

from __future__ import annotations

from typing import Any, cast

from asyncpg import Connection
from sqlmodel.ext.asyncio.session import AsyncSession


async def driver(session: AsyncSession) -> Connection[Any]:
    """The asyncpg connection under ``session``'s transaction. Pending ORM changes are
    flushed first (as the ORM autoflushes before its own queries), and the transaction is
    begun if nothing has run in it yet: SQLAlchemy sends BEGIN lazily, with its first
    statement, so a statement sent here first would otherwise run outside it."""
    await session.flush()
    connection = await session.connection()
    raw = cast("Connection[Any]", (await connection.get_raw_connection()).driver_connection)
    if not raw.is_in_transaction():
        await connection.exec_driver_sql("SELECT 1")
    return raw
