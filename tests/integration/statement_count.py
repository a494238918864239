"""Counting the SQL statements a request sends, for the statement-budget tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event

# What asyncpg sends of its own accord, not the app's statements: transaction control
# (SQLAlchemy does not count it either) and its one-off type introspection per connection
# (with JIT switched off around it).
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
INTROSPECTION = ("typeinfo_tree", "set_config('jit'", "current_setting('jit'")


@asynccontextmanager
async def counted(app: Any) -> AsyncIterator[list[str]]:
    """The SQL statements the app sends while the block runs: through SQLAlchemy, and the
    prepared statements the hottest paths send on the same asyncpg connection
    (backend.db.driver), which SQLAlchemy does not see."""
    statements: list[str] = []
    batches: list[str] = []  # SQLAlchemy's executemany calls, which asyncpg logs as well
    hooked: list[Any] = []

    def count(_conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)
        if args[-1]:  # executemany
            batches.append(statement.strip())

    def count_driver(query: Any) -> None:
        text = query.query.strip()
        if text in batches:
            batches.remove(text)
        elif not text.startswith(TRANSACTION_CONTROL) and not any(
            marker in text for marker in INTROSPECTION
        ):
            statements.append(text)

    def hook(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver not in hooked:
            driver.add_query_logger(count_driver)
            hooked.append(driver)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine.pool, "checkout", hook)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine.pool, "checkout", hook)
        for driver in hooked:
            driver.remove_query_logger(count_driver)
