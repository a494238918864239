"""The reports' queries. Each report is one aggregate SQL statement (GROUP BY, FILTER,
window functions), so its cost grows with the rows it scans, never with a query per row;
Python only turns the result rows into schemas. Definitions: docs/reports.md."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Numeric,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import array
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import User
from backend.billing.capture import ATTENDED
from backend.billing.models import Charge
from backend.measures.models import Assessment
from backend.measures.service import next_due
from backend.notes.models import GroupNote, ProgressNote
from backend.patients.models import CareTeamMember, Episode, Patient, Program, Transition
from backend.plans.models import TreatmentPlan
from backend.reports.filters import (
    Query,
    ReportFilter,
    care_team_rows,
    for_charges,
    for_patients,
    for_progress_notes,
    for_sessions,
)
from backend.reports.rules import DUE_SOON_DAYS, IMPROVED_BY, OUTCOME_INSTRUMENTS, day_bounds
from backend.scheduling.models import Attendance, Group, Session
from shared.enums import LevelOfCare
from shared.schemas.reports import (
    AssessmentsDueRow,
    AttendanceBy,
    AttendanceRow,
    BillableUnitsRow,
    CensusRow,
    ChargeStatusRow,
    OutcomeRow,
    PlansDueRow,
    UnsignedNotesRow,
)

Row = TypeVar("Row", bound=BaseModel)
CHARGE_STATUSES = ("pending", "held", "approved", "billed", "void")


async def _rows(session: AsyncSession, query: Query, model: type[Row]) -> list[Row]:
    result = await session.execute(query)
    return [model.model_validate(dict(row)) for row in result.mappings()]


def _patient_name() -> ColumnElement[str]:
    return func.concat(col(Patient.given_name), " ", col(Patient.family_name))


def _staff_name(missing: str) -> ColumnElement[str]:
    name = func.coalesce(func.nullif(col(User.full_name), ""), col(User.username))
    return func.coalesce(name, missing)


def _tallies(status: Any) -> list[Any]:
    """A mark's counts: expected (all but excused), attended, no-shows, excused."""
    return [
        func.count().filter(status != "excused").label("expected"),
        func.count().filter(status.in_(ATTENDED)).label("attended"),
        func.count().filter(status == "absent").label("no_shows"),
        func.count().filter(status == "excused").label("excused"),
    ]


def _rate(attended: Any, expected: Any) -> Any:
    return func.round(cast(attended, Numeric) / func.nullif(expected, 0), 4).label("rate")


def _marks(*columns: Any) -> Query:
    """Attendance marks of the filters' sessions, not cancelled."""
    return (
        select(*columns)
        .select_from(Attendance)
        .join(Session, col(Session.id) == col(Attendance.session_id))
        .join(Group, col(Group.id) == col(Session.group_id))
        .where(col(Session.status) != "cancelled")
    )


async def attendance(
    session: AsyncSession, where: ReportFilter, by: AttendanceBy
) -> list[AttendanceRow]:
    """Marks by client (each is one session), or by group: counted per session first, then
    summed, which spares PostgreSQL the sort of a COUNT(DISTINCT session)."""
    status = col(Attendance.status)
    if by is AttendanceBy.CLIENT:
        tallies = _tallies(status)
        query = (
            _marks(
                literal(by.value).label("by"),
                col(Patient.id).label("id"),
                _patient_name().label("name"),
                func.count().label("sessions"),
                *tallies,
                _rate(tallies[1], tallies[0]),
            )
            .join(Patient, col(Patient.id) == col(Attendance.patient_id))
            .group_by(col(Patient.id))
            .order_by("name", col(Patient.id))
        )
        return await _rows(session, for_sessions(query, where), AttendanceRow)
    per_session = for_sessions(
        _marks(col(Session.group_id), *_tallies(status)).group_by(col(Session.id)), where
    ).subquery()
    expected, attended = func.sum(per_session.c.expected), func.sum(per_session.c.attended)
    query = (
        select(
            literal(by.value).label("by"),
            col(Group.id).label("id"),
            col(Group.name).label("name"),
            func.count().label("sessions"),
            expected.label("expected"),
            attended.label("attended"),
            func.sum(per_session.c.no_shows).label("no_shows"),
            func.sum(per_session.c.excused).label("excused"),
            _rate(attended, expected),
        )
        .select_from(per_session)
        .join(Group, col(Group.id) == per_session.c.group_id)
        .group_by(col(Group.id))
        .order_by(col(Group.name), col(Group.id))
    )
    return await _rows(session, query, AttendanceRow)


