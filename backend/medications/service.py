"""Medication list and prescriptions: validation, allergy check with a recorded override,
signing (which puts the drug on the medication list), discontinuation, and the honest
e-prescribing boundary."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Protocol

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, record
from backend.db.base import utcnow
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.medications import rules
from backend.medications.models import MarDose, Medication, Prescription
from backend.patients.models import Allergy
from shared.schemas.medications import (
    MedicationCreate,
    MedicationRead,
    PrescriptionCreate,
    PrescriptionRead,
)


def _refuse(errors: list[tuple[str, str]]) -> None:
    if errors:
        field, message = errors[0]
        raise Problem(
            422,
            f"{field}: {message}.",
            errors=[{"field": f, "message": m} for f, m in errors],
        )


def prescription_read(rx: Prescription) -> PrescriptionRead:
    text = rules.sig(
        rx.dose_amount, rx.dose_unit, rx.route, rx.frequency, rx.prn, rx.prn_indication
    )
    return PrescriptionRead.model_validate(rx.model_dump() | {"sig": text})


def medication_read(medication: Medication) -> MedicationRead:
    return MedicationRead.model_validate(medication, from_attributes=True)


async def medications(session: AsyncSession, patient_id: uuid.UUID) -> list[Medication]:
    """Active first, then past; newest first within each."""
    rows = await session.exec(
        select(Medication)
        .where(Medication.patient_id == patient_id)
        .order_by(col(Medication.status), col(Medication.created_at).desc())
    )
    return list(rows.all())


async def add_medication(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: MedicationCreate,
) -> Medication:
    if data.source == "prescribed_here":
        raise Problem(
            422,
            "source: medications prescribed here come from a signed prescription.",
            errors=[{"field": "source", "message": "client_reported or other_prescriber"}],
        )
    medication = Medication(
        patient_id=patient_id,
        created_by=principal.user_id,
        **data.model_dump(exclude={"source"}),
        source=data.source.value,
    )
    session.add(medication)
    await session.flush()
    await record(
        session, actor, "create", "medication", entity_id=medication.id, patient_id=patient_id
    )
    return medication


async def stop_medication(
    session: AsyncSession, actor: Actor, medication: Medication, reason: str, on: date | None
) -> Medication:
    if medication.status != "active":
        raise Problem(409, "This medication is already stopped.")
    if medication.prescription_id is not None:
        raise Problem(
            409, "Discontinue its prescription instead: the MAR follows the prescription."
        )
    medication.status, medication.stop_reason = "stopped", reason
    medication.stop_date = on or date.today()
    medication.version += 1
    session.add(medication)
    await record(
        session,
        actor,
        "stop",
        "medication",
        entity_id=medication.id,
        patient_id=medication.patient_id,
    )
    return medication


async def _allergy_check(
    session: AsyncSession, actor: Actor, patient_id: uuid.UUID, drug: str, override: str
) -> bool:
    """True when the drug conflicts with a recorded allergy and the override was given."""
    allergies = (
        await session.exec(select(Allergy.substance).where(Allergy.patient_id == patient_id))
    ).all()
    conflicts = rules.allergy_conflicts(drug, list(allergies))
    if not conflicts:
        return False
    found = [{"allergy": c.allergy, "reason": c.reason} for c in conflicts]
    if not override.strip():
        raise Problem(
            422,
            f"Allergy warning: {conflicts[0].reason}. Give an override reason to prescribe anyway.",
            slug="allergy-conflict",
            errors=[{"field": "allergy_override_reason", "message": "required: allergy conflict"}],
            conflicts=found,
        )
    await record(
        session,
        actor,
        "allergy-override",
        "prescription",
        patient_id=patient_id,
        detail={"drug": drug, "conflicts": found, "reason": override},
    )
    return True


async def prescribe(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: PrescriptionCreate,
    timezone: str,
) -> Prescription:
    values: dict[str, Any] = data.model_dump(mode="json")
    _refuse(
        rules.prescription_errors(
            **{
                k: values[k]
                for k in (
                    "dose_amount",
                    "dose_unit",
                    "route",
                    "frequency",
                    "times",
                    "prn",
                    "prn_indication",
                    "quantity",
                    "quantity_unit",
                    "refills",
                    "schedule",
                )
            }
        )
    )
    overridden = await _allergy_check(
        session, actor, patient_id, data.drug_name, data.allergy_override_reason
    )
    if not overridden:
        values["allergy_override_reason"] = ""  # no conflict: nothing was overridden
    values["times"] = data.times or list(rules.FREQUENCIES[data.frequency])
    values["prn"] = data.prn or data.frequency == "prn"
    values["start_date"] = data.start_date or date.today()
    rx = Prescription(
        patient_id=patient_id, prescriber_id=principal.user_id, timezone=timezone, **values
    )
    rx.start_date = values["start_date"]
    session.add(rx)
    await session.flush()
    await record(session, actor, "create", "prescription", entity_id=rx.id, patient_id=patient_id)
    return rx


async def get(session: AsyncSession, rx_id: uuid.UUID, *, lock: bool = False) -> Prescription:
    rx = await session.get(Prescription, rx_id, with_for_update=lock)
    if rx is None:
        raise Problem(404, f"No prescription {rx_id}.")
    return rx


async def prescriptions(session: AsyncSession, patient_id: uuid.UUID) -> list[Prescription]:
    rows = await session.exec(
        select(Prescription)
        .where(Prescription.patient_id == patient_id)
        .order_by(col(Prescription.created_at).desc())
    )
    return list(rows.all())


async def sign(
    session: AsyncSession, actor: Actor, principal: Principal, rx: Prescription
) -> Prescription:
    if rx.status != "draft":
        raise Problem(409, f"This prescription is {rx.status}.")
    if rx.prescriber_id != principal.user_id:
        raise Problem(403, "Only the prescriber signs a prescription.")
    rx.status, rx.signed_at = "signed", utcnow()
    rx.version += 1
    session.add(rx)
    session.add(
        Medication(
            patient_id=rx.patient_id,
            name=rx.drug_name,
            rxnorm=rx.rxnorm,
            strength=rx.strength,
            dose_form=rx.dose_form,
            source="prescribed_here",
            start_date=rx.start_date,
            prescription_id=rx.id,
            created_by=principal.user_id,
        )
    )
    await record(session, actor, "sign", "prescription", entity_id=rx.id, patient_id=rx.patient_id)
    return rx


async def discontinue(
    session: AsyncSession, actor: Actor, rx: Prescription, reason: str
) -> Prescription:
    """Stops the prescription now: its medication is stopped and no dose is scheduled
    from this moment (future unrecorded doses leave the MAR)."""
    if rx.status != "signed":
        raise Problem(
            409, f"Only a signed prescription can be discontinued (this one is {rx.status})."
        )
    now = utcnow()
    rx.status, rx.discontinued_at, rx.discontinue_reason = "discontinued", now, reason
    rx.version += 1
    session.add(rx)
    medication = (
        await session.exec(select(Medication).where(Medication.prescription_id == rx.id))
    ).first()
    if medication is not None:
        medication.status, medication.stop_date, medication.stop_reason = (
            "stopped",
            now.date(),
            reason,
        )
        medication.version += 1
        session.add(medication)
    await session.execute(
        delete(MarDose).where(
            col(MarDose.prescription_id) == rx.id,
            col(MarDose.status) == "scheduled",
            col(MarDose.scheduled_at) >= now,
        )
    )
    await record(
        session,
        actor,
        "discontinue",
        "prescription",
        entity_id=rx.id,
        patient_id=rx.patient_id,
        detail={"reason": reason},
    )
    return rx


class PharmacyNetwork(Protocol):
    """Where a certified e-prescribing network (e.g. Surescripts, EPCS for controlled
    substances) would plug in. ``send`` returns the network's status for the
    prescription."""

    name: str

    async def send(self, rx: Prescription) -> str: ...


class NoNetwork:
    """The only network here: none. Transmission is refused, never pretended."""

    name = "none"

    async def send(self, rx: Prescription) -> str:
        raise Problem(
            503,
            "No certified e-prescribing network is configured: print the prescription and "
            "give or fax it to the pharmacy. Its status stays 'not_transmitted'.",
            slug="eprescribing-unavailable",
        )


async def transmit(
    session: AsyncSession, actor: Actor, rx: Prescription, network: PharmacyNetwork
) -> Prescription:
    if rx.status != "signed":
        raise Problem(409, "Only a signed prescription can be sent.")
    rx.transmission = await network.send(rx)
    await record(
        session,
        actor,
        "transmit",
        "prescription",
        entity_id=rx.id,
        patient_id=rx.patient_id,
        detail={"network": network.name, "status": rx.transmission},
    )
    rx.version += 1
    session.add(rx)
    return rx
