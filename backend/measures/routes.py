"""Measurement-based care: instruments, assessments, safety alerts, schedules, what is due."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.audit.service import record
from backend.config import Settings
from backend.lib.auth import Principal, request_actor
from backend.lib.policy import allow, signed_in
from backend.measures import service
from backend.measures.models import Assessment
from backend.patients.service import get as get_patient
from backend.patients.service import require_chart_access
from shared.enums import CLINICAL_ROLES
from shared.schemas.measures import (
    AlertRead,
    AssessmentCreate,
    AssessmentDue,
    AssessmentRead,
    InstrumentRead,
    ScheduleCreate,
    ScheduleRead,
)

AnyRequest = Request[Principal, Any, State]
CLINICAL = allow(*CLINICAL_ROLES)


async def _chart(request: AnyRequest, db_session: AsyncSession, patient_id: uuid.UUID) -> None:
    await get_patient(db_session, patient_id)
    await require_chart_access(db_session, request.user, patient_id, demographics=False)


def _read(assessment: Assessment) -> AssessmentRead:
    return AssessmentRead.model_validate(assessment, from_attributes=True)


class MeasuresController(Controller):
    path = "/api/v1"
    tags = ["measures"]

    @get("/instruments", opt=signed_in(), summary="Instrument definitions, to render each one")
    async def instruments(self) -> list[InstrumentRead]:
        return service.definitions()

    @post(
        "/patients/{patient_id:uuid}/assessments",
        opt=CLINICAL,
        summary="Score and store an administered instrument; safety flags alert the care team",
    )
    async def administer(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: AssessmentCreate,
        db_session: AsyncSession,
    ) -> AssessmentRead:
        await _chart(request, db_session, patient_id)
        assessment = await service.administer(
            db_session, request_actor(request), request.user, patient_id, data
        )
        return _read(assessment)

    @get(
        "/patients/{patient_id:uuid}/assessments",
        opt=CLINICAL,
        summary="The client's assessments, newest first",
    )
    async def list_for_patient(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        instrument: str | None = Parameter(default=None, max_length=20),
    ) -> list[AssessmentRead]:
        await _chart(request, db_session, patient_id)
        found = await service.for_patient(db_session, patient_id, instrument)
        await record(
            db_session,
            request_actor(request),
            "read",
            "assessments",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return [_read(a) for a in found]

    @get("/alerts", opt=signed_in(), summary="My unacknowledged clinical alerts")
    async def alerts(self, request: AnyRequest, db_session: AsyncSession) -> list[AlertRead]:
        return await service.open_alerts(db_session, request_actor(request), request.user)

    @post(
        "/alerts/{alert_id:uuid}/acknowledge",
        opt=signed_in(),
        status_code=200,
        summary="Acknowledge one of my alerts",
    )
    async def acknowledge(
        self, request: AnyRequest, alert_id: uuid.UUID, db_session: AsyncSession
    ) -> AlertRead:
        return await service.acknowledge(
            db_session, request_actor(request), request.user.user_id, alert_id
        )

    @post(
        "/patients/{patient_id:uuid}/assessment-schedules",
        opt=CLINICAL,
        summary="Administer an instrument every N days from a start date",
    )
    async def add_schedule(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: ScheduleCreate,
        db_session: AsyncSession,
        settings: Settings,
    ) -> ScheduleRead:
        await _chart(request, db_session, patient_id)
        schedule = await service.add_schedule(
            db_session, request_actor(request), request.user, patient_id, data
        )
        mine = await service.schedules_for(db_session, patient_id, settings.timezone)
        return next(s for s in mine if s.id == schedule.id)

    @get(
        "/patients/{patient_id:uuid}/assessment-schedules",
        opt=CLINICAL,
        summary="The client's active schedules with their next due date",
    )
    async def schedules(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
    ) -> list[ScheduleRead]:
        await _chart(request, db_session, patient_id)
        found = await service.schedules_for(db_session, patient_id, settings.timezone)
        await record(
            db_session,
            request_actor(request),
            "read",
            "assessment_schedules",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return found

    @delete(
        "/assessment-schedules/{schedule_id:uuid}",
        opt=CLINICAL,
        summary="Stop a schedule (it is kept, inactive)",
    )
    async def end_schedule(
        self, request: AnyRequest, schedule_id: uuid.UUID, db_session: AsyncSession
    ) -> None:
        schedule = await service.get_schedule(db_session, schedule_id)
        await require_chart_access(
            db_session, request.user, schedule.patient_id, demographics=False
        )
        await service.end_schedule(db_session, request_actor(request), schedule)

    @get(
        "/assessments/due",
        opt=CLINICAL,
        summary="Administrations due within two days for my clients (supervisors: all)",
    )
    async def due(
        self, request: AnyRequest, db_session: AsyncSession, settings: Settings
    ) -> list[AssessmentDue]:
        today = datetime.now(ZoneInfo(settings.timezone)).date()
        return await service.due(
            db_session, request_actor(request), request.user, today, settings.timezone
        )
