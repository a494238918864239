"""Everything of one client as FHIR resources: the FHIR search API, the export Bundle and
the transfer-of-care packet all read a :class:`ClientRecord`.

Only this client's rows are loaded: sessions come through their own attendance rows, so no
other group member's identity can reach a resource built from a record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.audit.service import Actor
from backend.audit.service import record as audit
from backend.consent.models import Consent, ConsentRecipient
from backend.consent.service import recipients_of
from backend.db.base import utcnow
from backend.interop import fhir
from backend.lib.auth import Principal
from backend.measures.models import Assessment
from backend.medications.models import Prescription
from backend.notes.models import ProgressNote
from backend.patients.models import Allergy, Diagnosis, Episode, Patient, Program, Transition
from backend.patients.service import get as get_patient
from backend.patients.service import mrn
from backend.plans import points, rules
from backend.plans.models import ProgressPoint, TreatmentPlan
from backend.scheduling.models import Attendance, Group, Session
from shared.schemas.plans import Objective, PlanContent

# Types whose every resource belongs to one client (the FHIR patient compartment).
COMPARTMENT = (
    "Patient",
    "Condition",
    "AllergyIntolerance",
    "MedicationRequest",
    "CarePlan",
    "Goal",
    "Observation",
    "QuestionnaireResponse",
    "Appointment",
    "Encounter",
    "Consent",
    "Provenance",
)


@dataclass
class ClientRecord:
    patient: Patient
    subject: fhir.Subject
    diagnoses: list[Diagnosis]
    allergies: list[Allergy]
    prescriptions: list[Prescription]
    plans: list[TreatmentPlan]  # active and superseded, oldest first
    points: list[ProgressPoint]
    assessments: list[Assessment]
    visits: list[tuple[Session, Group, Attendance]]
    consents: list[tuple[Consent, list[ConsentRecipient]]]
    notes: list[ProgressNote]  # signed

    def active_plan(self) -> TreatmentPlan | None:
        return next((p for p in self.plans if p.status == "active"), None)


async def in_part2_program(session: AsyncSession, patient_id: uuid.UUID) -> bool:
    """Ever in a Part 2 program (any episode or transition): its records stay protected."""
    programs = select(Program.id).where(col(Program.part2).is_(True))
    episodes = select(Episode.id).where(
        Episode.patient_id == patient_id, col(Episode.program_id).in_(programs)
    )
    moved = (
        select(Transition.id)
        .join(Episode, col(Episode.id) == col(Transition.episode_id))
        .where(
            Episode.patient_id == patient_id,
            or_(
                col(Transition.from_program_id).in_(programs),
                col(Transition.to_program_id).in_(programs),
            ),
        )
    )
    found = await session.exec(episodes.union(moved))  # type: ignore[call-overload]
    return found.first() is not None


async def gather(session: AsyncSession, patient_id: uuid.UUID) -> ClientRecord:
    patient = await get_patient(session, patient_id)

    async def rows(model: Any, order: Any) -> list[Any]:
        query = select(model).where(model.patient_id == patient_id).order_by(order)
        return list((await session.exec(query)).all())

    plans = await session.exec(
        select(TreatmentPlan)
        .where(
            TreatmentPlan.patient_id == patient_id,
            col(TreatmentPlan.status).in_(["active", "superseded"]),
        )
        .order_by(col(TreatmentPlan.number))
    )
    visits = await session.exec(
        select(Session, Group, Attendance)
        .join(Attendance, col(Attendance.session_id) == col(Session.id))
        .join(Group, col(Group.id) == col(Session.group_id))
        .where(Attendance.patient_id == patient_id)
        .order_by(col(Session.starts_at))
    )
    consents = await rows(Consent, col(Consent.signed_on))
    by_consent = await recipients_of(session, [c.id for c in consents])
    notes = await session.exec(
        select(ProgressNote)
        .where(ProgressNote.patient_id == patient_id, col(ProgressNote.signed_at).is_not(None))
        .order_by(col(ProgressNote.signed_at))
    )
    return ClientRecord(
        patient=patient,
        subject=fhir.Subject(patient_id, await in_part2_program(session, patient_id)),
        diagnoses=await rows(Diagnosis, col(Diagnosis.recorded_at)),
        allergies=await rows(Allergy, col(Allergy.recorded_at)),
        prescriptions=await rows(Prescription, col(Prescription.created_at)),
        plans=list(plans.all()),
        points=await rows(ProgressPoint, col(ProgressPoint.recorded_at)),
        assessments=await rows(Assessment, col(Assessment.administered_at)),
        visits=[tuple(v) for v in visits.all()],  # type: ignore[misc]
        consents=[(c, by_consent[c.id]) for c in consents],
        notes=list(notes.all()),
    )


def objectives(record: ClientRecord) -> list[tuple[Objective, TreatmentPlan, str | None]]:
    """Each objective once (ids are stable across versions), from the newest plan that
    holds it, with its problem's ICD-10 code."""
    found: dict[uuid.UUID, tuple[Objective, TreatmentPlan, str | None]] = {}
    for plan in record.plans:
        content = PlanContent.model_validate(plan.content)
        for problem in content.problems:
            for goal in problem.goals:
                for objective in goal.objectives:
                    found[objective.id] = (objective, plan, problem.icd10)
    return list(found.values())


