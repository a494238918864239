"""Loading with checks deferred, as ``pg_restore`` does: before the inserts, set aside the
foreign keys, exclusion constraints and plain indexes of the tables about to be filled;
afterwards put every one back with its own name and definition.

Checked row by row, the foreign keys alone cost more than all the rest of a 5,000-client
load; put back at the end, each one is validated by a single join over the whole table
(and the exclusion constraint re-proves that no facilitator, room or client is booked
twice). Primary keys and unique constraints stay in place throughout. Everything happens
in the caller's transaction, so a failure leaves the schema as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

_SET_ASIDE = """
SELECT 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(conname),
       'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(conname)
           || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = ANY($1::regclass[]) AND contype IN ('f', 'x')
UNION ALL
SELECT 'DROP INDEX ' || i.indexrelid::regclass, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


async def set_aside(conn: asyncpg.Connection, tables: Iterable[str]) -> list[str]:
    """Drop the deferred checks of ``tables``; return the statements restoring them."""
    found = await conn.fetch(_SET_ASIDE, sorted(set(tables)))
    for drop, _ in found:
        await conn.execute(drop)
    return [restore for _, restore in found]


async def restore(conn: asyncpg.Connection, statements: list[str]) -> None:
    for statement in statements:
        await conn.execute(statement)
