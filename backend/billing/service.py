"""Billing use cases: the catalogue, coverage, the charge review queue (approve, hold,
correct — all audited), payments and balances."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, record
from backend.billing.models import Charge, Coverage, DayDecision, Payer, Payment, ServiceCode
from backend.lib.problems import Problem
from backend.patients.models import Patient
from shared.schemas.billing import (
    Balance,
    ChargeCorrection,
    ChargeRead,
    CoverageCreate,
    PaymentCreate,
    ServiceCodeWrite,
)


async def codes(session: AsyncSession) -> list[ServiceCode]:
    return list((await session.exec(select(ServiceCode).order_by(col(ServiceCode.code)))).all())


async def save_code(
    session: AsyncSession, actor: Actor, data: ServiceCodeWrite, existing: ServiceCode | None
) -> ServiceCode:
    code = existing or ServiceCode(code=data.code, description="", rule=data.rule)
    if (
        existing is None
        and (await session.exec(select(ServiceCode).where(ServiceCode.code == data.code))).first()
    ):
        raise Problem(
            409, f"{data.code} exists: edit it.", errors=[{"field": "code", "message": "taken"}]
        )
    for field, value in data.model_dump().items():
        setattr(code, field, value)
    code.version += 0 if existing is None else 1
    session.add(code)
    await session.flush()
    await record(
        session, actor, "update" if existing else "create", "service_code", entity_id=code.code
    )
    return code


async def payers(session: AsyncSession) -> list[Payer]:
    return list((await session.exec(select(Payer).order_by(col(Payer.name)))).all())


async def add_coverage(
    session: AsyncSession, actor: Actor, patient_id: uuid.UUID, data: CoverageCreate
) -> Coverage:
    if await session.get(Payer, data.payer_id) is None:
        raise Problem(
            422,
            "payer_id: no such payer.",
            errors=[{"field": "payer_id", "message": "unknown payer"}],
        )
    if data.end_date is not None and data.end_date < data.start_date:
        raise Problem(
            422,
            "end_date: before start_date.",
            errors=[{"field": "end_date", "message": "before start"}],
        )
    coverage = Coverage(patient_id=patient_id, **data.model_dump())
    session.add(coverage)
    await session.flush()
    await record(session, actor, "create", "coverage", entity_id=coverage.id, patient_id=patient_id)
    return coverage


async def batch_patients(session: AsyncSession, batch_id: uuid.UUID) -> list[uuid.UUID]:
    """The clients a claim batch bills: its 837 file names each of them."""
    rows = await session.exec(
        select(Charge.patient_id).where(Charge.claim_batch_id == batch_id).distinct()
    )
    return list(rows.all())


async def charges(
    session: AsyncSession,
    *,
    status: str | None = None,
    patient_id: uuid.UUID | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[ChargeRead]:
    query = select(Charge, Patient).join(Patient, col(Patient.id) == col(Charge.patient_id))
    if status:
        query = query.where(Charge.status == status)
    if patient_id:
        query = query.where(Charge.patient_id == patient_id)
    if since:
        query = query.where(col(Charge.service_date) >= since)
    if until:
        query = query.where(col(Charge.service_date) <= until)
    rows = await session.exec(
        query.order_by(col(Charge.service_date), col(Patient.family_name)).limit(limit)
    )
    return [
        ChargeRead.model_validate(
            c.model_dump() | {"patient_name": f"{p.given_name} {p.family_name}"}
        )
        for c, p in rows.all()
    ]


async def get_charge(session: AsyncSession, charge_id: uuid.UUID) -> Charge:
    charge = await session.get(Charge, charge_id, with_for_update=True)
    if charge is None:
        raise Problem(404, f"No charge {charge_id}.")
    return charge


def _reviewable(charge: Charge) -> None:
    if charge.status not in ("pending", "held", "approved"):
        raise Problem(409, f"This charge is {charge.status}: it can no longer change.")


async def approve(session: AsyncSession, actor: Actor, charge: Charge) -> Charge:
    _reviewable(charge)
    charge.status, charge.hold_reason = "approved", ""
    charge.version += 1
    session.add(charge)
    await record(
        session, actor, "approve", "charge", entity_id=charge.id, patient_id=charge.patient_id
    )
    return charge


async def hold(session: AsyncSession, actor: Actor, charge: Charge, reason: str) -> Charge:
    _reviewable(charge)
    charge.status, charge.hold_reason = "held", reason
    charge.version += 1
    session.add(charge)
    await record(
        session,
        actor,
        "hold",
        "charge",
        entity_id=charge.id,
        patient_id=charge.patient_id,
        detail={"reason": reason},
    )
    return charge


async def correct(
    session: AsyncSession, actor: Actor, charge: Charge, data: ChargeCorrection
) -> Charge:
    """Change code, units, modifiers or diagnoses; the audit keeps before and after."""
    _reviewable(charge)
    changes = data.model_dump(exclude_none=True, exclude={"reason"})
    if "code" in changes:
        code = (
            await session.exec(select(ServiceCode).where(ServiceCode.code == changes["code"]))
        ).first()
        if code is None:
            raise Problem(
                422,
                "code: not in the catalogue.",
                errors=[{"field": "code", "message": "unknown code"}],
            )
    before = {k: getattr(charge, k) for k in changes}
    for field, value in changes.items():
        setattr(charge, field, value)
    if "code" in changes or "units" in changes:
        code = (
            await session.exec(select(ServiceCode).where(ServiceCode.code == charge.code))
        ).one()
        charge.fee = code.fee * Decimal(charge.units)
    charge.status = "pending"
    charge.version += 1
    session.add(charge)
    await record(
        session,
        actor,
        "correct",
        "charge",
        entity_id=charge.id,
        patient_id=charge.patient_id,
        detail={"reason": data.reason, "before": before, "after": changes},
    )
    return charge


async def day_decisions(
    session: AsyncSession, patient_id: uuid.UUID, since: date, until: date
) -> list[DayDecision]:
    rows = await session.exec(
        select(DayDecision)
        .where(DayDecision.patient_id == patient_id)
        .where(col(DayDecision.service_date) >= since, col(DayDecision.service_date) <= until)
        .order_by(col(DayDecision.service_date))
    )
    return list(rows.all())


async def add_payment(
    session: AsyncSession,
    actor: Actor,
    user_id: uuid.UUID,
    patient_id: uuid.UUID,
    data: PaymentCreate,
) -> Payment:
    if data.charge_id is not None:
        charge = await session.get(Charge, data.charge_id)
        if charge is None or charge.patient_id != patient_id:
            raise Problem(
                422,
                "charge_id: not a charge of this client.",
                errors=[{"field": "charge_id", "message": "unknown charge"}],
            )
    payment = Payment(patient_id=patient_id, recorded_by=user_id, **data.model_dump())
    session.add(payment)
    await session.flush()
    await record(session, actor, "create", "payment", entity_id=payment.id, patient_id=patient_id)
    return payment


async def balance(session: AsyncSession, patient_id: uuid.UUID) -> Balance:
    """Charges not voided, minus payments and adjustments: two aggregate queries."""
    charged = (
        await session.exec(
            select(func.coalesce(func.sum(Charge.fee), 0)).where(
                Charge.patient_id == patient_id, Charge.status != "void"
            )
        )
    ).one()
    sums = dict(
        (
            await session.exec(
                select(Payment.kind, func.coalesce(func.sum(Payment.amount), 0))
                .where(Payment.patient_id == patient_id)
                .group_by(col(Payment.kind))
            )
        ).all()
    )
    paid, adjusted = Decimal(sums.get("payment", 0)), Decimal(sums.get("adjustment", 0))
    total = Decimal(charged)
    return Balance(
        patient_id=patient_id,
        charged=total,
        paid=paid,
        adjusted=adjusted,
        balance=total - paid - adjusted,
    )
