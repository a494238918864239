"""Care team, diagnoses, allergies, and the chart summary in one round trip."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.accounts.models import User
from backend.audit.service import Actor, record
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.patients import episodes, rules
from backend.patients.models import Allergy, CareTeamMember, Diagnosis, Patient
from backend.patients.service import patient_read
from shared.enums import CareTeamRole
from shared.schemas.patients import (
    AllergyCreate,
    AllergyRead,
    CareTeamCreate,
    CareTeamRead,
    ChartSummary,
    DiagnosisCreate,
    DiagnosisRead,
)


async def care_team(session: AsyncSession, patient_id: uuid.UUID) -> list[CareTeamRead]:
    rows = await session.exec(
        select(CareTeamMember, User)
        .join(User, col(User.id) == col(CareTeamMember.user_id))
        .where(CareTeamMember.patient_id == patient_id)
        .order_by(col(CareTeamMember.added_at))
    )
    return [
        CareTeamRead(
            id=m.id,
            user_id=u.id,
            username=u.username,
            full_name=u.full_name,
            role=CareTeamRole(m.role),
        )
        for m, u in rows.all()
    ]


async def add_to_care_team(
    session: AsyncSession, actor: Actor, patient: Patient, data: CareTeamCreate
) -> CareTeamMember:
    user = await session.get(User, data.user_id)
    if user is None or user.disabled:
        raise Problem(
            422,
            f"user_id: no active user {data.user_id}.",
            errors=[{"field": "user_id", "message": "unknown user"}],
        )
    existing = (
        await session.exec(
            select(CareTeamMember).where(
                CareTeamMember.patient_id == patient.id, CareTeamMember.user_id == user.id
            )
        )
    ).first()
    member = existing or CareTeamMember(patient_id=patient.id, user_id=user.id)
    member.role = data.role.value
    session.add(member)
    await session.flush()
    await record(
        session,
        actor,
        "care_team_add",
        "patient",
        entity_id=patient.id,
        patient_id=patient.id,
        detail={"user": user.username, "role": member.role},
    )
    return member


async def remove_from_care_team(
    session: AsyncSession, actor: Actor, patient: Patient, member_id: uuid.UUID
) -> None:
    member = await session.get(CareTeamMember, member_id)
    if member is None or member.patient_id != patient.id:
        raise Problem(404, f"No care-team member {member_id} on this chart.")
    await session.delete(member)
    await record(
        session,
        actor,
        "care_team_remove",
        "patient",
        entity_id=patient.id,
        patient_id=patient.id,
        detail={"user_id": str(member.user_id)},
    )


async def add_diagnosis(
    session: AsyncSession, actor: Actor, patient: Patient, data: DiagnosisCreate
) -> Diagnosis:
    from backend.patients.icd10 import COMMON_CODES

    diagnosis = Diagnosis(
        patient_id=patient.id,
        code=data.code,
        description=data.description or COMMON_CODES.get(data.code, ""),
        onset=data.onset,
    )
    session.add(diagnosis)
    await session.flush()
    await record(
        session,
        actor,
        "create",
        "diagnosis",
        entity_id=diagnosis.id,
        patient_id=patient.id,
        detail={"code": diagnosis.code},
    )
    return diagnosis


async def add_allergy(
    session: AsyncSession, actor: Actor, patient: Patient, data: AllergyCreate
) -> Allergy:
    allergy = Allergy(
        patient_id=patient.id,
        substance=data.substance,
        reaction=data.reaction,
        severity=data.severity.value,
    )
    session.add(allergy)
    await session.flush()
    await record(session, actor, "create", "allergy", entity_id=allergy.id, patient_id=patient.id)
    return allergy


async def diagnoses(session: AsyncSession, patient_id: uuid.UUID) -> list[DiagnosisRead]:
    rows = await session.exec(
        select(Diagnosis)
        .where(Diagnosis.patient_id == patient_id)
        .order_by(col(Diagnosis.recorded_at))
    )
    return [DiagnosisRead.model_validate(d, from_attributes=True) for d in rows.all()]


async def allergies(session: AsyncSession, patient_id: uuid.UUID) -> list[AllergyRead]:
    rows = await session.exec(
        select(Allergy).where(Allergy.patient_id == patient_id).order_by(col(Allergy.recorded_at))
    )
    return [AllergyRead.model_validate(a, from_attributes=True) for a in rows.all()]


async def summary(
    session: AsyncSession, actor: Actor, principal: Principal, patient: Patient
) -> ChartSummary:
    episode_list, timeline = await episodes.episodes_and_timeline(session, patient.id)
    current = next((e for e in episode_list if e.discharged_on is None), None)
    await record(
        session,
        actor,
        "read",
        "chart_summary",
        entity_id=patient.id,
        patient_id=patient.id,
        detail=read_detail(principal),
    )
    return ChartSummary(
        patient=patient_read(patient),
        age=rules.age_on(patient.birth_date, date.today()),
        current_episode=current,
        episodes=episode_list,
        timeline=timeline,
        care_team=await care_team(session, patient.id),
        diagnoses=await diagnoses(session, patient.id),
        allergies=await allergies(session, patient.id),
    )
