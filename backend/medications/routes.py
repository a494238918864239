"""Medications, prescriptions and the MAR over HTTP."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.accounts.models import User
from backend.audit.service import record, record_alone
from backend.config import Settings
from backend.lib.auth import Principal, request_actor
from backend.lib.etag import etag, require_if_match
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.medications import mar, pdf, service
from backend.medications.models import Medication
from backend.patients.service import get as get_patient
from backend.patients.service import require_chart_access
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.medications import (
    DoseRead,
    DoseRecord,
    MarRow,
    MedicationCreate,
    MedicationRead,
    MedicationStop,
    PrescriptionCreate,
    PrescriptionDiscontinue,
    PrescriptionRead,
    PrnEffect,
    PrnGive,
)

AnyRequest = Request[Principal, Any, State]
PRESCRIBERS = (Role.CLINICIAN, Role.SUPERVISOR)
ADMINISTER = tuple(CLINICAL_ROLES)


def _rx(rx: Any) -> Response[PrescriptionRead]:
    return Response(service.prescription_read(rx), headers={"ETag": etag(rx.version)})


async def _chart(request: AnyRequest, db_session: AsyncSession, patient_id: uuid.UUID) -> None:
    await get_patient(db_session, patient_id)
    await require_chart_access(db_session, request.user, patient_id, demographics=False)


class MedicationController(Controller):
    path = "/api/v1"
    tags = ["medications"]

    @get(
        "/patients/{patient_id:uuid}/medications",
        opt=allow(*CLINICAL_ROLES),
        summary="Medication list: active first, then past",
    )
    async def medications(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[MedicationRead]:
        await _chart(request, db_session, patient_id)
        found = await service.medications(db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "medications",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return [service.medication_read(m) for m in found]

    @post(
        "/patients/{patient_id:uuid}/medications",
        opt=allow(*CLINICAL_ROLES),
        summary="Add a medication the client reports or another prescriber ordered",
    )
    async def add_medication(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: MedicationCreate,
        db_session: AsyncSession,
    ) -> MedicationRead:
        await _chart(request, db_session, patient_id)
        medication = await service.add_medication(
            db_session, request_actor(request), request.user, patient_id, data
        )
        return service.medication_read(medication)

    @post(
        "/medications/{medication_id:uuid}/stop",
        opt=allow(*CLINICAL_ROLES),
        status_code=200,
        summary="Stop a reported medication, with the reason",
    )
    async def stop_medication(
        self,
        request: AnyRequest,
        medication_id: uuid.UUID,
        data: MedicationStop,
        db_session: AsyncSession,
    ) -> MedicationRead:
        medication = await db_session.get(Medication, medication_id, with_for_update=True)
        if medication is None:
            raise Problem(404, f"No medication {medication_id}.")
        await require_chart_access(
            db_session, request.user, medication.patient_id, demographics=False
        )
        await service.stop_medication(
            db_session, request_actor(request), medication, data.reason, data.stop_date
        )
        return service.medication_read(medication)

    @post(
        "/patients/{patient_id:uuid}/prescriptions",
        opt=allow(*PRESCRIBERS),
        summary="Write a prescription (draft); a recorded allergy needs an override reason",
    )
    async def prescribe(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: PrescriptionCreate,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[PrescriptionRead]:
        await _chart(request, db_session, patient_id)
        rx = await service.prescribe(
            db_session, request_actor(request), request.user, patient_id, data, settings.timezone
        )
        response = _rx(rx)
        response.status_code = 201
        return response

    @get(
        "/patients/{patient_id:uuid}/prescriptions",
        opt=allow(*CLINICAL_ROLES),
        summary="The client's prescriptions, newest first",
    )
    async def prescriptions(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[PrescriptionRead]:
        await _chart(request, db_session, patient_id)
        found = await service.prescriptions(db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "prescriptions",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return [service.prescription_read(rx) for rx in found]

    async def _prescription(
        self, request: AnyRequest, db_session: AsyncSession, rx_id: uuid.UUID
    ) -> Any:
        rx = await service.get(db_session, rx_id, lock=True)
        await require_chart_access(db_session, request.user, rx.patient_id, demographics=False)
        return rx

    @post(
        "/prescriptions/{rx_id:uuid}/sign",
        opt=allow(*PRESCRIBERS),
        status_code=200,
        summary="Sign (If-Match)",
    )
    async def sign(
        self, request: AnyRequest, rx_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[PrescriptionRead]:
        rx = await self._prescription(request, db_session, rx_id)
        require_if_match(request, rx.version)
        await service.sign(db_session, request_actor(request), request.user, rx)
        return _rx(rx)

    @post(
        "/prescriptions/{rx_id:uuid}/discontinue",
        opt=allow(*PRESCRIBERS),
        status_code=200,
        summary="Discontinue now, with the reason: the MAR stops scheduling it",
    )
    async def discontinue(
        self,
        request: AnyRequest,
        rx_id: uuid.UUID,
        data: PrescriptionDiscontinue,
        db_session: AsyncSession,
    ) -> Response[PrescriptionRead]:
        rx = await self._prescription(request, db_session, rx_id)
        await service.discontinue(db_session, request_actor(request), rx, data.reason)
        return _rx(rx)

    @post(
        "/prescriptions/{rx_id:uuid}/transmit",
        opt=allow(*PRESCRIBERS),
        status_code=200,
        summary="Send to a pharmacy: refused (503) while no certified network is configured",
    )
    async def transmit(
        self, request: AnyRequest, rx_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[PrescriptionRead]:
        rx = await self._prescription(request, db_session, rx_id)
        network = service.NoNetwork()
        try:
            await service.transmit(db_session, request_actor(request), rx, network)
        except Problem:
            await record_alone(
                request.app.state.sessions,
                request_actor(request),
                "transmit",
                "prescription",
                entity_id=rx.id,
                patient_id=rx.patient_id,
                outcome="refused",
                detail={"network": network.name},
            )
            raise
        return _rx(rx)

    @get(
        "/prescriptions/{rx_id:uuid}/pdf",
        opt=allow(*CLINICAL_ROLES),
        summary="The prescription to print",
        media_type="application/pdf",
    )
    async def printable(
        self, request: AnyRequest, rx_id: uuid.UUID, db_session: AsyncSession, settings: Settings
    ) -> Response[bytes]:
        rx = await self._prescription(request, db_session, rx_id)
        patient = await get_patient(db_session, rx.patient_id)
        prescriber = await db_session.get(User, rx.prescriber_id)
        document = pdf.render(
            service.prescription_read(rx),
            f"{patient.given_name} {patient.family_name}",
            f"{patient.birth_date:%d %b %Y}",
            (prescriber.full_name or prescriber.username) if prescriber else "",
            settings.timezone,
        )
        await record(
            db_session,
            request_actor(request),
            "print",
            "prescription",
            entity_id=rx.id,
            patient_id=rx.patient_id,
            detail=read_detail(request.user),
        )
        return Response(
            document,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="prescription-{rx.id}.pdf"'},
        )

    @get(
        "/mar", opt=allow(*ADMINISTER), summary="The MAR for a day (residential and detox clients)"
    )
    async def mar_day(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        settings: Settings,
        on: date | None = None,
        patient_id: uuid.UUID | None = None,
    ) -> list[MarRow]:
        if patient_id is not None:
            await _chart(request, db_session, patient_id)
        return await mar.day(
            db_session,
            request_actor(request),
            request.user,
            on or datetime.now(ZoneInfo(settings.timezone)).date(),
            settings.timezone,
            patient_id,
        )

    @put(
        "/mar/doses/{dose_id:uuid}",
        opt=allow(*ADMINISTER),
        summary="Record a scheduled dose: given, refused, held or missed (If-Match)",
    )
    async def record_dose(
        self, request: AnyRequest, dose_id: uuid.UUID, data: DoseRecord, db_session: AsyncSession
    ) -> Response[DoseRead]:
        dose = await mar.get_dose(db_session, dose_id)
        await require_chart_access(db_session, request.user, dose.patient_id, demographics=False)
        require_if_match(request, dose.version)
        await mar.record_dose(
            db_session, request_actor(request), request.user, dose, data.status.value, data.note
        )
        return Response(
            DoseRead.model_validate(dose, from_attributes=True),
            headers={"ETag": etag(dose.version)},
        )

    @post(
        "/prescriptions/{rx_id:uuid}/prn-doses",
        opt=allow(*ADMINISTER),
        summary="Give an as-needed dose, with the reason",
    )
    async def give_prn(
        self, request: AnyRequest, rx_id: uuid.UUID, data: PrnGive, db_session: AsyncSession
    ) -> DoseRead:
        rx = await self._prescription(request, db_session, rx_id)
        dose = await mar.give_prn(
            db_session, request_actor(request), request.user, rx, data.reason, data.given_at
        )
        return DoseRead.model_validate(dose, from_attributes=True)

    @post(
        "/mar/doses/{dose_id:uuid}/effect",
        opt=allow(*ADMINISTER),
        status_code=200,
        summary="The follow-up effect of a PRN dose",
    )
    async def prn_effect(
        self, request: AnyRequest, dose_id: uuid.UUID, data: PrnEffect, db_session: AsyncSession
    ) -> DoseRead:
        dose = await mar.get_dose(db_session, dose_id)
        await require_chart_access(db_session, request.user, dose.patient_id, demographics=False)
        await mar.prn_effect(db_session, request_actor(request), dose, data.effect)
        return DoseRead.model_validate(dose, from_attributes=True)
