"""Treatment plans over HTTP: versions, the draft editor (If-Match), signatures, the diff,
reviews due and each objective's progress."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail, record_reads
from backend.audit.service import record
from backend.lib.auth import Principal, request_actor
from backend.lib.etag import etag, require_if_match
from backend.lib.policy import allow
from backend.patients.service import get as get_patient
from backend.patients.service import require_chart_access
from backend.plans import service
from backend.plans.models import TreatmentPlan
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.plans import (
    ClientSignature,
    ObjectiveProgress,
    PlanChange,
    PlanContent,
    PlanCreate,
    PlanDue,
    PlanRead,
    PlanReview,
    ProgressPointCreate,
)

AnyRequest = Request[Principal, Any, State]
PLANNERS = (Role.CLINICIAN, Role.SUPERVISOR)


def plan_read(plan: TreatmentPlan) -> PlanRead:
    return PlanRead.model_validate(plan.model_dump())


def _answer(plan: TreatmentPlan, status_code: int = 200) -> Response[PlanRead]:
    return Response(plan_read(plan), status_code=status_code, headers={"ETag": etag(plan.version)})


async def _plan(
    request: AnyRequest, db_session: AsyncSession, plan_id: uuid.UUID, *, lock: bool = False
) -> TreatmentPlan:
    plan = await service.get(db_session, plan_id, lock=lock)
    await require_chart_access(db_session, request.user, plan.patient_id, demographics=False)
    return plan


class PlanController(Controller):
    path = "/api/v1"
    tags = ["treatment plans"]

    @post(
        "/patients/{patient_id:uuid}/plans",
        opt=allow(*PLANNERS),
        summary="Start a draft plan (version 1, or revise the active one into version n+1)",
    )
    async def create(
        self, request: AnyRequest, patient_id: uuid.UUID, data: PlanCreate, db_session: AsyncSession
    ) -> Response[PlanRead]:
        await get_patient(db_session, patient_id)
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        plan = await service.create(
            db_session, request_actor(request), request.user, patient_id, data
        )
        return _answer(plan, 201)

    @get(
        "/patients/{patient_id:uuid}/plans",
        opt=allow(*CLINICAL_ROLES),
        summary="Every version of the client's plan, newest first",
    )
    async def versions(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[PlanRead]:
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        found = await service.versions(db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "treatment_plans",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return [plan_read(p) for p in found]

    @get("/plans/{plan_id:uuid}", opt=allow(*CLINICAL_ROLES), summary="One plan version")
    async def read(
        self, request: AnyRequest, plan_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[PlanRead]:
        plan = await service.read(db_session, plan_id)
        await require_chart_access(db_session, request.user, plan.patient_id, demographics=False)
        await record(
            db_session,
            request_actor(request),
            "read",
            "treatment_plan",
            entity_id=plan.id,
            patient_id=plan.patient_id,
            detail=read_detail(request.user),
        )
        return Response(plan, headers={"ETag": etag(plan.version)})

    @put(
        "/plans/{plan_id:uuid}",
        opt=allow(*PLANNERS),
        summary="Replace a draft's problems, goals, objectives and interventions (If-Match)",
    )
    async def update(
        self, request: AnyRequest, plan_id: uuid.UUID, data: PlanContent, db_session: AsyncSession
    ) -> Response[PlanRead]:
        plan = await _plan(request, db_session, plan_id, lock=True)
        service.refuse_unless_draft(plan)
        require_if_match(request, plan.version)
        await service.update(db_session, request_actor(request), request.user, plan, data)
        return _answer(plan)

    @post(
        "/plans/{plan_id:uuid}/sign",
        opt=allow(*PLANNERS),
        status_code=200,
        summary="Clinician signs",
    )
    async def sign(
        self, request: AnyRequest, plan_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[PlanRead]:
        plan = await _plan(request, db_session, plan_id, lock=True)
        await service.sign(db_session, request_actor(request), request.user, plan)
        return _answer(plan)

    @post(
        "/plans/{plan_id:uuid}/client-signature",
        opt=allow(*PLANNERS),
        status_code=200,
        summary="The client's signature, drawn or typed, captured on the tablet",
    )
    async def client_sign(
        self,
        request: AnyRequest,
        plan_id: uuid.UUID,
        data: ClientSignature,
        db_session: AsyncSession,
    ) -> Response[PlanRead]:
        plan = await _plan(request, db_session, plan_id, lock=True)
        await service.client_sign(db_session, request_actor(request), plan, data)
        return _answer(plan)

    @post(
        "/plans/{plan_id:uuid}/approve",
        opt=allow(Role.SUPERVISOR),
        status_code=200,
        summary="Supervisor approval, where the program's policy requires it",
    )
    async def approve(
        self, request: AnyRequest, plan_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[PlanRead]:
        plan = await _plan(request, db_session, plan_id, lock=True)
        await service.approve(db_session, request_actor(request), request.user, plan)
        return _answer(plan)

    @get(
        "/plans/{plan_id:uuid}/diff",
        opt=allow(*CLINICAL_ROLES),
        summary="What this version changed against the version it revised",
    )
    async def diff(
        self, request: AnyRequest, plan_id: uuid.UUID, db_session: AsyncSession
    ) -> list[PlanChange]:
        plan = await _plan(request, db_session, plan_id)
        changes = await service.changes(db_session, plan)
        await record(
            db_session,
            request_actor(request),
            "read",
            "plan_diff",
            entity_id=plan.id,
            patient_id=plan.patient_id,
            detail=read_detail(request.user),
        )
        return changes

    @get(
        "/plans/{plan_id:uuid}/review",
        opt=allow(*PLANNERS),
        summary="A review of the active plan, pre-filled with progress since it became active",
    )
    async def review(
        self, request: AnyRequest, plan_id: uuid.UUID, db_session: AsyncSession
    ) -> PlanReview:
        plan = await _plan(request, db_session, plan_id)
        result = await service.review(db_session, plan, date.today())
        await record(
            db_session,
            request_actor(request),
            "read",
            "plan_review",
            entity_id=plan.id,
            patient_id=plan.patient_id,
            detail=read_detail(request.user),
        )
        return result

    @get("/plans/due", opt=allow(*PLANNERS), summary="Plan reviews due within a week, or overdue")
    async def due(self, request: AnyRequest, db_session: AsyncSession) -> list[PlanDue]:
        found = await service.due(db_session, request.user, date.today())
        await record_reads(
            db_session,
            request_actor(request),
            request.user,
            "plans_due",
            (d.patient_id for d in found),
        )
        return found

    @get(
        "/patients/{patient_id:uuid}/objectives",
        opt=allow(*CLINICAL_ROLES),
        summary="The active plan's objectives with progress points and status",
    )
    async def objectives(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        since: date | None = None,
    ) -> list[ObjectiveProgress]:
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        result = await service.progress(db_session, patient_id, date.today(), since=since)
        await record(
            db_session,
            request_actor(request),
            "read",
            "objectives",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return result

    @post(
        "/patients/{patient_id:uuid}/objectives/{objective_id:uuid}/progress",
        opt=allow(*CLINICAL_ROLES),
        status_code=201,
        summary="Record a progress point by hand",
    )
    async def add_point(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        objective_id: uuid.UUID,
        data: ProgressPointCreate,
        db_session: AsyncSession,
    ) -> None:
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        await service.add_point(
            db_session,
            request_actor(request),
            request.user,
            patient_id,
            objective_id,
            data.value,
            data.recorded_on,
            data.note,
        )
