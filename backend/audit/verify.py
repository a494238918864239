"""Checking the audit chains (``emr audit verify``, ``emr audit checkpoint``) and signing
the head of the events written before the chains were keyed.

Run these in a REPEATABLE READ transaction: the events and the head rows are then read
from one snapshot, however many requests append meanwhile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlmodel
from sqlalchemy import select, text, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit import rules
from backend.audit.models import AuditChainHead, AuditEvent
from backend.config import Settings
from backend.db.base import utcnow

_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Verification:
    checked: int
    broken: rules.Break | None
    tips: dict[int, rules.Tip]


async def events_in_chain_order(
    session: AsyncSession, batch: int = 5000
) -> AsyncIterator[Mapping[str, Any]]:
    """Every event in (chain, seq) order, as plain mappings, a batch at a time."""
    after = (-1, 0)
    position = tuple_(_EVENTS.c.chain, _EVENTS.c.seq)
    while True:
        rows = (
            await session.execute(
                select(_EVENTS)
                .where(position > tuple_(*after))
                .order_by(_EVENTS.c.chain, _EVENTS.c.seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield dict(row._mapping)
        after = (rows[-1].chain, rows[-1].seq)


async def _heads(session: AsyncSession) -> list[rules.Head]:
    rows = await session.exec(sqlmodel.select(AuditChainHead))
    return [rules.Head(h.chain, h.seq, h.hash, h.key_id, h.mac) for h in rows.all()]


async def verify(
    session: AsyncSession,
    settings: Settings,
    pins: Mapping[int, tuple[int, str]] | None = None,
) -> Verification:
    """Walk every chain with the configured keys; stop at the first break."""
    walk = rules.ChainWalk(settings.audit_keys, pins or {})
    async for event in events_in_chain_order(session):
        broken = walk.step(event)
        if broken:
            return Verification(walk.checked, broken, walk.tips)
    return Verification(walk.checked, walk.finish(await _heads(session)), walk.tips)


async def checkpoint(session: AsyncSession, settings: Settings) -> dict[str, Any]:
    """A signed checkpoint of the chains as they are, refused if they do not verify (a
    checkpoint must never vouch for a tampered trail)."""
    found = await verify(session, settings)
    if found.broken:
        event_id = found.broken.event_id
        where = f"event {event_id}" if event_id else f"chain {found.broken.chain}"
        raise ValueError(f"the audit trail is broken at {where}: {found.broken.why}")
    return rules.checkpoint(found.tips, utcnow(), settings.audit_key_id, settings.audit_key)


async def seal_unkeyed(session: AsyncSession, settings: Settings) -> bool:
    """Sign the head of chain 0 while it ends in events from before keying and no head is
    signed yet, i.e. no keyed event exists (a database just upgraded to 0014; every keyed
    write signs its chain's head). From then on the unkeyed events cannot be changed, nor
    keyed ones be passed off as unkeyed."""
    head = (
        await session.execute(
            text("""
SELECT seq, hash FROM audit_chain_head
WHERE chain = 0 AND seq > 0 AND mac IS NULL
  AND NOT EXISTS (SELECT FROM audit_chain_head WHERE mac IS NOT NULL)
FOR UPDATE""")
        )
    ).first()
    if head is None:
        return False
    sealed = await session.get(AuditChainHead, 0)
    assert sealed is not None
    sealed.key_id = settings.audit_key_id
    sealed.mac = rules.head_mac(0, int(head[0]), str(head[1]), settings.audit_key)
    await session.flush()
    return True
