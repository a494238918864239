"""Billing over HTTP: catalogue (admins), coverage, the charge review queue (billers),
per-diem decisions, payments and balances, CSV export."""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail, record_reads
from backend.audit.service import record
from backend.billing import claims, service, superbill
from backend.billing.models import ClaimBatch, Coverage, Payer, ServiceCode
from backend.config import Settings
from backend.lib.auth import Principal, request_actor
from backend.lib.csv_cells import SafeWriter
from backend.lib.etag import etag, require_if_match
from backend.lib.policy import allow, signed_in
from backend.lib.problems import Problem
from backend.patients.service import get as get_patient
from backend.patients.service import require_chart_access
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.billing import (
    Balance,
    ChargeCorrection,
    ChargeHold,
    ChargeRead,
    ClaimBatchCreate,
    ClaimBatchRead,
    CoverageCreate,
    CoverageRead,
    DayDecisionRead,
    PayerCreate,
    PayerRead,
    PaymentCreate,
    ServiceCodeRead,
    ServiceCodeWrite,
)

AnyRequest = Request[Principal, Any, State]
BILLING = (Role.BILLER, Role.ADMIN)
ACCOUNTS = (Role.BILLER, Role.COORDINATOR, Role.ADMIN)


def _code(code: ServiceCode) -> ServiceCodeRead:
    return ServiceCodeRead.model_validate(code, from_attributes=True)


async def _charge_answer(db_session: AsyncSession, charge_id: uuid.UUID) -> Response[ChargeRead]:
    """One charge as the queue shows it (not the client's whole list filtered down)."""
    charge = await service.get_charge(db_session, charge_id)
    patient = await get_patient(db_session, charge.patient_id)
    read = ChargeRead.model_validate(
        charge.model_dump() | {"patient_name": f"{patient.given_name} {patient.family_name}"}
    )
    return Response(read, headers={"ETag": etag(charge.version)})


