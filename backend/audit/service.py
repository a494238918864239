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

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit import rules
from backend.audit.models import AuditEvent
from backend.config import Settings
from backend.db.base import utcnow

# Built once: every audited request runs the first (rarely the second) and the third.
_PICK = text("""
SELECT chain, seq, hash FROM audit_chain_head
WHERE chain < CAST(:chains AS int)
ORDER BY (chain + CAST(:offset AS int)) % CAST(:chains AS int)
LIMIT 1 FOR UPDATE SKIP LOCKED
""")
_WAIT = text("SELECT chain, seq, hash FROM audit_chain_head WHERE chain = :chain FOR UPDATE")
# All events of a request and the chain's new head in one statement: one row per array
# element, the same compiled statement for 1 or 25 events (a search lists 25 clients).
_ARRAYS = ("seq", "action", "entity", "entity_id", "patient_id", "outcome", "detail")
_APPEND = text("""
WITH added AS (
    INSERT INTO audit_event (chain, seq, key_id, occurred_at, actor_id, actor_username,
                             action, entity, entity_id, patient_id, outcome, ip, user_agent,
                             detail, prev_hash, hash)
    SELECT CAST(:chain AS smallint), seq, CAST(:key_id AS text),
           CAST(:occurred_at AS timestamptz), CAST(:actor_id AS uuid),
           CAST(:actor_username AS text), action, entity, entity_id, patient_id, outcome,
           CAST(:ip AS text), CAST(:user_agent AS text), detail::jsonb, prev_hash, hash
    FROM unnest(CAST(:seq AS bigint[]), CAST(:action AS text[]), CAST(:entity AS text[]),
                CAST(:entity_id AS text[]), CAST(:patient_id AS uuid[]),
                CAST(:outcome AS text[]), CAST(:detail AS text[]),
                CAST(:prev_hash AS text[]), CAST(:hash AS text[]))
      AS e(seq, action, entity, entity_id, patient_id, outcome, detail, prev_hash, hash)
)
UPDATE audit_chain_head
SET seq = CAST(:head_seq AS bigint), hash = CAST(:head_hash AS text),
    key_id = CAST(:key_id AS text), mac = CAST(:mac AS text)
WHERE chain = CAST(:chain AS smallint)
""")


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
    moves the head). Core statements: the events are never read back in the request, so
    the ORM's unit of work would only add time to every audited request."""
    if not events:
        return
    settings = _settings(session)
    # The audited change first: the Core statements below do not autoflush the session.
    await session.flush()
    db = await session.connection()  # Core on the session's transaction: no ORM layer
    transaction = session.sync_session.get_transaction()
    held = session.info.get("audit_chain")
    if held and held[0] is transaction:  # a later call in the same transaction: its chain
        head = (await db.execute(_WAIT, {"chain": held[1]})).first()
    else:
        offset = random.randrange(settings.audit_chains)  # spreads the load; not a secret
        picked = {"chains": settings.audit_chains, "offset": offset}
        head = (await db.execute(_PICK, picked)).first()
        if head is None:  # every chain is busy: wait for one
            head = (await db.execute(_WAIT, {"chain": offset})).first()
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
    head_fields = {"head_seq": seq, "head_hash": prev_hash, "mac": mac}
    await db.execute(_APPEND, shared | columns | head_fields)


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
