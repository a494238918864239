"""The session's own asyncpg connection, for prepared statements on the hottest paths.

Through SQLAlchemy, every statement costs a few tenths of a millisecond of Python (the
session and connection layers, compiled-cache lookups, parameter and result processing,
the greenlet bridge), several times the database's own time for a primary-key read.
asyncpg prepares each statement text once per connection and answers it from its own
cache. It is the same connection and the same transaction as the session's, so these
statements commit or roll back with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asyncpg import Connection, Record
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.session import database_unavailable


class Driver:
    """``fetchrow``, ``fetchval`` and ``execute`` of the session's asyncpg connection. A
    connection that fails with an outage (gone, timed out) is invalidated, as SQLAlchemy
    does when its own statements fail: the session then neither rolls back on it nor
    returns it to the pool, and the request answers 503 (backend.lib.problems)."""

    def __init__(self, connection: AsyncConnection, raw: Connection[Any]) -> None:
        self._connection = connection
        self._raw = raw

    async def fetchrow(self, query: str, *args: Any) -> Record | None:
        return cast("Record | None", await self._run(self._raw.fetchrow, query, args))

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self._run(self._raw.fetchval, query, args)

    async def execute(self, query: str, *args: Any) -> str:
        return cast(str, await self._run(self._raw.execute, query, args))

    async def _run(
        self, method: Callable[..., Awaitable[Any]], query: str, args: tuple[Any, ...]
    ) -> Any:
        try:
            return await method(query, *args)
        except Exception as error:
            if database_unavailable(error):
                await self._connection.invalidate(error)
            raise


async def driver(session: AsyncSession) -> Driver:
    """The asyncpg connection under ``session``'s transaction. Pending ORM changes are
    flushed first (as the ORM autoflushes before its own queries), and the transaction is
    begun if nothing has run in it yet: SQLAlchemy sends BEGIN lazily, with its first
    statement, so a statement sent here first would otherwise run outside it."""
    await session.flush()
    connection = await session.connection()
    raw = cast("Connection[Any]", (await connection.get_raw_connection()).driver_connection)
    if not raw.is_in_transaction():
        await connection.exec_driver_sql("SELECT 1")
    return Driver(connection, raw)
