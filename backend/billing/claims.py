"""Claim batches: approved charges of one payer become an 837P (professional) file; the
charges are marked billed in the same transaction."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import User
from backend.audit.service import Actor, Event, record_many
from backend.billing import x12
from backend.billing.models import Charge, ClaimBatch, Coverage, Payer
from backend.config import Settings
from backend.db.base import utcnow
from backend.lib.problems import Problem
from backend.patients.models import Patient

SEX = {"male": "M", "female": "F"}


def _provider(settings: Settings) -> x12.BillingProvider:
    name, npi, tax_id, street, city, state, zip_code = settings.billing_provider.split("|")
    return x12.BillingProvider(name, npi, tax_id, street, city, state, zip_code)


async def create(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, payer_id: uuid.UUID, settings: Settings
) -> ClaimBatch:
    payer = await session.get(Payer, payer_id)
    if payer is None:
        raise Problem(
            422,
            "payer_id: no such payer.",
            errors=[{"field": "payer_id", "message": "unknown payer"}],
        )
    rows = (
        await session.exec(
            select(Charge, Coverage, Patient)
            .join(Coverage, col(Coverage.id) == col(Charge.coverage_id))
            .join(Patient, col(Patient.id) == col(Charge.patient_id))
            .where(Charge.status == "approved", Coverage.payer_id == payer_id)
            .order_by(col(Patient.id), col(Charge.service_date))
            .with_for_update(of=Charge)
        )
    ).all()
    if not rows:
        raise Problem(409, f"No approved charges for {payer.name}.", slug="nothing-to-bill")
    providers = {
        u.id: u
        for u in (
            await session.exec(
                select(User).where(col(User.id).in_({c.rendering_provider_id for c, _, _ in rows}))
            )
        ).all()
    }
    claims: list[x12.Claim] = []
    by_claim: dict[tuple[uuid.UUID, object], list[tuple[Charge, Coverage, Patient]]] = {}
    for charge, coverage, patient in rows:  # one claim per client and service date
        by_claim.setdefault((patient.id, charge.service_date), []).append(
            (charge, coverage, patient)
        )
    for (_, _), items in by_claim.items():
        _, coverage, patient = items[0]
        address = patient.address or {}
        diagnoses = list(dict.fromkeys(code for c, _, _ in items for code in c.diagnosis_codes))[
            :12
        ]
        if not diagnoses:
            raise Problem(
                422,
                f"{patient.given_name} {patient.family_name}: a claim needs a diagnosis "
                "(add one to the chart).",
                errors=[
                    {"field": "diagnosis_codes", "message": f"missing for charge {items[0][0].id}"}
                ],
            )
        subscriber = x12.Subscriber(
            member_id=coverage.member_id,
            last_name=patient.family_name,
            first_name=patient.given_name,
            birth_date=patient.birth_date,
            sex=SEX.get(patient.sex_at_birth, "U"),
            address1=address.get("line1") or "UNKNOWN",
            city=address.get("city") or "UNKNOWN",
            state=(address.get("state") or "XX")[:2].upper(),
            zip=address.get("postal_code") or "00000",
            group_number=coverage.group_number,
        )
        lines = []
        for charge, _, _ in items:
            pointers = tuple(diagnoses.index(code) + 1 for code in charge.diagnosis_codes[:4])
            provider = (
                providers.get(charge.rendering_provider_id)
                if charge.rendering_provider_id
                else None
            )
            lines.append(
                x12.ServiceLine(
                    code=charge.code,
                    modifiers=tuple(charge.modifiers),
                    charge=charge.fee,
                    units=charge.units,
                    service_date=charge.service_date,
                    place_of_service=charge.place_of_service,
                    diagnosis_pointers=pointers or (1,),
                    rendering_npi=None,
                    rendering_last_name=(provider.full_name or provider.username)
                    if provider
                    else "",
                )
            )
        claims.append(
            x12.Claim(
                claim_id=str(items[0][0].id).replace("-", "")[:20],
                subscriber=subscriber,
                payer=x12.Payer(payer.name, payer.payer_code),
                diagnosis_codes=tuple(diagnoses),
                place_of_service=items[0][0].place_of_service,
                lines=tuple(lines),
            )
        )
    control = (
        int(
            (
                await session.exec(select(func.coalesce(func.max(ClaimBatch.control_number), 0)))
            ).one()
        )
        + 1
    )
    receiver_name, receiver_id = settings.clearinghouse.split("|")
    organisation = _provider(settings)
    batch = x12.Batch(
        control_number=control,
        created=utcnow(),
        submitter=x12.Submitter(
            organisation.name, organisation.tax_id, "BILLING OFFICE", "6175550100"
        ),
        receiver=x12.Receiver(receiver_name, receiver_id),
        billing_provider=organisation,
        claims=tuple(claims),
        test=not settings.x12_production,
    )
    try:
        text = x12.build_837p(batch)
    except ValueError as error:
        raise Problem(422, f"The claim batch cannot be built: {error}") from None
    problems = x12.validate_837p(text)
    if problems:
        raise Problem(
            500, "The generated 837P failed its structural check.", problems=problems[:20]
        )
    total = sum((c.fee for c, _, _ in rows), Decimal(0))
    row = ClaimBatch(
        payer_id=payer_id,
        control_number=control,
        created_by=user_id,
        claims=len(claims),
        total=total,
        x12=text,
    )
    session.add(row)
    await session.flush()
    ids = [c.id for c, _, _ in rows]
    await session.execute(
        update(Charge)
        .where(col(Charge.id).in_(ids))
        .values(status="billed", claim_batch_id=row.id, version=Charge.version + 1)
    )
    await record_many(
        session, actor, [Event("bill", "charge", c.id, c.patient_id) for c, _, _ in rows]
    )
    return row