def _conditions(record: ClientRecord, icd10: str | None) -> list[uuid.UUID]:
    code = (icd10 or "").upper()
    return [d.id for d in record.diagnoses if code and d.code.upper() == code]


def _goals(record: ClientRecord, today: date) -> list[fhir.Resource]:
    active = record.active_plan()
    start = (active.activated_at or active.created_at).date() if active else today
    resources = []
    for objective, plan, icd10 in objectives(record):
        measured = [
            (p.recorded_at.date(), p.value) for p in record.points if p.objective_id == objective.id
        ]
        achievement = rules.status(objective, start, measured, today) if plan is active else None
        resources.append(
            fhir.goal(
                objective,
                record.subject,
                addresses=_conditions(record, icd10),
                achievement=achievement,
            )
        )
    return resources


def _care_plans(record: ClientRecord) -> list[fhir.Resource]:
    resources = []
    for plan in record.plans:
        content = PlanContent.model_validate(plan.content)
        codes = {p.icd10 for p in content.problems if p.icd10}
        addresses = [d for code in sorted(codes) for d in _conditions(record, code)]
        held = [o for o, _, _ in points.objectives(content)]
        resources.append(fhir.care_plan(plan, held, record.subject, addresses))
    return resources


def resources(record: ClientRecord, kind: str, today: date) -> list[fhir.Resource]:
    """The client's resources of one FHIR type."""
    subject = record.subject
    if kind == "Patient":
        return [fhir.patient(record.patient, subject, mrn(record.patient))]
    if kind == "Condition":
        return [fhir.condition(d, subject) for d in record.diagnoses]
    if kind == "AllergyIntolerance":
        return [fhir.allergy_intolerance(a, subject) for a in record.allergies]
    if kind == "MedicationRequest":
        return [fhir.medication_request(p, subject) for p in record.prescriptions]
    if kind == "CarePlan":
        return _care_plans(record)
    if kind == "Goal":
        return _goals(record, today)
    if kind == "Observation":
        by_id = {o.id: o for o, _, _ in objectives(record)}
        return [fhir.assessment_observation(a, subject) for a in record.assessments] + [
            fhir.progress_observation(p, by_id.get(p.objective_id), subject) for p in record.points
        ]
    if kind == "QuestionnaireResponse":
        return [fhir.questionnaire_response(a, subject) for a in record.assessments]
    if kind == "Appointment":
        return [fhir.appointment(s, g, a, subject) for s, g, a in record.visits]
    if kind == "Encounter":
        return [
            fhir.encounter(s, g, a, subject)
            for s, g, a in record.visits
            if a.status in fhir.ATTENDED
        ]
    if kind == "Consent":
        return [fhir.consent(c, r, subject) for c, r in record.consents]
    if kind == "Provenance":
        return [fhir.plan_provenance(p, subject) for p in record.plans if p.clinician_signed_by] + [
            fhir.note_provenance(n, subject) for n in record.notes if n.signed_by
        ]
    raise ValueError(f"{kind} is not in the patient compartment")


def everything(record: ClientRecord, today: date) -> list[fhir.Resource]:
    return [r for kind in COMPARTMENT for r in resources(record, kind, today)]


async def export(
    session: AsyncSession, actor: Actor, principal: Principal, patient_id: uuid.UUID, base_url: str
) -> fhir.Resource:
    """A ``collection`` Bundle of the whole chart, audited as an export of the client."""
    record = await gather(session, patient_id)
    now = utcnow()
    result = fhir.bundle(
        "collection",
        everything(record, now.date()),
        base_url,
        when=now,
        part2=record.subject.part2,
    )
    count = len(result["entry"])
    detail = read_detail(principal, resources=count)
    await audit(session, actor, "export", "fhir_bundle", patient_id=patient_id, detail=detail)
    return result
