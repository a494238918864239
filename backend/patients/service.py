"""Registering and reading charts. Every read and write is audited with the patient id."""

from __future__ import annotations

import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import access
from backend.audit.service import Actor, record
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.patients.models import CareTeamMember, Patient
from shared.schemas.patients import PatientCreate, PatientRead


def mrn(patient: Patient) -> str:
    return f"MRN{patient.mrn_number}"


def patient_read(patient: Patient) -> PatientRead:
    return PatientRead(
        id=patient.id,
        mrn=mrn(patient),
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
        version=patient.version,
    )


async def on_care_team(session: AsyncSession, user_id: uuid.UUID, patient_id: uuid.UUID) -> bool:
    result = await session.exec(
        select(CareTeamMember.id).where(
            CareTeamMember.user_id == user_id, CareTeamMember.patient_id == patient_id
        )
    )
    return result.first() is not None


access.RELATIONSHIPS.append(on_care_team)


async def register(
    session: AsyncSession, actor: Actor, principal: Principal, data: PatientCreate
) -> Patient:
    """Create the chart; the registering clinician joins the care team."""
    patient = Patient(**data.model_dump())
    session.add(patient)
    await session.flush()
    await session.refresh(patient)
    session.add(CareTeamMember(patient_id=patient.id, user_id=principal.user_id))
    await record(session, actor, "create", "patient", entity_id=patient.id, patient_id=patient.id)
    return patient


async def read(
    session: AsyncSession, actor: Actor, principal: Principal, patient_id: uuid.UUID
) -> Patient:
    await access.require_patient_access(session, principal, patient_id)
    patient = await session.get(Patient, patient_id)
    if patient is None:
        raise Problem(404, f"No patient {patient_id}.")
    await record(session, actor, "read", "patient", entity_id=patient.id, patient_id=patient.id)
    return patient