async def census(session: AsyncSession, where: ReportFilter) -> list[CensusRow]:
    """Clients with an episode open at the end of ``as_of``, by their level of care that
    day: the episode's transitions tell the level before the latest move."""
    on = where.as_of
    moved = col(Transition.episode_id) == col(Episode.id)
    before = (
        select(col(Transition.to_level).label("level"), col(Transition.to_program_id).label("pid"))
        .where(moved, col(Transition.occurred_on) <= on)
        .order_by(col(Transition.occurred_on).desc())
        .limit(1)
        .lateral()
    )
    after = (
        select(
            col(Transition.from_level).label("level"), col(Transition.from_program_id).label("pid")
        )
        .where(moved, col(Transition.occurred_on) > on)
        .order_by(col(Transition.occurred_on))
        .limit(1)
        .lateral()
    )
    level = func.coalesce(before.c.level, after.c.level, col(Episode.level_of_care))
    program = func.coalesce(before.c.pid, after.c.pid, col(Episode.program_id))
    intensity = func.array_position(array([lvl.value for lvl in LevelOfCare]), level)
    query = (
        select(
            level.label("level_of_care"),
            func.count(distinct(col(Episode.patient_id))).label("clients"),
        )
        .select_from(Episode)
        .outerjoin(before, true())
        .outerjoin(after, true())
        .where(col(Episode.admitted_on) <= on)
        .where(or_(col(Episode.discharged_on).is_(None), col(Episode.discharged_on) > on))
        .group_by(level)
        .order_by(intensity)
    )
    if where.program_id is not None:
        query = query.where(program == where.program_id)
    query = for_patients(query, col(Episode.patient_id), where, on, on)
    return await _rows(session, query, CensusRow)


async def unsigned_notes(
    session: AsyncSession, where: ReportFilter, now: datetime, late_after: timedelta
) -> list[UnsignedNotesRow]:
    """Drafts and late-signed notes by staff: a group note counts for each facilitator of
    its session and each author; a progress note for its author."""
    group_notes = (
        select(
            col(GroupNote.id).label("note_id"),
            func.unnest(
                func.array_cat(col(Session.facilitator_ids), col(GroupNote.author_ids))
            ).label("staff_id"),
            literal("group").label("kind"),
            col(GroupNote.status).label("status"),
            col(GroupNote.late_entry).label("late_entry"),
            col(Session.ends_at).label("service_end"),
        )
        .join(Session, col(Session.id) == col(GroupNote.session_id))
        .join(Group, col(Group.id) == col(Session.group_id))
        .where(or_(col(GroupNote.status) == "draft", col(GroupNote.late_entry)))
        .distinct()
    )
    progress: Query = (
        select(
            col(ProgressNote.id).label("note_id"),
            col(ProgressNote.author_id).label("staff_id"),
            literal("individual").label("kind"),
            col(ProgressNote.status).label("status"),
            col(ProgressNote.late_entry).label("late_entry"),
            col(ProgressNote.service_end).label("service_end"),
        )
        .outerjoin(Session, col(Session.id) == col(ProgressNote.session_id))
        .where(or_(col(ProgressNote.status) == "draft", col(ProgressNote.late_entry)))
    )
    notes = union_all(
        for_sessions(group_notes, where, by_facilitator=False),
        for_progress_notes(progress, where),
    ).subquery()
    draft = notes.c.status == "draft"
    staff_name = _staff_name("").label("staff_name")
    query = (
        select(
            col(User.id).label("staff_id"),
            staff_name,
            notes.c.kind,
            func.count().filter(draft).label("unsigned"),
            func.count().filter(draft, notes.c.service_end < now - late_after).label("overdue"),
            func.count().filter(notes.c.status == "signed", notes.c.late_entry).label("late"),
        )
        .select_from(notes)
        .join(User, col(User.id) == notes.c.staff_id)
        .group_by(col(User.id), notes.c.kind)
        .order_by(staff_name, notes.c.kind)
    )
    if where.clinician_id is not None:
        query = query.where(notes.c.staff_id == where.clinician_id)
    return await _rows(session, query, UnsignedNotesRow)


async def plans_due(session: AsyncSession, where: ReportFilter) -> list[PlansDueRow]:
    """Active plans whose review is due within a week of ``as_of``, or overdue."""
    review = col(TreatmentPlan.review_due)
    name = _staff_name("(no care team)").label("clinician_name")
    query: Query = (
        select(
            col(CareTeamMember.user_id).label("clinician_id"),
            name,
            func.count().filter(review >= where.as_of).label("due_soon"),
            func.count().filter(review < where.as_of).label("overdue"),
        )
        .select_from(TreatmentPlan)
        .where(col(TreatmentPlan.status) == "active")
        .where(review <= where.as_of + timedelta(days=DUE_SOON_DAYS))
        .group_by(col(CareTeamMember.user_id), col(User.full_name), col(User.username))
        .order_by(name)
    )
    query = care_team_rows(query, col(TreatmentPlan.patient_id), where)
    return await _rows(session, query, PlansDueRow)


