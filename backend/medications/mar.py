"""The medication administration record: a day's doses generated from active
prescriptions (idempotently), and each administration recorded with time and staff."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.audit.service import Actor, Event, record, record_many
from backend.db.base import utcnow
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.medications import rules
from backend.medications.models import MarDose, Prescription
from backend.patients.models import CareTeamMember, Episode, Patient
from shared.enums import Role
from shared.schemas.medications import DoseRead, MarRow

# Levels of care where staff administer medications (and so keep a MAR by default).
ADMINISTERED = ("detox", "residential")


def schedule_of(rx: Prescription) -> rules.Schedule:
    assert rx.signed_at is not None
    return rules.Schedule(
        frequency=rx.frequency,
        times=tuple(rx.times),
        prn=rx.prn,
        start_date=rx.start_date,
        duration_days=rx.duration_days,
        timezone=rx.timezone,
        signed_at=rx.signed_at,
        discontinued_at=rx.discontinued_at,
    )


async def _patients(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID | None
) -> list[uuid.UUID]:
    if patient_id is not None:
        return [patient_id]
    query = select(Episode.patient_id).where(
        col(Episode.discharged_on).is_(None), col(Episode.level_of_care).in_(ADMINISTERED)
    )
    if Role.SUPERVISOR not in principal.roles:
        mine = select(CareTeamMember.patient_id).where(CareTeamMember.user_id == principal.user_id)
        query = query.where(col(Episode.patient_id).in_(mine))
    return list((await session.exec(query)).all())


async def day(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    on: date,
    timezone: str,
    patient_id: uuid.UUID | None = None,
) -> list[MarRow]:
    """The MAR for ``on``: doses are created for every active prescription the first
    time the day is opened (a fixed number of statements, whatever the census)."""
    patients = await _patients(session, principal, patient_id)
    zone = ZoneInfo(timezone)
    start = datetime.combine(on, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    rows = await session.exec(
        select(Prescription, Patient)
        .join(Patient, col(Patient.id) == col(Prescription.patient_id))
        .where(col(Prescription.patient_id).in_(patients))
        .where(col(Prescription.status).in_(["signed", "discontinued"]))
        .where(col(Prescription.start_date) <= on)
        .order_by(col(Patient.family_name), col(Patient.given_name), col(Prescription.drug_name))
    )
    found = rows.all()
    new = [
        {
            "id": uuid.uuid4(),
            "prescription_id": rx.id,
            "patient_id": rx.patient_id,
            "scheduled_at": when,
        }
        for rx, _ in found
        for when in rules.doses_on(schedule_of(rx), on)
    ]
    if new:
        await session.execute(insert(MarDose).values(new).on_conflict_do_nothing())
    doses: dict[uuid.UUID, list[MarDose]] = {rx.id: [] for rx, _ in found}
    for dose in (
        await session.exec(
            select(MarDose)
            .where(col(MarDose.prescription_id).in_(list(doses)))
            .where(col(MarDose.scheduled_at) >= start, col(MarDose.scheduled_at) < end)
            .order_by(col(MarDose.scheduled_at))
        )
    ).all():
        doses[dose.prescription_id].append(dose)
    result = [
        MarRow(
            patient_id=patient.id,
            patient_name=f"{patient.given_name} {patient.family_name}",
            prescription_id=rx.id,
            medication=f"{rx.drug_name} {rx.strength} {rx.dose_form}",
            sig=rules.sig(
                rx.dose_amount, rx.dose_unit, rx.route, rx.frequency, rx.prn, rx.prn_indication
            ),
            prn=rx.prn,
            doses=[DoseRead.model_validate(d, from_attributes=True) for d in doses[rx.id]],
        )
        for rx, patient in found
        if doses[rx.id] or (rx.prn and rx.status == "signed")
    ]
    await record_many(
        session,
        actor,
        [
            Event("read", "mar", None, p, detail=read_detail(principal))
            for p in {r.patient_id for r in result}
        ],
    )
    return result


async def get_dose(session: AsyncSession, dose_id: uuid.UUID) -> MarDose:
    dose = await session.get(MarDose, dose_id, with_for_update=True)
    if dose is None:
        raise Problem(404, f"No dose {dose_id}.")
    return dose


async def record_dose(
    session: AsyncSession, actor: Actor, principal: Principal, dose: MarDose, status: str, note: str
) -> MarDose:
    if dose.status != "scheduled":
        raise Problem(409, f"This dose is already recorded as {dose.status}: add a note instead.")
    if status in ("refused", "held") and not note.strip():
        raise Problem(
            422,
            "note: say why the dose was refused or held.",
            errors=[{"field": "note", "message": "required when refused or held"}],
        )
    dose.status, dose.note = status, note
    dose.recorded_at, dose.recorded_by = utcnow(), principal.user_id
    dose.version += 1
    session.add(dose)
    await record(session, actor, status, "mar_dose", entity_id=dose.id, patient_id=dose.patient_id)
    return dose


async def give_prn(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    rx: Prescription,
    reason: str,
    given_at: datetime | None,
) -> MarDose:
    if rx.status != "signed" or not rx.prn:
        raise Problem(409, "Only an active as-needed (PRN) prescription can be given on request.")
    now = utcnow()
    when = given_at or now
    if when.tzinfo is None or when > now + timedelta(minutes=5):
        raise Problem(
            422,
            "given_at: a past time with its UTC offset.",
            errors=[{"field": "given_at", "message": "past, with offset"}],
        )
    dose = MarDose(
        prescription_id=rx.id,
        patient_id=rx.patient_id,
        scheduled_at=when,
        prn=True,
        status="given",
        recorded_at=now,
        recorded_by=principal.user_id,
        prn_reason=reason,
    )
    session.add(dose)
    await session.flush()
    await record(session, actor, "given", "mar_dose", entity_id=dose.id, patient_id=rx.patient_id)
    return dose


async def prn_effect(session: AsyncSession, actor: Actor, dose: MarDose, effect: str) -> MarDose:
    if not dose.prn or dose.status != "given":
        raise Problem(409, "Follow-up effects are recorded on given PRN doses.")
    dose.prn_effect, dose.prn_effect_at = effect, utcnow()
    dose.version += 1
    session.add(dose)
    await record(
        session, actor, "prn-effect", "mar_dose", entity_id=dose.id, patient_id=dose.patient_id
    )
    return dose
