"""FHIR R4 under ``/api/fhir`` (read, search, the CapabilityStatement), the client export
Bundle and the transfer-of-care packet."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.config import Settings
from backend.db.base import utcnow
from backend.interop import export, fhir, fhir_service, transfer
from backend.lib.auth import Principal, request_actor
from backend.lib.policy import PUBLIC, allow, signed_in
from backend.patients.service import require_chart_access
from shared.enums import CLINICAL_ROLES

AnyRequest = Request[Principal, Any, State]
FHIR_JSON = "application/fhir+json"
# FHIR resource type names are at most 64 characters and ids at most 64 (R4 `id`).
Kind = Annotated[str, Parameter(max_length=64)]
ResourceId = Annotated[str, Parameter(max_length=64)]


def _base_url(settings: Settings) -> str:
    return f"{settings.api_url}/api/fhir"


def _fhir(body: fhir.Resource) -> Response[fhir.Resource]:
    return Response(body, media_type=FHIR_JSON)


class FhirController(Controller):
    path = "/api/fhir"
    tags = ["FHIR R4"]

    @get(
        "/metadata",
        opt=PUBLIC,
        summary="CapabilityStatement: types, interactions, params",
        media_type=FHIR_JSON,
    )
    async def metadata(self) -> Response[fhir.Resource]:
        return _fhir(fhir.capability_statement(fhir_service.SEARCH_PARAMS, utcnow()))

    @get("/{kind:str}", opt=signed_in(), summary="Search: a searchset Bundle", media_type=FHIR_JSON)
    async def search(
        self, request: AnyRequest, kind: Kind, db_session: AsyncSession, settings: Settings
    ) -> Response[fhir.Resource]:
        params = dict(request.query_params.items())
        body = await fhir_service.search(
            db_session, request_actor(request), request.user, kind, params, _base_url(settings)
        )
        return _fhir(body)

    @get(
        "/{kind:str}/{resource_id:str}",
        opt=signed_in(),
        summary="Read one resource",
        media_type=FHIR_JSON,
    )
    async def read(
        self, request: AnyRequest, kind: Kind, resource_id: ResourceId, db_session: AsyncSession
    ) -> Response[fhir.Resource]:
        body = await fhir_service.read(
            db_session, request_actor(request), request.user, kind, resource_id
        )
        return _fhir(body)


class ClientExportController(Controller):
    path = "/api/v1/patients/{patient_id:uuid}"
    tags = ["FHIR R4"]

    @get(
        "/export.fhir",
        opt=allow(*CLINICAL_ROLES),
        summary="The whole chart as a FHIR collection Bundle (never other group members)",
        media_type=FHIR_JSON,
    )
    async def export_bundle(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[fhir.Resource]:
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        body = await export.export(
            db_session, request_actor(request), request.user, patient_id, _base_url(settings)
        )
        return _fhir(body)

    @post(
        "/transfer",
        opt=allow(*CLINICAL_ROLES),
        status_code=200,
        summary="Transfer-of-care packet: a FHIR document Bundle and a PDF, under consent",
    )
    async def transfer_packet(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: transfer.TransferRequest,
        db_session: AsyncSession,
        settings: Settings,
    ) -> transfer.TransferPacket:
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        return await transfer.transfer(
            db_session,
            request_actor(request),
            request.user,
            patient_id,
            data,
            base_url=_base_url(settings),
            timezone=settings.timezone,
        )