class BillingController(Controller):
    path = "/api/v1"
    tags = ["billing"]

    @get("/billing/codes", opt=signed_in(), summary="The service catalogue")
    async def codes(self, db_session: AsyncSession) -> list[ServiceCodeRead]:
        return [_code(c) for c in await service.codes(db_session)]

    @post("/billing/codes", opt=allow(Role.ADMIN), summary="Add a code with its rule")
    async def add_code(
        self, request: AnyRequest, data: ServiceCodeWrite, db_session: AsyncSession
    ) -> ServiceCodeRead:
        return _code(await service.save_code(db_session, request_actor(request), data, None))

    @put(
        "/billing/codes/{code:str}",
        opt=allow(Role.ADMIN),
        summary="Edit a code's rule, fee, modifiers (If-Match)",
    )
    async def edit_code(
        self,
        request: AnyRequest,
        data: ServiceCodeWrite,
        db_session: AsyncSession,
        code: str = Parameter(max_length=10),
    ) -> Response[ServiceCodeRead]:
        existing = (
            await db_session.exec(
                select(ServiceCode).where(ServiceCode.code == code).with_for_update()
            )
        ).first()
        if existing is None:
            raise Problem(404, f"No code {code}.")
        if data.code != code:
            raise Problem(
                422,
                "code: cannot be renamed.",
                errors=[{"field": "code", "message": "must match the path"}],
            )
        require_if_match(request, existing.version)
        saved = await service.save_code(db_session, request_actor(request), data, existing)
        return Response(_code(saved), headers={"ETag": etag(saved.version)})

    @get("/billing/payers", opt=allow(*ACCOUNTS), summary="Payers")
    async def payers(self, db_session: AsyncSession) -> list[PayerRead]:
        return [
            PayerRead.model_validate(p, from_attributes=True)
            for p in await service.payers(db_session)
        ]

    @post("/billing/payers", opt=allow(*BILLING), summary="Add a payer")
    async def add_payer(
        self, request: AnyRequest, data: PayerCreate, db_session: AsyncSession
    ) -> PayerRead:
        payer = Payer(**data.model_dump())
        db_session.add(payer)
        await db_session.flush()
        await record(db_session, request_actor(request), "create", "payer", entity_id=payer.id)
        return PayerRead.model_validate(payer, from_attributes=True)

    @get(
        "/patients/{patient_id:uuid}/coverage",
        opt=allow(*ACCOUNTS),
        summary="The client's coverage",
    )
    async def coverage(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[CoverageRead]:
        await get_patient(db_session, patient_id)
        rows = await db_session.exec(select(Coverage).where(Coverage.patient_id == patient_id))
        await record(
            db_session,
            request_actor(request),
            "read",
            "coverage",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return [CoverageRead.model_validate(c, from_attributes=True) for c in rows.all()]

    @post("/patients/{patient_id:uuid}/coverage", opt=allow(*ACCOUNTS), summary="Add coverage")
    async def add_coverage(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: CoverageCreate,
        db_session: AsyncSession,
    ) -> CoverageRead:
        await get_patient(db_session, patient_id)
        coverage = await service.add_coverage(db_session, request_actor(request), patient_id, data)
        return CoverageRead.model_validate(coverage, from_attributes=True)

    @get("/billing/charges", opt=allow(*BILLING), summary="The charge review queue")
    async def charges(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        status: str | None = Parameter(default=None, max_length=20),
        patient_id: uuid.UUID | None = None,
        from_: date | None = Parameter(default=None, query="from"),
        to: date | None = None,
    ) -> list[ChargeRead]:
        found = await service.charges(
            db_session, status=status, patient_id=patient_id, since=from_, until=to
        )
        await record_reads(
            db_session,
            request_actor(request),
            request.user,
            "charges",
            (c.patient_id for c in found),
            count=len(found),
        )
        return found

    @get(
        "/billing/charges.csv", opt=allow(*BILLING), summary="Charges as CSV", media_type="text/csv"
    )
    async def charges_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        status: str | None = Parameter(default=None, max_length=20),
    ) -> Response[str]:
        found = await service.charges(db_session, status=status, limit=100_000)
        buffer = io.StringIO()
        writer = SafeWriter(buffer)
        columns = [
            "service_date",
            "patient_name",
            "code",
            "modifiers",
            "units",
            "minutes",
            "fee",
            "diagnosis_codes",
            "status",
            "explanation",
        ]
        writer.writerow(columns)
        for c in found:
            writer.writerow(
                [
                    c.service_date,
                    c.patient_name,
                    c.code,
                    ":".join(c.modifiers),
                    c.units,
                    c.minutes or "",
                    c.fee,
                    ";".join(c.diagnosis_codes),
                    c.status,
                    c.explanation,
                ]
            )
        await record_reads(
            db_session,
            request_actor(request),
            request.user,
            "charges",
            (c.patient_id for c in found),
            action="export",
            count=len(found),
        )
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="charges.csv"'},
        )

    @post(
        "/billing/charges/{charge_id:uuid}/approve",
        opt=allow(*BILLING),
        status_code=200,
        summary="Approve a charge",
    )
    async def approve(
        self, request: AnyRequest, charge_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[ChargeRead]:
        await service.approve(
            db_session, request_actor(request), await service.get_charge(db_session, charge_id)
        )
        return await _charge_answer(db_session, charge_id)

    @post(
        "/billing/charges/{charge_id:uuid}/hold",
        opt=allow(*BILLING),
        status_code=200,
        summary="Hold a charge, with the reason",
    )
    async def hold(
        self, request: AnyRequest, charge_id: uuid.UUID, data: ChargeHold, db_session: AsyncSession
    ) -> Response[ChargeRead]:
        await service.hold(
            db_session,
            request_actor(request),
            await service.get_charge(db_session, charge_id),
            data.reason,
        )
        return await _charge_answer(db_session, charge_id)

    @patch(
        "/billing/charges/{charge_id:uuid}",
        opt=allow(*BILLING),
        summary="Correct a charge (If-Match; audited before/after)",
    )
    async def correct(
        self,
        request: AnyRequest,
        charge_id: uuid.UUID,
        data: ChargeCorrection,
        db_session: AsyncSession,
    ) -> Response[ChargeRead]:
        charge = await service.get_charge(db_session, charge_id)
        require_if_match(request, charge.version)
        await service.correct(db_session, request_actor(request), charge, data)
        return await _charge_answer(db_session, charge_id)

    @get(
        "/patients/{patient_id:uuid}/per-diem-days",
        opt=allow(*BILLING, *CLINICAL_ROLES),
        summary="Per-diem decisions: billed or not, and why (clinical staff: chart access)",
    )
    async def per_diem_days(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        to: date,
        from_: date = Parameter(query="from"),
    ) -> list[DayDecisionRead]:
        if not request.user.roles & set(BILLING):
            await require_chart_access(db_session, request.user, patient_id, demographics=False)
        found = await service.day_decisions(db_session, patient_id, from_, to)
        await record(
            db_session,
            request_actor(request),
            "read",
            "per_diem_days",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return [DayDecisionRead.model_validate(d, from_attributes=True) for d in found]

    @post(
        "/patients/{patient_id:uuid}/payments",
        opt=allow(*ACCOUNTS),
        summary="Record a payment or adjustment",
    )
    async def add_payment(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: PaymentCreate,
        db_session: AsyncSession,
    ) -> Balance:
        await get_patient(db_session, patient_id)
        await service.add_payment(
            db_session, request_actor(request), request.user.user_id, patient_id, data
        )
        return await service.balance(db_session, patient_id)

    @get(
        "/patients/{patient_id:uuid}/balance", opt=allow(*ACCOUNTS), summary="The client's balance"
    )
    async def balance(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> Balance:
        await get_patient(db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "balance",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return await service.balance(db_session, patient_id)

    @get(
        "/patients/{patient_id:uuid}/superbill.pdf",
        opt=allow(*ACCOUNTS),
        summary="Superbill for a period",
        media_type="application/pdf",
    )
    async def superbill(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        to: date,
        from_: date = Parameter(query="from"),
    ) -> Response[bytes]:
        patient = await get_patient(db_session, patient_id)
        found = [
            c
            for c in await service.charges(db_session, patient_id=patient_id, since=from_, until=to)
            if c.status != "void"
        ]
        rows = await db_session.exec(
            select(Coverage, Payer)
            .join(Payer, col(Payer.id) == col(Coverage.payer_id))
            .where(Coverage.patient_id == patient_id)
            .order_by(col(Coverage.priority))
        )
        coverage = ", ".join(f"{p.name} #{c.member_id}" for c, p in rows.all())
        document = superbill.render(
            f"{patient.given_name} {patient.family_name}",
            patient.birth_date,
            coverage,
            from_,
            to,
            found,
            await service.balance(db_session, patient_id),
        )
        await record(
            db_session,
            request_actor(request),
            "print",
            "superbill",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return Response(
            document,
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="superbill.pdf"'},
        )

    @post(
        "/billing/claim-batches",
        opt=allow(*BILLING),
        summary="Bill a payer's approved charges as an 837P batch",
    )
    async def claim_batch(
        self,
        request: AnyRequest,
        data: ClaimBatchCreate,
        db_session: AsyncSession,
        settings: Settings,
    ) -> ClaimBatchRead:
        batch = await claims.create(
            db_session, request_actor(request), request.user.user_id, data.payer_id, settings
        )
        return ClaimBatchRead.model_validate(batch, from_attributes=True)

    @get(
        "/billing/claim-batches/{batch_id:uuid}/837",
        opt=allow(*BILLING),
        summary="The batch's ANSI X12 837P 5010 file",
        media_type="application/edi-x12",
    )
    async def claim_file(
        self, request: AnyRequest, batch_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[str]:
        batch = await db_session.get(ClaimBatch, batch_id)
        if batch is None:
            raise Problem(404, f"No claim batch {batch_id}.")
        await record_reads(
            db_session,
            request_actor(request),
            request.user,
            "claim_batch",
            await service.batch_patients(db_session, batch.id),
            action="export",
            entity_id=batch.id,
        )
        return Response(
            batch.x12,
            media_type="application/edi-x12",
            headers={
                "Content-Disposition": f'attachment; filename="837p-{batch.control_number}.x12"'
            },
        )
