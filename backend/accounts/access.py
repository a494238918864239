"""Who may open a patient's chart.

Facilitators and clinicians reach patients on their care team or enrolled in groups
they facilitate; those relationships arrive with the patients and scheduling areas and
plug into :data:`RELATIONSHIPS`. Anyone else in a clinical role may break the glass:
a reasoned, time-limited grant that is always audited and listed for auditors.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import rules
from backend.accounts.models import BreakGlass, User
from backend.audit.service import Actor, Event, record, record_many
from backend.db.base import utcnow
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.patients.models import Patient
from shared.enums import CLINICAL_ROLES

BREAK_GLASS_DURATION = timedelta(hours=4)

Relationship = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[bool]]
# Each answers "does this user have a treatment relationship with this patient?"
RELATIONSHIPS: list[Relationship] = []


def read_detail(principal: Principal, **detail: Any) -> dict[str, Any]:
    """The audit detail of a read of a client's data: its purpose, then the route's facts."""
    return {"purpose": rules.read_purpose(principal.roles)} | detail


async def record_reads(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    entity: str,
    patient_ids: Iterable[uuid.UUID],
    *,
    action: str = "read",
    entity_id: object | None = None,
    **detail: Any,
) -> None:
    """A response that lists clients is a read of each one: one event per client shown,
    in one batched insert; an empty list still leaves one event (who looked, when)."""
    facts = read_detail(principal, **detail)
    events = [Event(action, entity, entity_id, p, detail=facts) for p in dict.fromkeys(patient_ids)]
    await record_many(session, actor, events or [Event(action, entity, entity_id, detail=facts)])


async def active_break_glass(
    session: AsyncSession, user_id: uuid.UUID, patient_id: uuid.UUID
) -> BreakGlass | None:
    result = await session.exec(
        select(BreakGlass).where(
            BreakGlass.user_id == user_id,
            BreakGlass.patient_id == patient_id,
            BreakGlass.expires_at > utcnow(),
        )
    )
    return result.first()


async def can_access_patient(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID
) -> bool:
    if not principal.roles & CLINICAL_ROLES:
        return False
    for relationship in RELATIONSHIPS:
        if await relationship(session, principal.user_id, patient_id):
            return True
    return await active_break_glass(session, principal.user_id, patient_id) is not None


async def require_patient_access(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID
) -> None:
    if not await can_access_patient(session, principal, patient_id):
        raise Problem(
            403,
            "You have no treatment relationship with this patient. In an emergency, "
            "break the glass (POST /api/v1/break-glass) with a reason.",
            slug="no-patient-relationship",
        )


async def break_glass(
    session: AsyncSession, actor: Actor, principal: Principal, patient_id: uuid.UUID, reason: str
) -> BreakGlass:
    if await session.get(Patient, patient_id) is None:
        raise Problem(404, f"No patient {patient_id}.")
    grant = BreakGlass(
        user_id=principal.user_id,
        patient_id=patient_id,
        reason=reason.strip(),
        expires_at=utcnow() + BREAK_GLASS_DURATION,
    )
    session.add(grant)
    await session.flush()
    await record(
        session,
        actor,
        "break_glass",
        "patient",
        entity_id=patient_id,
        patient_id=patient_id,
        detail={"reason": grant.reason, "expires_at": grant.expires_at.isoformat()},
    )
    return grant


async def break_glass_report(session: AsyncSession) -> list[tuple[BreakGlass, str]]:
    result = await session.exec(
        select(BreakGlass, User.username)
        .join(User, col(User.id) == col(BreakGlass.user_id))
        .order_by(col(BreakGlass.created_at).desc())
    )
    return [(grant, username) for grant, username in result.all()]
