"""Patient charts (the first slice: registration and reading, both audited)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import record_alone
from backend.lib.auth import Principal, request_actor
from backend.lib.etag import etag
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.patients import service
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.patients import PatientCreate, PatientRead

AnyRequest = Request[Principal, Any, State]


class PatientController(Controller):
    path = "/api/v1/patients"
    tags = ["patients"]

    @post("/", opt=allow(Role.CLINICIAN, Role.SUPERVISOR), summary="Register a patient")
    async def register(
        self, request: AnyRequest, data: PatientCreate, db_session: AsyncSession
    ) -> Response[PatientRead]:
        patient = await service.register(db_session, request_actor(request), request.user, data)
        return Response(
            service.patient_read(patient), status_code=201, headers={"ETag": etag(patient.version)}
        )

    @get("/{patient_id:uuid}", opt=allow(*CLINICAL_ROLES), summary="Open a chart")
    async def read(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[PatientRead]:
        actor = request_actor(request)
        try:
            patient = await service.read(db_session, actor, request.user, patient_id)
        except Problem as refusal:
            if refusal.status_code == 403:
                await record_alone(
                    request.app.state.sessions,
                    actor,
                    "read",
                    "patient",
                    entity_id=patient_id,
                    patient_id=patient_id,
                    outcome="denied",
                )
            raise
        return Response(service.patient_read(patient), headers={"ETag": etag(patient.version)})