async def assessments_due(session: AsyncSession, where: ReportFilter) -> list[AssessmentsDueRow]:
    """Active schedules of active clients due within a week of ``as_of``, or overdue; due is
    the same as on the Today list (``start_on`` until given, then last + ``every_days``)."""
    schedules, due_on = next_due(where.zone)
    due = (
        schedules.where(col(Patient.status) == "active")
        .where(due_on <= where.as_of + timedelta(days=DUE_SOON_DAYS))
        .subquery()
    )
    name = _staff_name("(no care team)").label("clinician_name")
    query = (
        select(
            col(CareTeamMember.user_id).label("clinician_id"),
            name,
            due.c.instrument,
            func.count().filter(due.c.due_on >= where.as_of).label("due_soon"),
            func.count().filter(due.c.due_on < where.as_of).label("overdue"),
        )
        .select_from(due)
        .group_by(
            col(CareTeamMember.user_id), col(User.full_name), col(User.username), due.c.instrument
        )
        .order_by(name, due.c.instrument)
    )
    query = care_team_rows(query, due.c.patient_id, where)
    return await _rows(session, query, AssessmentsDueRow)


async def outcomes(session: AsyncSession, where: ReportFilter) -> list[OutcomeRow]:
    """Per client and instrument, the first and the latest score in the period (window
    functions), then by the program of the client's latest episode begun by ``as_of``."""
    series = (col(Assessment.patient_id), col(Assessment.instrument))
    first = func.first_value(col(Assessment.total)).over(
        partition_by=series, order_by=(col(Assessment.administered_at), col(Assessment.id))
    )
    latest = func.first_value(col(Assessment.total)).over(
        partition_by=series,
        order_by=(col(Assessment.administered_at).desc(), col(Assessment.id).desc()),
    )
    scored = (
        select(
            *series,
            first.label("baseline"),
            latest.label("latest"),
            func.count().over(partition_by=series).label("given"),
        )
        .where(col(Assessment.instrument).in_(OUTCOME_INSTRUMENTS))
        .distinct()
    )
    start, end = day_bounds(where.since, where.until, where.zone)
    if start is not None:
        scored = scored.where(col(Assessment.administered_at) >= start)
    if end is not None:
        scored = scored.where(col(Assessment.administered_at) < end)
    scores = for_patients(
        scored, col(Assessment.patient_id), where, where.since, where.until
    ).subquery()
    episode = (
        select(col(Episode.patient_id), col(Episode.program_id))
        .where(col(Episode.admitted_on) <= where.as_of)
        .distinct(col(Episode.patient_id))
        .order_by(col(Episode.patient_id), col(Episode.admitted_on).desc())
        .subquery()
    )
    change = scores.c.latest - scores.c.baseline
    improved = func.count().filter(scores.c.baseline - scores.c.latest >= IMPROVED_BY)
    program_name = func.coalesce(col(Program.name), "(no episode)").label("program_name")
    query = (
        select(
            episode.c.program_id,
            program_name,
            scores.c.instrument,
            func.count().label("clients_measured"),
            func.round(func.avg(change), 2).label("mean_change"),
            improved.label("improved"),
            func.round(cast(improved, Numeric) / func.count(), 4).label("share_improved"),
        )
        .select_from(scores)
        .outerjoin(episode, episode.c.patient_id == scores.c.patient_id)
        .outerjoin(Program, col(Program.id) == episode.c.program_id)
        .where(scores.c.given >= 2)
        .group_by(episode.c.program_id, col(Program.name), scores.c.instrument)
        .order_by(program_name, scores.c.instrument)
    )
    if where.program_id is not None:
        query = query.where(episode.c.program_id == where.program_id)
    return await _rows(session, query, OutcomeRow)


async def billable_units(session: AsyncSession, where: ReportFilter) -> list[BillableUnitsRow]:
    """Charges not voided, by rendering clinician and code."""
    name = _staff_name("(none)").label("clinician_name")
    query: Query = (
        select(
            col(Charge.rendering_provider_id).label("clinician_id"),
            name,
            col(Charge.code),
            func.count().label("charges"),
            func.sum(col(Charge.units)).label("units"),
            func.sum(col(Charge.fee)).label("amount"),
        )
        .outerjoin(User, col(User.id) == col(Charge.rendering_provider_id))
        .where(col(Charge.status) != "void")
        .group_by(
            col(Charge.rendering_provider_id),
            col(User.full_name),
            col(User.username),
            col(Charge.code),
        )
        .order_by(name, col(Charge.code))
    )
    return await _rows(session, for_charges(query, where), BillableUnitsRow)


async def charges_by_status(session: AsyncSession, where: ReportFilter) -> list[ChargeStatusRow]:
    status = col(Charge.status)
    query = (
        select(
            status,
            func.count().label("charges"),
            func.sum(col(Charge.fee)).label("amount"),
        )
        .group_by(status)
        .order_by(func.array_position(array(CHARGE_STATUSES), status), status)
    )
    return await _rows(session, for_charges(query, where), ChargeStatusRow)
