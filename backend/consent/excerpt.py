"""What a disclosure artifact holds: the requested categories of one client's record, as
headed sections of plain lines. Group notes come only from ``member_notes`` (the shared
section and this client's own entry), so no other member of a group ever appears."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.labs.models import LabResult
from backend.measures.models import Assessment
from backend.medications.models import Medication
from backend.notes import progress
from backend.notes.chart import member_notes
from backend.patients.models import Allergy, Diagnosis, Patient
from backend.patients.service import mrn
from backend.plans.models import TreatmentPlan
from backend.scheduling.models import Attendance, Session
from shared.schemas.consent import Category
from shared.schemas.progress_notes import SECTIONS


@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Excerpt:
    patient_name: str
    mrn: str
    birth_date: date
    sections: list[Section]


Gather = Callable[[AsyncSession, Patient, ZoneInfo], Awaitable[list[str]]]


def _or_none(lines: list[str]) -> list[str]:
    return lines or ["None recorded."]


async def _demographics(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    address = ", ".join(str(v) for v in patient.address.values() if v)
    phones = ", ".join(f"{p.get('kind', '')} {p.get('number', '')}".strip() for p in patient.phones)
    facts = [
        (
            "Name",
            " ".join(
                n for n in (patient.given_name, patient.middle_name, patient.family_name) if n
            ),
        ),
        ("Preferred name", patient.preferred_name),
        ("Pronouns", patient.pronouns),
        ("Born", f"{patient.birth_date:%d %b %Y}"),
        ("Sex at birth", patient.sex_at_birth),
        ("Gender identity", patient.gender_identity),
        ("Address", address),
        ("Phone", phones),
        ("Email", patient.email),
    ]
    return [f"{label}: {value}" for label, value in facts if value]


async def _diagnoses(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    rows = await session.exec(select(Diagnosis).where(Diagnosis.patient_id == patient.id))
    return _or_none(
        [
            f"{d.code} {d.description} ({d.status}" + (f", onset {d.onset})" if d.onset else ")")
            for d in rows.all()
        ]
    )


async def _medications(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    rows = await session.exec(select(Medication).where(Medication.patient_id == patient.id))
    return _or_none(
        [
            " ".join(p for p in (m.name, m.strength, m.dose_form) if p)
            + f" ({m.status}"
            + (f", since {m.start_date}" if m.start_date else "")
            + (f", stopped {m.stop_date}" if m.stop_date else "")
            + ")"
            for m in rows.all()
        ]
    )


async def _allergies(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    rows = await session.exec(select(Allergy).where(Allergy.patient_id == patient.id))
    return _or_none(
        [
            f"{a.substance}: {a.reaction or 'reaction not recorded'} ({a.severity})"
            for a in rows.all()
        ]
    )


async def _treatment_plan(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    plan = (
        await session.exec(
            select(TreatmentPlan)
            .where(TreatmentPlan.patient_id == patient.id, TreatmentPlan.status != "draft")
            .order_by(col(TreatmentPlan.number).desc())
        )
    ).first()
    if plan is None:
        return ["No active treatment plan."]
    lines = [f"Plan version {plan.number} ({plan.status})"]
    for problem in plan.content.get("problems", []):
        lines.append(f"Problem: {problem.get('description', '')}")
        for goal in problem.get("goals", []):
            lines.append(f"  Goal: {goal.get('text', '')}")
            lines += [f"    Objective: {o.get('text', '')}" for o in goal.get("objectives", [])]
    return lines


async def _progress_notes(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    notes = await progress.reads(
        session, await progress.for_patient(session, patient.id, signed_only=True)
    )
    lines: list[str] = []
    for note in notes:
        lines.append(
            f"{note.format.value.upper()} note, {note.service_start.astimezone(tz):%d %b %Y}, "
            f"signed by {note.signed_by_name}"
        )
        lines += [
            f"  {heading}: {note.sections.get(key, '')}"
            for key, heading, _ in SECTIONS[note.format]
        ]
    return _or_none(lines)


async def _group_notes(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    lines: list[str] = []
    for note in await member_notes(session, patient.id):
        entry = note.entry
        lines.append(f"{note.group_name}, {note.starts_at:%d %b %Y}: {note.topic}")
        lines += [
            f"  {label}: {text}"
            for label, text in (
                ("Interventions", note.interventions),
                ("Group process", note.group_process),
                ("Attendance", entry.attendance or ""),
                ("Participation", entry.participation),
                ("Narrative", entry.narrative),
            )
            if text
        ]
        lines += [f"  Addendum: {a.text}" for a in note.addenda]
    return _or_none(lines)


async def _assessments(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    rows = await session.exec(
        select(Assessment)
        .where(Assessment.patient_id == patient.id)
        .order_by(col(Assessment.administered_at).desc())
    )
    return _or_none(
        [
            f"{a.instrument.upper()} {a.administered_at.astimezone(tz):%d %b %Y}: "
            f"{a.total} ({a.severity})"
            for a in rows.all()
        ]
    )


async def _attendance(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    rows = (
        await session.exec(
            select(Attendance.status, Session.starts_at)
            .join(Session, col(Session.id) == col(Attendance.session_id))
            .where(Attendance.patient_id == patient.id)
        )
    ).all()
    if not rows:
        return ["No attendance recorded."]
    counts = Counter(status for status, _ in rows)
    first, last = min(at for _, at in rows), max(at for _, at in rows)
    return [
        f"{len(rows)} sessions from {first.astimezone(tz):%d %b %Y} "
        f"to {last.astimezone(tz):%d %b %Y}",
        ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())),
    ]


async def _labs(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    rows = await session.exec(
        select(LabResult)
        .where(LabResult.patient_id == patient.id)
        .order_by(col(LabResult.resulted_at).desc())
    )
    return _or_none(
        [
            f"{r.resulted_at.astimezone(tz):%d %b %Y} {r.analyte}: "
            f"{r.value if r.value is not None else r.value_text or r.qualitative or ''} "
            f"{r.unit} ({r.flag})"
            for r in rows.all()
        ]
    )


async def _counseling_notes(session: AsyncSession, patient: Patient, tz: ZoneInfo) -> list[str]:
    return ["This record keeps no SUD counseling notes apart from the progress notes."]


GATHER: dict[Category, tuple[str, Gather]] = {
    Category.DEMOGRAPHICS: ("Demographics", _demographics),
    Category.DIAGNOSES: ("Diagnoses", _diagnoses),
    Category.MEDICATIONS: ("Medications", _medications),
    Category.ALLERGIES: ("Allergies", _allergies),
    Category.TREATMENT_PLAN: ("Treatment plan summary", _treatment_plan),
    Category.PROGRESS_NOTES: ("Progress notes (signed)", _progress_notes),
    Category.GROUP_NOTES: ("Group notes (this client's own record)", _group_notes),
    Category.ASSESSMENTS: ("Assessments", _assessments),
    Category.ATTENDANCE: ("Attendance summary", _attendance),
    Category.LABS: ("Lab results", _labs),
    Category.COUNSELING_NOTES: ("SUD counseling notes", _counseling_notes),
}


async def gather(
    session: AsyncSession, patient_id: uuid.UUID, categories: list[str], timezone: str
) -> Excerpt:
    """The requested categories only, in the order of the fixed category list."""
    patient = await session.get(Patient, patient_id)
    assert patient is not None
    tz = ZoneInfo(timezone)
    sections = [
        Section(heading, await fetch(session, patient, tz))
        for category, (heading, fetch) in GATHER.items()
        if category in categories
    ]
    return Excerpt(
        patient_name=f"{patient.given_name} {patient.family_name}",
        mrn=mrn(patient),
        birth_date=patient.birth_date,
        sections=sections,
    )
