"""Which members of a group or session a user may see and change: the caseload rule of
every roster, sign-in sheet, attendance and appointment route (docs/access.md, "the
caseload rule").

A roster names who is in treatment, so it follows the chart's minimum-necessary rule
instead of the route's role alone:

- the staff of the group or session (its facilitators; for a session, the group's and
  the session's) and the front desk (coordinators, admins: they enrol, schedule and check
  clients in) see and mark every member;
- anyone else sees only the members whose chart they may open (care team, facilitation
  of another of the client's groups, break-the-glass); the others are left out of the
  list rather than refusing it, and marking one of them is refused with
  ``no-patient-relationship``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import access
from backend.audit.service import Actor
from backend.lib.auth import Principal
from backend.patients.models import Patient
from backend.scheduling import enrollment
from backend.scheduling.models import Attendance, Enrollment, Group, Session
from shared.enums import Role

FRONT_DESK = frozenset({Role.COORDINATOR, Role.ADMIN})


def staff_ids(group: Group, row: Session | None = None) -> set[uuid.UUID]:
    """The group's facilitators, and for a session also whoever runs that one session."""
    return set(group.facilitator_ids) | set(row.facilitator_ids if row else ())


def sees_everyone(principal: Principal, group: Group | None, row: Session | None = None) -> bool:
    if principal.roles & FRONT_DESK:
        return True
    return group is not None and principal.user_id in staff_ids(group, row)


@dataclass(frozen=True)
class RosterScope:
    """The members of one roster a user may see: all of them, or the listed ones."""

    everyone: bool
    patient_ids: frozenset[uuid.UUID] = frozenset()

    def sees(self, patient_id: uuid.UUID) -> bool:
        return self.everyone or patient_id in self.patient_ids


async def scope(
    session: AsyncSession,
    principal: Principal,
    group: Group,
    members: Iterable[uuid.UUID],
    row: Session | None = None,
) -> RosterScope:
    if sees_everyone(principal, group, row):
        return RosterScope(everyone=True)
    reachable = [m for m in set(members) if await access.can_access_patient(session, principal, m)]
    return RosterScope(everyone=False, patient_ids=frozenset(reachable))


async def require_member(
    session: AsyncSession,
    principal: Principal,
    patient_id: uuid.UUID,
    group: Group | None = None,
    row: Session | None = None,
) -> None:
    """Changing a client's place or marks (attendance, an individual appointment) needs
    the same reach as seeing them; a new appointment has no group staff yet."""
    if not sees_everyone(principal, group, row):
        await access.require_patient_access(session, principal, patient_id)


async def roster(
    session: AsyncSession, actor: Actor, principal: Principal, group: Group
) -> list[tuple[Enrollment, Patient]]:
    """The group's enrolments (any status) that the user may see, each read audited."""
    rows = await enrollment.roster(session, group.id)
    seen = await scope(session, principal, group, (p.id for _, p in rows))
    shown = [(e, p) for e, p in rows if seen.sees(p.id)]
    await access.record_reads(
        session, actor, principal, "roster", (p.id for _, p in shown), entity_id=group.id
    )
    return shown


async def sign_in_sheet(
    session: AsyncSession, actor: Actor, principal: Principal, group: Group, row: Session
) -> list[tuple[Patient, Attendance | None]]:
    """The session's expected clients the user may see, with their marks, each read
    audited."""
    expected = await enrollment.expected(session, row)
    seen = await scope(session, principal, group, (p.id for p in expected), row)
    marks = await enrollment.marks(session, row.id)
    shown = [(p, marks.get(p.id)) for p in expected if seen.sees(p.id)]
    await access.record_reads(
        session, actor, principal, "sign_in_sheet", (p.id for p, _ in shown), entity_id=row.id
    )
    return shown
