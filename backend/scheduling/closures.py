"""Organisation closures (holidays): adding one lists the sessions it affects and, once
confirmed, cancels them; series created later skip the day."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, record
from backend.lib.problems import Problem
from backend.scheduling import edits
from backend.scheduling.models import Closure, Session
from backend.scheduling.rules import zone
from shared.schemas.scheduling import ClosureCreate


async def sessions_on(session: AsyncSession, data: ClosureCreate) -> list[Session]:
    """Scheduled sessions whose local date (in their own zone) is the closed day."""
    rows = await session.exec(
        select(Session).where(Session.status == "scheduled").order_by(col(Session.starts_at))
    )
    return [r for r in rows.all() if r.starts_at.astimezone(zone(r.timezone)).date() == data.on]


async def add(
    session: AsyncSession, actor: Actor, data: ClosureCreate
) -> tuple[bool, list[Session], list[Session]]:
    """(saved, cancelled or to be cancelled, kept because documented)."""
    if (await session.exec(select(Closure).where(Closure.on == data.on))).first():
        raise Problem(
            409, f"{data.on} is already a closure.", errors=[{"field": "on", "message": "exists"}]
        )
    affected = await sessions_on(session, data)
    documented = await edits.documented(session, [s.id for s in affected])
    cancel = [s for s in affected if s.id not in documented]
    kept = [s for s in affected if s.id in documented]
    if not data.confirm:
        return False, cancel, kept
    session.add(Closure(on=data.on, name=data.name))
    for row in cancel:
        await edits.cancel(session, actor, row, f"Closed: {data.name}")
    await record(
        session,
        actor,
        "create",
        "closure",
        entity_id=data.on.isoformat(),
        detail={"name": data.name, "cancelled": len(cancel)},
    )
    return True, cancel, kept
