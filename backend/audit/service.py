"""Writing and reading the audit trail.

``record`` runs inside the caller's transaction, so an audited change and its event
commit or roll back together. A transaction-scoped advisory lock serialises writers so
the chain never forks, even across API workers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit import rules
from backend.audit.models import AuditEvent
from backend.db.base import utcnow

AUDIT_LOCK_KEY = 0x454D5241  # "EMRA"
# Built once: every audited request runs these three.
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_HEAD = (
    select(col(AuditEvent.id), col(AuditEvent.hash)).order_by(col(AuditEvent.id).desc()).limit(1)
)
# All events of a request in one statement of one row per array element: the same
# compiled statement for 1 or 25 events (a search lists 25 clients, one event each).
_COLUMNS = (*rules.CHAINED_FIELDS, "hash")  # the insert below lists them in this order
_INSERT = text("""
INSERT INTO audit_event (id, occurred_at, actor_id, actor_username, action, entity, entity_id,
                         patient_id, outcome, ip, user_agent, detail, prev_hash, hash)
SELECT id, occurred_at, actor_id, actor_username, action, entity, entity_id, patient_id,
       outcome, ip, user_agent, detail::jsonb, prev_hash, hash
FROM unnest(CAST(:id AS bigint[]), CAST(:occurred_at AS timestamptz[]),
            CAST(:actor_id AS uuid[]), CAST(:actor_username AS text[]), CAST(:action AS text[]),
            CAST(:entity AS text[]), CAST(:entity_id AS text[]), CAST(:patient_id AS uuid[]),
            CAST(:outcome AS text[]), CAST(:ip AS text[]), CAST(:user_agent AS text[]),
            CAST(:detail AS text[]), CAST(:prev_hash AS text[]), CAST(:hash AS text[]))
  AS e(id, occurred_at, actor_id, actor_username, action, entity, entity_id, patient_id,
       outcome, ip, user_agent, detail, prev_hash, hash)
""")


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where. ``user_id`` is None for anonymous attempts."""

    user_id: uuid.UUID | None
    username: str | None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Event:
    action: str
    entity: str
    entity_id: object | None = None
    patient_id: uuid.UUID | None = None
    outcome: str = "success"
    detail: dict[str, Any] | None = None


async def record_many(session: AsyncSession, actor: Actor, events: list[Event]) -> None:
    """Chain several events in three statements (lock, read the head, one batched insert).

    The insert is a Core statement: the events are never read back in the request, so
    the ORM's unit of work would only add time to every audited request."""
    if not events:
        return
    # The audited change first: the Core statements below do not autoflush the session.
    await session.flush()
    db = await session.connection()  # Core on the session's transaction: no ORM layer
    await db.execute(_LOCK, {"key": AUDIT_LOCK_KEY})
    last = (await db.execute(_HEAD)).first()
    next_id, prev_hash = ((last[0] + 1), last[1]) if last else (1, rules.GENESIS)
    now = utcnow()
    rows = []
    for event in events:
        fields: dict[str, Any] = {
            "id": next_id,
            "occurred_at": now,
            "actor_id": actor.user_id,
            "actor_username": actor.username,
            "action": event.action,
            "entity": event.entity,
            "entity_id": None if event.entity_id is None else str(event.entity_id),
            "patient_id": event.patient_id,
            "outcome": event.outcome,
            "ip": actor.ip,
            "user_agent": (actor.user_agent or None) and actor.user_agent[:300],
            "detail": event.detail or {},
            "prev_hash": prev_hash,
        }
        fields["hash"] = rules.event_hash(fields)
        rows.append(fields)
        next_id, prev_hash = next_id + 1, fields["hash"]
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    for row in rows:
        for name in _COLUMNS:
            value = row[name]
            columns[name].append(json.dumps(value) if name == "detail" else value)
    await db.execute(_INSERT, columns)


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    entity: str,
    *,
    entity_id: object | None = None,
    patient_id: uuid.UUID | None = None,
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
) -> None:
    await record_many(
        session, actor, [Event(action, entity, entity_id, patient_id, outcome, detail)]
    )


async def record_alone(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    action: str,
    entity: str,
    **kwargs: Any,
) -> None:
    """Record in a transaction of its own: for refusals, whose request then rolls back."""
    async with sessions() as session, session.begin():
        await record(session, actor, action, entity, **kwargs)


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    user: str | None = None
    patient_id: uuid.UUID | None = None
    action: str | None = None


SORTABLE = {"id", "occurred_at", "actor_username", "action", "entity", "outcome"}


def _filtered(query: Any, where: AuditFilter) -> Any:
    if where.since:
        query = query.where(AuditEvent.occurred_at >= where.since)
    if where.until:
        query = query.where(AuditEvent.occurred_at < where.until)
    if where.user:
        query = query.where(AuditEvent.actor_username == where.user)
    if where.patient_id:
        query = query.where(AuditEvent.patient_id == where.patient_id)
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    return query


async def search(
    session: AsyncSession,
    where: AuditFilter,
    *,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[list[AuditEvent], int]:
    column = getattr(AuditEvent, sort)
    order = [column.desc() if descending else column.asc(), AuditEvent.id]
    rows = await session.exec(
        _filtered(select(AuditEvent), where).order_by(*order).limit(limit).offset(offset)
    )
    total = await session.exec(_filtered(select(func.count()).select_from(AuditEvent), where))
    return [row[0] for row in rows.all()], int(total.one()[0])


async def stream_all(session: AsyncSession, batch: int = 5000) -> AsyncIterator[dict[str, Any]]:
    """Every event in id order, as plain mappings, in batches (for verification)."""
    after = 0
    while True:
        result = await session.execute(
            select(AuditEvent)
            .where(col(AuditEvent.id) > after)
            .order_by(col(AuditEvent.id))
            .limit(batch)
        )
        events = result.scalars().all()
        if not events:
            return
        for event in events:
            yield event.model_dump()
        after = events[-1].id


async def verify(session: AsyncSession) -> tuple[int, tuple[int, str] | None]:
    """(events checked, first break or None)."""
    checked = 0
    collected: list[dict[str, Any]] = []
    async for event in stream_all(session):
        collected.append(event)
        checked += 1
    return checked, rules.first_broken(collected)
