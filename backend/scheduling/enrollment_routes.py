"""Rosters, enrolment and waitlist, attendance sign-in sheets, and closures."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.lib.auth import Principal, request_actor
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.patients.models import Patient
from backend.scheduling import caseload, closures, edits, enrollment, service
from backend.scheduling.models import Enrollment, Group
from backend.scheduling.routes import session_read
from shared.enums import Role
from shared.schemas.scheduling import (
    AttendanceWrite,
    ClosureCreate,
    ClosureResult,
    EnrollmentCreate,
    EnrollmentEnd,
    EnrollmentRead,
    SignInRow,
    SignInSheet,
)

AnyRequest = Request[Principal, Any, State]
SCHEDULERS = (Role.COORDINATOR, Role.ADMIN)
GROUP_STAFF = (Role.COORDINATOR, Role.FACILITATOR, Role.CLINICIAN, Role.SUPERVISOR)


def _read(row: Enrollment, patient: Patient, booked: int = 0) -> EnrollmentRead:
    return EnrollmentRead(
        id=row.id,
        group_id=row.group_id,
        patient_id=row.patient_id,
        patient_name=f"{patient.given_name} {patient.family_name}",
        from_date=row.from_date,
        to_date=row.to_date,
        status=row.status,
        sessions_booked=booked,
    )


async def _read_loaded(
    db_session: AsyncSession, row: Enrollment, booked: int = 0
) -> EnrollmentRead:
    patient = await db_session.get(Patient, row.patient_id)
    assert patient is not None, "enrollment.patient_id is a foreign key"
    return _read(row, patient, booked)


async def _group(db_session: AsyncSession, group_id: uuid.UUID) -> Group:
    group = await db_session.get(Group, group_id)
    if group is None:
        raise Problem(404, f"No group {group_id}.")
    return group


async def _enrollment(db_session: AsyncSession, enrollment_id: uuid.UUID) -> Enrollment:
    row = await db_session.get(Enrollment, enrollment_id, with_for_update=True)
    if row is None:
        raise Problem(404, f"No enrolment {enrollment_id}.")
    return row


class RosterController(Controller):
    path = "/api/v1"
    tags = ["scheduling"]

    @post(
        "/groups/{group_id:uuid}/enrollments",
        opt=allow(*SCHEDULERS),
        summary="Enrol a client from a date (future sessions only; waitlist when full)",
    )
    async def enroll(
        self,
        request: AnyRequest,
        group_id: uuid.UUID,
        data: EnrollmentCreate,
        db_session: AsyncSession,
    ) -> EnrollmentRead:
        group = await _group(db_session, group_id)
        row, booked = await enrollment.enroll(db_session, request_actor(request), group, data)
        return await _read_loaded(db_session, row, booked)

    @get("/groups/{group_id:uuid}/enrollments", opt=allow(*GROUP_STAFF), summary="Group roster")
    async def roster(
        self, request: AnyRequest, group_id: uuid.UUID, db_session: AsyncSession
    ) -> list[EnrollmentRead]:
        group = await _group(db_session, group_id)
        rows = await caseload.roster(db_session, request_actor(request), request.user, group)
        return [_read(e, p) for e, p in rows]

    @post(
        "/enrollments/{enrollment_id:uuid}/end",
        opt=allow(*SCHEDULERS),
        status_code=200,
        summary="Remove from a date; the first waitlisted client is offered the place",
    )
    async def end(
        self,
        request: AnyRequest,
        enrollment_id: uuid.UUID,
        data: EnrollmentEnd,
        db_session: AsyncSession,
    ) -> EnrollmentRead:
        row = await _enrollment(db_session, enrollment_id)
        row = await enrollment.end(db_session, request_actor(request), row, data.to_date)
        return await _read_loaded(db_session, row)

    @post(
        "/enrollments/{enrollment_id:uuid}/accept",
        opt=allow(*SCHEDULERS),
        status_code=200,
        summary="Accept an offered place from a date",
    )
    async def accept(
        self,
        request: AnyRequest,
        enrollment_id: uuid.UUID,
        data: EnrollmentEnd,
        db_session: AsyncSession,
    ) -> EnrollmentRead:
        row = await _enrollment(db_session, enrollment_id)
        booked = await enrollment.accept(db_session, request_actor(request), row, data.to_date)
        return await _read_loaded(db_session, row, booked)

    @get(
        "/sessions/{session_id:uuid}/attendance",
        opt=allow(*GROUP_STAFF),
        summary="Sign-in sheet: expected clients and their attendance",
    )
    async def sign_in_sheet(
        self, request: AnyRequest, session_id: uuid.UUID, db_session: AsyncSession
    ) -> SignInSheet:
        row = await edits.get_session(db_session, session_id)
        group = await _group(db_session, row.group_id)
        shown = await caseload.sign_in_sheet(
            db_session, request_actor(request), request.user, group, row
        )
        rows = [
            SignInRow(
                patient_id=p.id,
                patient_name=f"{p.given_name} {p.family_name}",
                status=mark.status if mark else None,
                minutes=mark.minutes if mark else None,
            )
            for p, mark in shown
        ]
        return SignInSheet(session=session_read(row, group.name), group_kind=group.kind, rows=rows)

    @put(
        "/sessions/{session_id:uuid}/attendance/{patient_id:uuid}",
        opt=allow(*GROUP_STAFF),
        summary="Record attendance: present, absent, excused, late, left early; minutes",
    )
    async def attend(
        self,
        request: AnyRequest,
        session_id: uuid.UUID,
        patient_id: uuid.UUID,
        data: AttendanceWrite,
        db_session: AsyncSession,
    ) -> SignInRow:
        row = await edits.get_session(db_session, session_id)
        group = await _group(db_session, row.group_id)
        await caseload.require_member(db_session, request.user, patient_id, group, row)
        mark = await enrollment.record_attendance(
            db_session, request_actor(request), row, patient_id, data
        )
        patient = await db_session.get(Patient, patient_id)
        assert patient is not None
        return SignInRow(
            patient_id=patient_id,
            patient_name=f"{patient.given_name} {patient.family_name}",
            status=mark.status,
            minutes=mark.minutes,
        )

    @post(
        "/closures",
        opt=allow(*SCHEDULERS),
        status_code=200,
        summary="Close a day: lists affected sessions; with confirm, cancels them",
    )
    async def close_day(
        self, request: AnyRequest, data: ClosureCreate, db_session: AsyncSession
    ) -> ClosureResult:
        saved, affected, kept = await closures.add(db_session, request_actor(request), data)
        names = {g.id: g.name for g in await service.groups(db_session)}
        return ClosureResult(
            on=data.on,
            name=data.name,
            saved=saved,
            affected=[session_read(s, names[s.group_id]) for s in affected],
            kept_documented=[session_read(s, names[s.group_id]) for s in kept],
        )
