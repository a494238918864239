"""What narrows a report: the filters every report takes (``ReportFilter``) and how each
kind of row — session, client, care-team member, charge — is narrowed by them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select, union
from sqlmodel import col

from backend.accounts.models import User
from backend.billing.models import Charge
from backend.notes.models import GroupNote, ProgressNote
from backend.patients.models import CareTeamMember, Episode
from backend.reports.rules import day_bounds
from backend.scheduling.models import Enrollment, Group, Session

Query = Select[*tuple[Any, ...]]
MEMBER = ("enrolled", "ended")  # an enrolment that made (or makes) the client a member


@dataclass(frozen=True)
class ReportFilter:
    """What every report may be narrowed by; ``clinician_id`` is already scoped to the
    caller (see ``rules.clinician_scope``). Dates are clinic-local and inclusive."""

    today: date
    zone: str
    program_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    clinician_id: uuid.UUID | None = None
    since: date | None = None
    until: date | None = None

    @property
    def as_of(self) -> date:
        return self.until or self.today

    def detail(self) -> dict[str, str]:
        """The filters given, by their query names, for the audit event."""
        given = {
            "program_id": self.program_id,
            "group_id": self.group_id,
            "clinician_id": self.clinician_id,
            "from": self.since,
            "to": self.until,
        }
        return {name: str(value) for name, value in given.items() if value is not None}


def caseload(user_id: uuid.UUID) -> Query:
    """Clients on the clinician's care team, or members (now or before) of a group they
    facilitate: the same relationships that open a chart."""
    care = select(col(CareTeamMember.patient_id)).where(col(CareTeamMember.user_id) == user_id)
    groups = (
        select(col(Enrollment.patient_id))
        .join(Group, col(Group.id) == col(Enrollment.group_id))
        .where(col(Group.facilitator_ids).contains([user_id]), col(Enrollment.status).in_(MEMBER))
    )
    return select(union(care, groups).subquery().c.patient_id)


def members(group_id: uuid.UUID, since: date | None, until: date | None) -> Query:
    """Clients enrolled in the group at some time between ``since`` and ``until``."""
    query = select(col(Enrollment.patient_id)).where(
        col(Enrollment.group_id) == group_id, col(Enrollment.status).in_(MEMBER)
    )
    if until is not None:
        query = query.where(col(Enrollment.from_date) <= until)
    if since is not None:
        query = query.where(
            or_(col(Enrollment.to_date).is_(None), col(Enrollment.to_date) >= since)
        )
    return query


def in_program(program_id: uuid.UUID, on: date) -> Query:
    return select(col(Episode.patient_id)).where(
        col(Episode.program_id) == program_id,
        col(Episode.admitted_on) <= on,
        or_(col(Episode.discharged_on).is_(None), col(Episode.discharged_on) > on),
    )


def for_patients(
    query: Query, patient: Any, where: ReportFilter, since: date | None, until: date | None
) -> Query:
    """Narrow a client-centred query to a group's members and the clinician's caseload."""
    if where.group_id is not None:
        query = query.where(patient.in_(members(where.group_id, since, until)))
    if where.clinician_id is not None:
        query = query.where(patient.in_(caseload(where.clinician_id)))
    return query


def for_sessions(query: Query, where: ReportFilter, *, by_facilitator: bool = True) -> Query:
    """Narrow a query joining Session and Group to the filters' sessions."""
    start, end = day_bounds(where.since, where.until, where.zone)
    if start is not None:
        query = query.where(col(Session.starts_at) >= start)
    if end is not None:
        query = query.where(col(Session.starts_at) < end)
    if where.program_id is not None:
        query = query.where(col(Group.program_id) == where.program_id)
    if where.group_id is not None:
        query = query.where(col(Session.group_id) == where.group_id)
    if by_facilitator and where.clinician_id is not None:
        query = query.where(col(Session.facilitator_ids).contains([where.clinician_id]))
    return query


def for_progress_notes(query: Query, where: ReportFilter) -> Query:
    """Narrow a query of progress notes (joined to their session, if any): dates by service
    start, the group by the session's, the program by any episode of the client in it."""
    start, end = day_bounds(where.since, where.until, where.zone)
    if start is not None:
        query = query.where(col(ProgressNote.service_start) >= start)
    if end is not None:
        query = query.where(col(ProgressNote.service_start) < end)
    if where.group_id is not None:
        query = query.where(col(Session.group_id) == where.group_id)
    if where.program_id is not None:
        episodes = select(col(Episode.patient_id)).where(
            col(Episode.program_id) == where.program_id
        )
        query = query.where(col(ProgressNote.patient_id).in_(episodes))
    return query


def care_team_rows(query: Query, patient: Any, where: ReportFilter) -> Query:
    """Join each client's care team (a client without one: a row of its own) and narrow to
    the program, group and clinician filters as of ``as_of``."""
    query = query.outerjoin(CareTeamMember, col(CareTeamMember.patient_id) == patient).outerjoin(
        User, col(User.id) == col(CareTeamMember.user_id)
    )
    if where.program_id is not None:
        query = query.where(patient.in_(in_program(where.program_id, where.as_of)))
    if where.group_id is not None:
        query = query.where(patient.in_(members(where.group_id, where.as_of, where.as_of)))
    if where.clinician_id is not None:
        query = query.where(col(CareTeamMember.user_id) == where.clinician_id)
    return query


def for_charges(query: Query, where: ReportFilter) -> Query:
    if where.since is not None:
        query = query.where(col(Charge.service_date) >= where.since)
    if where.until is not None:
        query = query.where(col(Charge.service_date) <= where.until)
    if where.program_id is not None:
        query = query.where(col(Charge.program_id) == where.program_id)
    if where.clinician_id is not None:
        query = query.where(col(Charge.rendering_provider_id) == where.clinician_id)
    if where.group_id is not None:
        notes = (
            select(col(GroupNote.id))
            .join(Session, col(Session.id) == col(GroupNote.session_id))
            .where(col(Session.group_id) == where.group_id)
        )
        query = query.where(col(Charge.source_id).in_(notes))
    return query
