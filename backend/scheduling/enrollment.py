"""Who is expected at each session: enrolment from a date (future sessions only),
capacity with a waitlist that offers the next freed place, and attendance."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import access
from backend.audit.service import Actor, record
from backend.db.base import utcnow
from backend.lib.problems import Problem
from backend.patients.models import Patient
from backend.scheduling import rules, service
from backend.scheduling.models import Attendance, Booking, Enrollment, Group, Session
from shared.schemas.scheduling import AttendanceWrite, EnrollmentCreate

ACTIVE = ("enrolled",)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def _enrolled_count(session: AsyncSession, group_id: uuid.UUID, on: date) -> int:
    result = await session.exec(
        select(func.count())
        .select_from(Enrollment)
        .where(
            Enrollment.group_id == group_id,
            col(Enrollment.status).in_(ACTIVE),
            or_(col(Enrollment.to_date).is_(None), col(Enrollment.to_date) >= on),
        )
    )
    return int(result.one())


async def _upcoming(session: AsyncSession, group_id: uuid.UUID, since: date) -> list[Session]:
    """Scheduled sessions from ``since`` on, and never in the past."""
    start = max(_start_of(since), utcnow())
    rows = await session.exec(
        select(Session)
        .where(
            Session.group_id == group_id,
            Session.status == "scheduled",
            col(Session.starts_at) >= start,
        )
        .order_by(col(Session.starts_at))
    )
    return list(rows.all())


async def _book_client(session: AsyncSession, patient_id: uuid.UUID, rows: list[Session]) -> None:
    holds = service.Holds(room_id=None, facilitator_ids=[], client_ids=[patient_id])
    found = await service.conflicts(session, holds, [(r.starts_at, r.ends_at) for r in rows])
    if found:
        raise service.conflict_problem(found)
    await service.hold(session, holds, rows)


async def enroll(
    session: AsyncSession, actor: Actor, group: Group, data: EnrollmentCreate
) -> tuple[Enrollment, int]:
    if await session.get(Patient, data.patient_id) is None:
        raise Problem(
            422,
            f"patient_id: no patient {data.patient_id}.",
            errors=[{"field": "patient_id", "message": "unknown patient"}],
        )
    existing = await session.exec(
        select(Enrollment).where(
            Enrollment.group_id == group.id,
            Enrollment.patient_id == data.patient_id,
            col(Enrollment.status).in_(("enrolled", "waitlisted", "offered")),
        )
    )
    if existing.first():
        raise Problem(409, "This client is already enrolled or waiting for this group.")
    if not group.open_enrollment and not data.override_closed:
        started = await session.exec(
            select(func.count())
            .select_from(Session)
            .where(Session.group_id == group.id, col(Session.starts_at) < _start_of(data.from_date))
        )
        if int(started.one()):
            raise Problem(
                409,
                "This is a closed group that has already started: enrol from the "
                "next cycle, or confirm with override_closed.",
                slug="closed-group",
            )
    full = await _enrolled_count(session, group.id, data.from_date) >= group.capacity
    enrollment = Enrollment(
        group_id=group.id,
        patient_id=data.patient_id,
        from_date=data.from_date,
        status="waitlisted" if full else "enrolled",
    )
    session.add(enrollment)
    await session.flush()
    booked = 0
    if not full:
        rows = await _upcoming(session, group.id, data.from_date)
        await _book_client(session, data.patient_id, rows)
        booked = len(rows)
    await record(
        session,
        actor,
        "enroll",
        "enrollment",
        entity_id=enrollment.id,
        patient_id=data.patient_id,
        detail={"status": enrollment.status},
    )
    return enrollment, booked


async def end(
    session: AsyncSession, actor: Actor, enrollment: Enrollment, to_date: date
) -> Enrollment:
    """Stop from ``to_date`` (exclusive of later sessions) and offer the place onward."""
    if enrollment.status != "enrolled":
        raise Problem(409, f"This enrolment is {enrollment.status}, not active.")
    if to_date < enrollment.from_date:
        raise Problem(
            422,
            "to_date: before the enrolment started.",
            errors=[{"field": "to_date", "message": "before from_date"}],
        )
    enrollment.to_date, enrollment.status = to_date, "ended"
    enrollment.version += 1
    next_day = to_date + timedelta(days=1)
    later = [s.id for s in await _upcoming(session, enrollment.group_id, next_day)]
    if later:
        await session.execute(
            delete(Booking).where(
                col(Booking.session_id).in_(later),
                col(Booking.resource_kind) == "client",
                col(Booking.resource_id) == enrollment.patient_id,
            )
        )
    session.add(enrollment)
    await record(
        session,
        actor,
        "unenroll",
        "enrollment",
        entity_id=enrollment.id,
        patient_id=enrollment.patient_id,
        detail={"to_date": to_date.isoformat()},
    )
    waiting = (
        await session.exec(
            select(Enrollment)
            .where(Enrollment.group_id == enrollment.group_id, Enrollment.status == "waitlisted")
            .order_by(col(Enrollment.created_at))
            .limit(1)
        )
    ).first()
    if waiting is not None:
        waiting.status = "offered"
        waiting.version += 1
        session.add(waiting)
        await record(
            session,
            actor,
            "offer_place",
            "enrollment",
            entity_id=waiting.id,
            patient_id=waiting.patient_id,
        )
    return enrollment


async def accept(
    session: AsyncSession, actor: Actor, enrollment: Enrollment, from_date: date
) -> int:
    if enrollment.status != "offered":
        raise Problem(409, "Only an offered place can be accepted.")
    group = await session.get(Group, enrollment.group_id)
    assert group is not None
    if await _enrolled_count(session, group.id, from_date) >= group.capacity:
        raise Problem(409, "The group is full again.")
    enrollment.status, enrollment.from_date = "enrolled", from_date
    enrollment.version += 1
    session.add(enrollment)
    rows = await _upcoming(session, group.id, from_date)
    await _book_client(session, enrollment.patient_id, rows)
    await record(
        session,
        actor,
        "enroll",
        "enrollment",
        entity_id=enrollment.id,
        patient_id=enrollment.patient_id,
        detail={"status": "enrolled"},
    )
    return len(rows)


async def roster(session: AsyncSession, group_id: uuid.UUID) -> list[tuple[Enrollment, Patient]]:
    rows = await session.exec(
        select(Enrollment, Patient)
        .join(Patient, col(Patient.id) == col(Enrollment.patient_id))
        .where(Enrollment.group_id == group_id)
        .order_by(col(Enrollment.created_at))
    )
    return [(e, p) for e, p in rows.all()]


async def expected(session: AsyncSession, row: Session) -> list[Patient]:
    """Clients enrolled on the session's date: the sign-in sheet's rows."""
    day = row.starts_at.date()
    rows = await session.exec(
        select(Patient)
        .join(Enrollment, col(Enrollment.patient_id) == col(Patient.id))
        .where(
            Enrollment.group_id == row.group_id,
            col(Enrollment.status).in_(("enrolled", "ended")),
            col(Enrollment.from_date) <= day,
            or_(col(Enrollment.to_date).is_(None), col(Enrollment.to_date) >= day),
        )
        .order_by(col(Patient.family_name), col(Patient.given_name))
    )
    return list(rows.all())


def settle_minutes(row: Session, data: AttendanceWrite) -> int | None:
    """The minutes ``data`` stores for ``row`` (a new status replaces the old minutes)."""
    try:
        return rules.attended_minutes(
            data.status.value, data.minutes, rules.length_minutes(row.starts_at, row.ends_at)
        )
    except rules.RuleError as error:
        raise Problem(
            422,
            f"{error.field}: {error.message}.",
            errors=[{"field": error.field, "message": error.message}],
        ) from error


async def record_attendance(
    session: AsyncSession, actor: Actor, row: Session, patient_id: uuid.UUID, data: AttendanceWrite
) -> Attendance:
    if patient_id not in {p.id for p in await expected(session, row)}:
        raise Problem(
            422,
            "patient_id: this client is not enrolled for this session.",
            errors=[{"field": "patient_id", "message": "not enrolled"}],
        )
    if row.status == "cancelled":
        raise Problem(409, "The session was cancelled.")
    assert actor.user_id is not None, "attendance is recorded by a signed-in user"
    minutes = settle_minutes(row, data)
    mark = await session.get(Attendance, (row.id, patient_id))
    if mark is None:
        mark = Attendance(
            session_id=row.id,
            patient_id=patient_id,
            status=data.status.value,
            minutes=minutes,
            recorded_by=actor.user_id,
        )
    mark.status, mark.minutes, mark.recorded_at = data.status.value, minutes, utcnow()
    session.add(mark)
    await session.flush()
    await record(
        session,
        actor,
        "attendance",
        "session",
        entity_id=row.id,
        patient_id=patient_id,
        detail={"status": mark.status},
    )
    return mark


async def facilitates(session: AsyncSession, user_id: uuid.UUID, patient_id: uuid.UUID) -> bool:
    """Issue 3's rule: staff reach clients enrolled in groups they facilitate."""
    result = await session.exec(
        select(func.count())
        .select_from(Enrollment)
        .join(Group, col(Group.id) == col(Enrollment.group_id))
        .where(
            Enrollment.patient_id == patient_id,
            Enrollment.status == "enrolled",
            col(Group.facilitator_ids).contains([user_id]),
        )
    )
    return bool(result.one())


access.RELATIONSHIPS.append(facilitates)


async def marks(session: AsyncSession, session_id: uuid.UUID) -> dict[uuid.UUID, Attendance]:
    rows = await session.exec(select(Attendance).where(Attendance.session_id == session_id))
    return {a.patient_id: a for a in rows.all()}


async def past_sessions(session: AsyncSession, group_id: uuid.UUID) -> list[Session]:
    rows = await session.exec(
        select(Session)
        .where(
            Session.group_id == group_id,
            Session.status == "scheduled",
            col(Session.ends_at) < utcnow(),
        )
        .order_by(col(Session.starts_at))
    )
    return list(rows.all())
