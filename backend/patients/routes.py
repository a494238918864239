"""Patient charts: registration, search, demographics, care team, episodes of care,
diagnoses, allergies and the summary. Handlers parse, authorize and call a service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.audit.service import record, record_alone
from backend.lib.auth import Principal, request_actor
from backend.lib.etag import etag, require_if_match
from backend.lib.policy import allow, signed_in
from backend.lib.problems import Problem
from backend.patients import chart, episodes, icd10, service
from backend.patients.models import Patient
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.patients import (
    AllergyCreate,
    AllergyRead,
    CareTeamCreate,
    CareTeamRead,
    ChartSummary,
    DiagnosisCreate,
    DiagnosisRead,
    DischargeCreate,
    EpisodeCreate,
    EpisodeRead,
    Icd10Entry,
    PatientCreate,
    PatientPage,
    PatientRead,
    PatientUpdate,
    ProgramCreate,
    ProgramRead,
    TransitionCreate,
)

AnyRequest = Request[Principal, Any, State]
CHART_STAFF = (*CLINICAL_ROLES, Role.COORDINATOR)
CLINICAL = tuple(CLINICAL_ROLES)


async def _chart(
    request: AnyRequest, session: AsyncSession, patient_id: uuid.UUID, *, demographics: bool
) -> Patient:
    """The patient, after the relationship check; refusals are audited on their own."""
    try:
        await service.require_chart_access(
            session, request.user, patient_id, demographics=demographics
        )
    except Problem:
        await record_alone(
            request.app.state.sessions,
            request_actor(request),
            "read",
            "patient",
            entity_id=patient_id,
            patient_id=patient_id,
            outcome="denied",
            detail=read_detail(request.user),
        )
        raise
    return await service.get(session, patient_id)


def _patient_response(patient: Patient, status: int = 200) -> Response[PatientRead]:
    return Response(
        service.patient_read(patient), status_code=status, headers={"ETag": etag(patient.version)}
    )


class PatientController(Controller):
    path = "/api/v1/patients"
    tags = ["patients"]

    @post(
        "/",
        opt=allow(Role.CLINICIAN, Role.SUPERVISOR, Role.COORDINATOR),
        summary="Register a patient (409 on a possible duplicate unless allow_duplicate)",
    )
    async def register(
        self, request: AnyRequest, data: PatientCreate, db_session: AsyncSession
    ) -> Response[PatientRead]:
        patient = await service.register(db_session, request_actor(request), request.user, data)
        return _patient_response(patient, 201)

    @get("/", opt=allow(*CHART_STAFF), summary="Find patients: fuzzy name, MRN, birth date, phone")
    async def search(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        q: str = Parameter(default="", max_length=100),
        mrn: str | None = Parameter(default=None, max_length=20),
        birth_date: date | None = None,
        phone: str | None = Parameter(default=None, max_length=40),
        cursor: str | None = Parameter(default=None, max_length=200),
        limit: int = Parameter(default=25, ge=1, le=100),
    ) -> PatientPage:
        return await service.search(
            db_session,
            request_actor(request),
            request.user,
            q=q,
            mrn_value=mrn,
            birth_date=birth_date,
            phone=phone,
            cursor=cursor,
            limit=limit,
        )

    @get("/{patient_id:uuid}", opt=allow(*CHART_STAFF), summary="Demographics")
    async def read(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[PatientRead]:
        patient = await _chart(request, db_session, patient_id, demographics=True)
        return _patient_response(
            await service.read(db_session, request_actor(request), request.user, patient)
        )

    @patch("/{patient_id:uuid}", opt=allow(*CHART_STAFF), summary="Update demographics (If-Match)")
    async def update(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: PatientUpdate,
        db_session: AsyncSession,
    ) -> Response[PatientRead]:
        patient = await _chart(request, db_session, patient_id, demographics=True)
        await db_session.refresh(patient, with_for_update=True)
        require_if_match(request, patient.version)
        patient = await service.update(db_session, request_actor(request), patient, data)
        return _patient_response(patient)

    @get("/{patient_id:uuid}/summary", opt=allow(*CLINICAL), summary="The chart in one call")
    async def summary(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> ChartSummary:
        patient = await _chart(request, db_session, patient_id, demographics=False)
        return await chart.summary(db_session, request_actor(request), request.user, patient)

    @get("/{patient_id:uuid}/care-team", opt=allow(*CHART_STAFF), summary="Care team")
    async def care_team(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[CareTeamRead]:
        await _chart(request, db_session, patient_id, demographics=True)
        team = await chart.care_team(db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "care_team",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return team

    @post("/{patient_id:uuid}/care-team", opt=allow(*CHART_STAFF), summary="Add to the care team")
    async def add_care_team(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: CareTeamCreate,
        db_session: AsyncSession,
    ) -> list[CareTeamRead]:
        patient = await _chart(request, db_session, patient_id, demographics=True)
        await chart.add_to_care_team(db_session, request_actor(request), patient, data)
        return await chart.care_team(db_session, patient_id)

    @delete(
        "/{patient_id:uuid}/care-team/{member_id:uuid}",
        opt=allow(*CHART_STAFF),
        summary="Remove from the care team",
    )
    async def remove_care_team(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        member_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> None:
        patient = await _chart(request, db_session, patient_id, demographics=True)
        await chart.remove_from_care_team(db_session, request_actor(request), patient, member_id)

    @post("/{patient_id:uuid}/episodes", opt=allow(*CHART_STAFF), summary="Admit to a program")
    async def admit(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: EpisodeCreate,
        db_session: AsyncSession,
    ) -> EpisodeRead:
        patient = await _chart(request, db_session, patient_id, demographics=True)
        episode = await episodes.admit(db_session, request_actor(request), patient, data)
        return await episodes.read_episode(db_session, episode)

    @post("/{patient_id:uuid}/diagnoses", opt=allow(*CLINICAL), summary="Add a diagnosis")
    async def add_diagnosis(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: DiagnosisCreate,
        db_session: AsyncSession,
    ) -> DiagnosisRead:
        patient = await _chart(request, db_session, patient_id, demographics=False)
        diagnosis = await chart.add_diagnosis(db_session, request_actor(request), patient, data)
        return DiagnosisRead.model_validate(diagnosis, from_attributes=True)

    @post("/{patient_id:uuid}/allergies", opt=allow(*CLINICAL), summary="Add an allergy")
    async def add_allergy(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: AllergyCreate,
        db_session: AsyncSession,
    ) -> AllergyRead:
        patient = await _chart(request, db_session, patient_id, demographics=False)
        allergy = await chart.add_allergy(db_session, request_actor(request), patient, data)
        return AllergyRead.model_validate(allergy, from_attributes=True)


class EpisodeController(Controller):
    path = "/api/v1/episodes"
    tags = ["patients"]

    @post(
        "/{episode_id:uuid}/transitions",
        opt=allow(*CHART_STAFF),
        summary="Move to another program or level of care",
    )
    async def transition(
        self,
        request: AnyRequest,
        episode_id: uuid.UUID,
        data: TransitionCreate,
        db_session: AsyncSession,
    ) -> EpisodeRead:
        episode = await episodes.get_episode(db_session, episode_id)
        await _chart(request, db_session, episode.patient_id, demographics=True)
        await episodes.transition(db_session, request_actor(request), request.user, episode, data)
        return await episodes.read_episode(db_session, episode)

    @post("/{episode_id:uuid}/discharge", opt=allow(*CHART_STAFF), summary="Discharge")
    async def discharge(
        self,
        request: AnyRequest,
        episode_id: uuid.UUID,
        data: DischargeCreate,
        db_session: AsyncSession,
    ) -> EpisodeRead:
        episode = await episodes.get_episode(db_session, episode_id)
        await _chart(request, db_session, episode.patient_id, demographics=True)
        await episodes.discharge(db_session, request_actor(request), episode, data)
        return await episodes.read_episode(db_session, episode)


class ProgramController(Controller):
    path = "/api/v1"
    tags = ["programs"]

    @get("/programs", opt=signed_in(), summary="Programs and their levels of care")
    async def list_programs(self, db_session: AsyncSession) -> list[ProgramRead]:
        return [
            ProgramRead.model_validate(p, from_attributes=True)
            for p in await episodes.programs(db_session)
        ]

    @post("/programs", opt=allow(Role.ADMIN), summary="Create a program")
    async def create_program(
        self, request: AnyRequest, data: ProgramCreate, db_session: AsyncSession
    ) -> ProgramRead:
        program = await episodes.create_program(db_session, request_actor(request), data)
        return ProgramRead.model_validate(program, from_attributes=True)

    @get("/icd10", opt=signed_in(), summary="Search common behavioral-health ICD-10-CM codes")
    async def icd10_search(self, q: str = Parameter(default="", max_length=60)) -> list[Icd10Entry]:
        return [Icd10Entry(code=c, description=d) for c, d in icd10.search(q)]
