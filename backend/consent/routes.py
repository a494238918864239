"""42 CFR Part 2: consents, the disclosure workflow and the accounting of disclosures."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.audit.service import record, record_alone
from backend.config import Settings
from backend.consent import excerpt, pdf, service
from backend.consent.models import Consent
from backend.lib.auth import Principal, request_actor
from backend.lib.csv_cells import SafeWriter
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.patients.service import get as get_patient
from backend.patients.service import mrn, require_chart_access
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.consent import ConsentCreate, ConsentRead, DisclosureRead, DisclosureRequest

AnyRequest = Request[Principal, Any, State]
STAFF = (Role.CLINICIAN, Role.SUPERVISOR)
YEARS = Parameter(default=3, ge=1, le=10, description="How many years back (default three)")


async def _chart(request: AnyRequest, db_session: AsyncSession, patient_id: uuid.UUID) -> None:
    """Clinical staff need chart access; an administrator without a clinical role may
    read the accounting (an administrative record) without it."""
    await get_patient(db_session, patient_id)
    if request.user.roles & CLINICAL_ROLES or Role.ADMIN not in request.user.roles:
        await require_chart_access(db_session, request.user, patient_id, demographics=False)


async def _consent(
    request: AnyRequest, db_session: AsyncSession, consent_id: uuid.UUID, *, lock: bool = False
) -> Consent:
    consent = await service.get(db_session, consent_id, lock=lock)
    await require_chart_access(db_session, request.user, consent.patient_id, demographics=False)
    return consent


async def _read(db_session: AsyncSession, consent: Consent) -> ConsentRead:
    (body,) = await service.reads(db_session, [consent])
    return body


async def _accounting(
    request: AnyRequest, db_session: AsyncSession, patient_id: uuid.UUID, years: int
) -> list[DisclosureRead]:
    await _chart(request, db_session, patient_id)
    await record(
        db_session,
        request_actor(request),
        "read",
        "disclosures",
        patient_id=patient_id,
        detail=read_detail(request.user),
    )
    return await service.accounting(db_session, patient_id, years)


def _authority(consent_text: str | None, data: DisclosureRequest) -> str:
    if consent_text is not None:
        return consent_text
    assert data.exception is not None
    detail = f": {data.exception_detail}" if data.exception_detail else ""
    return (
        f"No consent: disclosed under the {data.exception.value.replace('_', ' ')} exception "
        f"of 42 CFR Part 2{detail}."
    )


class ConsentController(Controller):
    path = "/api/v1"
    tags = ["consent"]

    @post(
        "/patients/{patient_id:uuid}/consents",
        opt=allow(*STAFF),
        summary="Record a Part 2 consent (every §2.31 element required)",
    )
    async def create(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: ConsentCreate,
        db_session: AsyncSession,
    ) -> ConsentRead:
        await _chart(request, db_session, patient_id)
        consent = await service.create(
            db_session, request_actor(request), request.user, patient_id, data
        )
        return await _read(db_session, consent)

    @get(
        "/patients/{patient_id:uuid}/consents",
        opt=allow(*STAFF),
        summary="The client's consents, newest first",
    )
    async def list_for_patient(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[ConsentRead]:
        await _chart(request, db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "consents",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return await service.reads(db_session, await service.for_patient(db_session, patient_id))

    @get("/consents/{consent_id:uuid}", opt=allow(*STAFF), summary="One consent")
    async def read(
        self, request: AnyRequest, consent_id: uuid.UUID, db_session: AsyncSession
    ) -> ConsentRead:
        consent = await _consent(request, db_session, consent_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "consent",
            entity_id=consent.id,
            patient_id=consent.patient_id,
            detail=read_detail(request.user),
        )
        return await _read(db_session, consent)

    @post(
        "/consents/{consent_id:uuid}/revoke",
        opt=allow(*STAFF),
        status_code=200,
        summary="Revoke the whole consent (future disclosures stop)",
    )
    async def revoke(
        self, request: AnyRequest, consent_id: uuid.UUID, db_session: AsyncSession
    ) -> ConsentRead:
        consent = await _consent(request, db_session, consent_id, lock=True)
        await service.revoke(db_session, request_actor(request), consent)
        return await _read(db_session, consent)

    @post(
        "/consents/{consent_id:uuid}/recipients/{recipient_id:uuid}/revoke",
        opt=allow(*STAFF),
        status_code=200,
        summary="Revoke the consent for one recipient; the others stand",
    )
    async def revoke_recipient(
        self,
        request: AnyRequest,
        consent_id: uuid.UUID,
        recipient_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> ConsentRead:
        consent = await _consent(request, db_session, consent_id, lock=True)
        await service.revoke_recipient(db_session, request_actor(request), consent, recipient_id)
        return await _read(db_session, consent)

    @get(
        "/consents/{consent_id:uuid}/pdf",
        opt=allow(*STAFF),
        summary="The consent form with every element",
        media_type="application/pdf",
    )
    async def form(
        self, request: AnyRequest, consent_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[bytes]:
        consent = await _consent(request, db_session, consent_id)
        patient = await get_patient(db_session, consent.patient_id)
        document = pdf.consent_form(
            await _read(db_session, consent),
            f"{patient.given_name} {patient.family_name}",
            mrn(patient),
        )
        await record(
            db_session,
            request_actor(request),
            "print",
            "consent",
            entity_id=consent.id,
            patient_id=consent.patient_id,
            detail=read_detail(request.user),
        )
        return Response(
            document,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="consent-{consent.id}.pdf"'},
        )

    @post(
        "/patients/{patient_id:uuid}/disclosures",
        opt=allow(*STAFF),
        status_code=200,
        summary="Disclose: check consent, build the PDF, record it (403 without consent)",
        media_type="application/pdf",
    )
    async def disclose(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: DisclosureRequest,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[bytes]:
        await _chart(request, db_session, patient_id)
        categories = list(dict.fromkeys(c.value for c in data.categories))
        actor = request_actor(request)
        try:
            consent = await service.authorize_disclosure(
                db_session,
                patient_id=patient_id,
                recipient=data.recipient,
                purpose=data.purpose.value,
                categories=categories,
                exception=data.exception.value if data.exception else None,
                exception_detail=data.exception_detail,
            )
        except Problem as refused:
            if refused.status_code != 403:
                raise
            await record_alone(
                request.app.state.sessions,
                actor,
                "disclose",
                "disclosure",
                patient_id=patient_id,
                outcome="denied",
                detail={
                    "recipient": data.recipient,
                    "purpose": data.purpose.value,
                    "categories": categories,
                },
            )
            raise refused
        recipients = await service.recipients_of(db_session, [consent.id]) if consent else {}
        authority = _authority(
            service.consent_description(consent, recipients[consent.id]) if consent else None,
            data,
        )
        artifact = pdf.disclosure(
            await excerpt.gather(db_session, patient_id, categories, settings.timezone),
            data.recipient,
            data.purpose.value,
            authority,
            datetime.now(ZoneInfo(settings.timezone)),
        )
        disclosure = await service.record_disclosure(
            db_session,
            actor,
            patient_id=patient_id,
            recipient=data.recipient,
            purpose=data.purpose.value,
            categories=categories,
            consent=consent,
            exception=data.exception.value if data.exception else None,
            exception_detail=data.exception_detail,
            disclosed_by=request.user.user_id,
            artifact=artifact,
        )
        return Response(
            artifact,
            media_type="application/pdf",
            headers={
                "X-Disclosure-Id": str(disclosure.id),
                "Content-Disposition": f'attachment; filename="disclosure-{disclosure.id}.pdf"',
            },
        )

    @get(
        "/patients/{patient_id:uuid}/disclosures",
        opt=allow(*STAFF, Role.ADMIN),
        summary="The accounting of disclosures (last three years by default)",
    )
    async def accounting(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        years: int = YEARS,
    ) -> list[DisclosureRead]:
        return await _accounting(request, db_session, patient_id, years)

    @get(
        "/patients/{patient_id:uuid}/disclosures.csv",
        opt=allow(*STAFF, Role.ADMIN),
        summary="The accounting of disclosures as CSV",
        media_type="text/csv",
    )
    async def accounting_csv(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        years: int = YEARS,
    ) -> Response[str]:
        rows = await _accounting(request, db_session, patient_id, years)
        buffer = io.StringIO()
        writer = SafeWriter(buffer)
        columns = ["disclosed_at", "recipient", "purpose", "categories", "consent_id"]
        writer.writerow([*columns, "exception", "exception_detail", "disclosed_by"])
        writer.writerows(
            [
                row.disclosed_at.isoformat(),
                row.recipient,
                row.purpose,
                " ".join(row.categories),
                row.consent_id or "",
                row.exception or "",
                row.exception_detail,
                row.disclosed_by_name,
            ]
            for row in rows
        )
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="disclosures.csv"'},
        )
