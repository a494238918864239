"""Writing and reading the audit trail.

``record`` runs inside the caller's transaction, so an audited change and its event
commit or roll back together. Writers spread over ``EMR_AUDIT_CHAINS`` chains: each
request locks the head row of one chain that no other transaction holds (``FOR UPDATE
SKIP LOCKED``), so concurrent audited requests do not queue behind one lock, and no chain
forks even across API workers. The events are signed with the audit key carried by the
session (``session.info["settings"]``, see ``backend.db.session.session_factory``).
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit import rules
from backend.audit.models import AuditEvent
from backend.config import Settings
from backend.db.base import utcnow
from backend.db.driver import driver

# Built once: every audited request runs the first (rarely the second) and the third, on
# the session's asyncpg connection (backend.db.driver): prepared once per connection.
_PICK = """
SELECT chain, seq, hash FROM audit_chain_head
WHERE chain < $1::int
ORDER BY (chain + $2::int) % $1::int
LIMIT 1 FOR UPDATE SKIP LOCKED
"""
_WAIT = "SELECT chain, seq, hash FROM audit_chain_head WHERE chain = $1::int FOR UPDATE"
# All events of a request and the chain's new head in one statement: one row per array
# element, the same prepared statement for 1 or 25 events (a search lists 25 clients).
_APPEND = """
WITH added AS (
    INSERT INTO audit_event (chain, seq, key_id, occurred_at, actor_id, actor_username,
                             action, entity, entity_id, patient_id, outcome, ip, user_agent,
                             detail, prev_hash, hash)
    SELECT $1::smallint, seq, $2::text, $3::timestamptz, $4::uuid, $5::text, action, entity,
           entity_id, patient_id, outcome, $6::text, $7::text, detail::jsonb, prev_hash, hash
    FROM unnest($8::bigint[], $9::text[], $10::text[], $11::text[], $12::uuid[], $13::text[],
                $14::text[], $15::text[], $16::text[])
      AS e(seq, action, entity, entity_id, patient_id, outcome, detail, prev_hash, hash)
)
UPDATE audit_chain_head SET seq = $17::bigint, hash = $18::text, key_id = $2::text, mac = $19::text
WHERE chain = $1::smallint
"""
_ARRAYS = ("seq", "action", "entity", "entity_id", "patient_id", "outcome", "detail")


def _settings(session: AsyncSession) -> Settings:
    settings = session.info.get("settings")
    if not isinstance(settings, Settings) or not settings.audit_key:
        raise RuntimeError(
            "this session carries no audit key: make sessions with "
            "backend.db.session.session_factory and set EMR_AUDIT_KEY"
        )
    return settings


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
    """Chain several events in two statements (lock a chain's head, one insert that also
    moves the head), prepared statements on the session's connection: the events are never
    read back in the request, so the ORM would only add time to every audited request."""
    if not events:
        return
    settings = _settings(session)
    db = await driver(session)  # flushes the audited change first
    transaction = session.sync_session.get_transaction()
    held = session.info.get("audit_chain")
    if held and held[0] is transaction:  # a later call in the same transaction: its chain
        head = await db.fetchrow(_WAIT, held[1])
    else:
        offset = random.randrange(settings.audit_chains)  # spreads the load; not a secret
        head = await db.fetchrow(_PICK, settings.audit_chains, offset)
        if head is None:  # every chain is busy: wait for one
            head = await db.fetchrow(_WAIT, offset)
    if head is None:
        raise RuntimeError("audit_chain_head has no rows: run `emr db upgrade`")
    chain, seq, prev_hash = int(head[0]), int(head[1]), str(head[2])
    # One chain per transaction: its events stay together, and it never holds two chains
    # (two transactions each holding one and waiting for the other's would deadlock).
    session.info["audit_chain"] = (transaction, chain)
    key_id, key = settings.audit_key_id, settings.audit_key
    shared: dict[str, Any] = {
        "chain": chain,
        "key_id": key_id,
        "occurred_at": utcnow(),
        "actor_id": actor.user_id,
        "actor_username": actor.username,
        "ip": actor.ip,
        "user_agent": (actor.user_agent or None) and actor.user_agent[:300],
    }
    columns: dict[str, list[Any]] = {name: [] for name in (*_ARRAYS, "prev_hash", "hash")}
    for event in events:
        seq += 1
        fields = shared | {
            "seq": seq,
            "action": event.action,
            "entity": event.entity,
            "entity_id": None if event.entity_id is None else str(event.entity_id),
            "patient_id": event.patient_id,
            "outcome": event.outcome,
            "detail": event.detail or {},
            "prev_hash": prev_hash,
        }
        prev_hash = rules.event_hash(fields, settings.audit_keys)
        for name in _ARRAYS:
            columns[name].append(json.dumps(fields[name]) if name == "detail" else fields[name])
        columns["prev_hash"].append(fields["prev_hash"])
        columns["hash"].append(prev_hash)
    mac = rules.head_mac(chain, seq, prev_hash, key)
    await db.execute(
        _APPEND,
        *(shared[name] for name in ("chain", "key_id", "occurred_at", "actor_id")),
        *(shared[name] for name in ("actor_username", "ip", "user_agent")),
        *(columns[name] for name in (*_ARRAYS, "prev_hash", "hash")),
        seq,
        prev_hash,
        mac,
    )


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
