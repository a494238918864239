"""Lab orders and results: order, collect, cancel, record (JSON, CSV or HL7), read, trend."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.audit.service import record
from backend.config import Settings
from backend.labs import importer, service
from backend.labs.models import LabOrder, LabResult
from backend.labs.service import Incoming
from backend.lib.auth import Principal, request_actor
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.patients.service import get as get_patient
from backend.patients.service import require_chart_access
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.labs import (
    LabOrderCreate,
    LabOrderRead,
    LabResultRead,
    LabResultsCreate,
    LabTrend,
)

AnyRequest = Request[Principal, Any, State]
WRITERS = (Role.CLINICIAN, Role.SUPERVISOR)
IMPORT_HELP = (
    "Body `text/csv` with the columns order_id, analyte, value, unit, ref_low, ref_high, "
    "critical_low, critical_high, qualitative, cutoff, resulted_at (order_id, analyte and "
    "unit required); or an HL7 v2 ORU^R01 message as `x-application/hl7-v2+er7`, OBR-2 "
    "naming the lab order. All or nothing: refusals name `row N: column` or `OBX N: field`."
)


def _order(lab_order: LabOrder) -> LabOrderRead:
    return LabOrderRead.model_validate(lab_order, from_attributes=True)


def _results(rows: list[LabResult]) -> list[LabResultRead]:
    return [LabResultRead.model_validate(r, from_attributes=True) for r in rows]


async def _patient(request: AnyRequest, db_session: AsyncSession, patient_id: uuid.UUID) -> None:
    await get_patient(db_session, patient_id)
    await require_chart_access(db_session, request.user, patient_id, demographics=False)


async def _read(
    request: AnyRequest, db_session: AsyncSession, entity: str, patient_id: uuid.UUID
) -> None:
    await record(
        db_session,
        request_actor(request),
        "read",
        entity,
        patient_id=patient_id,
        detail=read_detail(request.user),
    )


class LabController(Controller):
    path = "/api/v1"
    tags = ["labs"]

    @post(
        "/patients/{patient_id:uuid}/lab-orders",
        opt=allow(*WRITERS),
        summary="Order a lab test or panel",
    )
    async def create_order(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: LabOrderCreate,
        db_session: AsyncSession,
    ) -> LabOrderRead:
        await _patient(request, db_session, patient_id)
        lab_order = await service.order(
            db_session, request_actor(request), request.user, patient_id, data
        )
        return _order(lab_order)

    @get(
        "/patients/{patient_id:uuid}/lab-orders",
        opt=allow(*CLINICAL_ROLES),
        summary="The client's lab orders, newest first",
    )
    async def list_orders(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[LabOrderRead]:
        await _patient(request, db_session, patient_id)
        orders = await service.orders_for(db_session, patient_id)
        await _read(request, db_session, "lab_orders", patient_id)
        return [_order(o) for o in orders]

    async def _move(
        self, request: AnyRequest, order_id: uuid.UUID, db_session: AsyncSession, action: str
    ) -> LabOrderRead:
        lab_order = await service.get_order(db_session, order_id, lock=True)
        await require_chart_access(
            db_session, request.user, lab_order.patient_id, demographics=False
        )
        return _order(await service.move(db_session, request_actor(request), lab_order, action))

    @post(
        "/lab-orders/{order_id:uuid}/collect",
        opt=allow(*WRITERS),
        status_code=200,
        summary="Record that the specimen was collected",
    )
    async def collect(
        self, request: AnyRequest, order_id: uuid.UUID, db_session: AsyncSession
    ) -> LabOrderRead:
        return await self._move(request, order_id, db_session, "collect")

    @post(
        "/lab-orders/{order_id:uuid}/cancel",
        opt=allow(*WRITERS),
        status_code=200,
        summary="Cancel an order that has no results",
    )
    async def cancel(
        self, request: AnyRequest, order_id: uuid.UUID, db_session: AsyncSession
    ) -> LabOrderRead:
        return await self._move(request, order_id, db_session, "cancel")

    @post(
        "/lab-orders/{order_id:uuid}/results",
        opt=allow(*WRITERS),
        summary="Record an order's results; flags computed, critical values alert the care team",
    )
    async def add_results(
        self,
        request: AnyRequest,
        order_id: uuid.UUID,
        data: LabResultsCreate,
        db_session: AsyncSession,
    ) -> list[LabResultRead]:
        lab_order = await service.order_for_results(db_session, order_id)
        patient_id = lab_order.patient_id
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        incoming = [
            Incoming(f"results[{i}].{{}}", order_id, result)
            for i, result in enumerate(data.results)
        ]
        rows = await service.record_results(
            db_session, request_actor(request), request.user, patient_id, incoming, "manual"
        )
        return _results(rows)

    @post(
        "/patients/{patient_id:uuid}/lab-results/import",
        opt=allow(*WRITERS),
        summary="Import results from a CSV file or an HL7 v2 ORU^R01 message",
        description=IMPORT_HELP,
    )
    async def import_results(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
    ) -> list[LabResultRead]:
        await _patient(request, db_session, patient_id)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        zone = ZoneInfo(settings.timezone)
        body = await request.body()
        if media_type in importer.CSV_TYPES:
            source, incoming = "csv", importer.read_csv(body, zone)
        elif media_type in importer.HL7_TYPES:
            source, incoming = "hl7", importer.read_hl7(body, zone)
        else:
            raise Problem(415, "Send text/csv or x-application/hl7-v2+er7. " + IMPORT_HELP)
        rows = await service.record_results(
            db_session, request_actor(request), request.user, patient_id, incoming, source
        )
        await record(
            db_session,
            request_actor(request),
            "import",
            "lab_results",
            patient_id=patient_id,
            detail={"source": source, "results": len(rows)},
        )
        return _results(rows)

    @get(
        "/patients/{patient_id:uuid}/lab-results",
        opt=allow(*CLINICAL_ROLES),
        summary="The client's lab results, newest first (optionally one analyte)",
    )
    async def list_results(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        analyte: str | None = Parameter(default=None, max_length=100),
    ) -> list[LabResultRead]:
        await _patient(request, db_session, patient_id)
        rows = await service.results_for(db_session, patient_id, analyte)
        await _read(request, db_session, "lab_results", patient_id)
        return _results(rows)

    @get(
        "/patients/{patient_id:uuid}/lab-results/trend",
        opt=allow(*CLINICAL_ROLES),
        summary="One analyte's numeric results, oldest first, with its reference range",
    )
    async def trend(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        analyte: str = Parameter(max_length=100),
    ) -> LabTrend:
        await _patient(request, db_session, patient_id)
        found = await service.trend(db_session, patient_id, analyte)
        await _read(request, db_session, "lab_results", patient_id)
        return found
