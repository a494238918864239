"""Transfer of care: a FHIR ``document`` Bundle and a PDF summary for the receiving
provider, released only under a consent that covers every category they hold, and
recorded in the accounting of disclosures with the hash of exactly what was sent."""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor
from backend.consent.service import (
    authorize_disclosure,
    consent_description,
    recipients_of,
    record_disclosure,
)
from backend.db.base import utcnow
from backend.interop import export, fhir
from backend.lib.auth import Principal
from backend.notes.pdf import FAMILY, FONTS, NOTICE
from backend.patients.service import mrn
from backend.plans import points
from shared.schemas.consent import Purpose
from shared.schemas.plans import PlanContent

CATEGORIES = [
    "demographics",
    "diagnoses",
    "treatment_plan",
    "medications",
    "allergies",
    "assessments",
    "attendance",
]
# (section title, resource types) of the document, in order.
SECTIONS = [
    ("Diagnoses", ("Condition",)),
    ("Allergies", ("AllergyIntolerance",)),
    ("Medications", ("MedicationRequest",)),
    ("Treatment plan", ("CarePlan", "Goal")),
    ("Assessments and progress", ("Observation",)),
    ("Attendance", ("Appointment", "Encounter")),
]
RECENT_ASSESSMENTS = 10


class TransferRequest(BaseModel):
    recipient: str = Field(min_length=1, max_length=200, description="The receiving provider")
    purpose: Purpose = Purpose.TREATMENT


class TransferPacket(BaseModel):
    bundle: dict[str, object] = Field(description="FHIR R4 document Bundle")
    pdf_base64: str = Field(description="The same summary as a PDF, base64")
    disclosure_id: uuid.UUID


def _document(record: export.ClientRecord, author: uuid.UUID, base_url: str) -> fhir.Resource:
    now = utcnow()
    today = now.date()
    sections, contents = [], []
    for title, kinds in SECTIONS:
        found = [r for kind in kinds for r in export.resources(record, kind, today)]
        # The current plan only: superseded versions stay in the full export.
        found = [r for r in found if r["resourceType"] != "CarePlan" or r["status"] == "active"]
        entries = [fhir.ref(r["resourceType"], r["id"]) for r in found]
        section: dict[str, object] = {"title": title, "text": _narrative(title, len(found))}
        if entries:
            section["entry"] = entries
        else:
            section["emptyReason"] = {"text": "No information"}
        sections.append(section)
        contents += found
    patient = export.resources(record, "Patient", today)
    composition: fhir.Resource = {
        "resourceType": "Composition",
        "id": str(uuid.uuid4()),
        "status": "final",
        "type": {
            "coding": [
                {"system": fhir.LOINC, "code": "18761-7", "display": "Transfer summary note"}
            ]
        },
        "subject": fhir.ref("Patient", record.patient.id),
        "date": now.isoformat(),
        "author": [fhir.ref("Practitioner", author)],
        "title": "Transfer of care summary",
        "section": sections,
    }
    if record.subject.part2:
        composition["confidentiality"] = "R"
        composition["meta"] = {"security": [dict(c) for c in fhir.PART2_LABELS]}
    document = fhir.bundle(
        "document",
        [composition, *patient, *contents],
        base_url,
        when=now,
        part2=record.subject.part2,
    )
    document["identifier"] = {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{document['id']}"}
    return document


def _narrative(title: str, count: int) -> dict[str, str]:
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{title}: {count} entries</div>',
    }


class _Summary(FPDF):
    def __init__(self, record: export.ClientRecord, timezone: ZoneInfo) -> None:
        super().__init__(format="Letter")
        self.record, self.timezone = record, timezone
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=28)
        self.set_title("Transfer of care summary")

    def header(self) -> None:
        p = self.record.patient
        self.set_font(FAMILY, "B", 11)
        name = f"{p.given_name} {p.family_name}"
        self.cell(0, 6, f"{name} · {mrn(p)} · born {p.birth_date:%d %b %Y}")
        self.ln(8)

    def footer(self) -> None:
        self.set_y(-24)
        self.set_font(FAMILY, "", 6.5)
        self.multi_cell(0, 3, NOTICE)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="R")

    def when(self, value: datetime) -> str:
        return value.astimezone(self.timezone).strftime("%d %b %Y")

    def section(self, heading: str, lines: list[str]) -> None:
        self.set_font(FAMILY, "B", 10)
        self.cell(0, 6, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 9.5)
        for line in lines or ["None recorded."]:
            self.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)


def _plan_lines(doc: _Summary) -> list[str]:
    record = doc.record
    plan = record.active_plan()
    if plan is None:
        return []
    latest = {point.objective_id: point for point in record.points}  # oldest first: last wins
    lines = [
        f"Version {plan.number}, active since {doc.when(plan.activated_at or plan.created_at)}"
    ]
    for objective, _, _ in points.objectives(PlanContent.model_validate(plan.content)):
        point = latest.get(objective.id)
        progress = (
            f"latest {point.value:g} on {doc.when(point.recorded_at)}" if point else "no data yet"
        )
        lines.append(
            f"• {objective.text} (baseline {objective.baseline:g}, target {objective.target:g} "
            f"by {objective.target_date:%d %b %Y}): {progress}"
        )
    return lines


def render(record: export.ClientRecord, description: str, timezone: str) -> bytes:
    doc = _Summary(record, ZoneInfo(timezone))
    doc.add_page()
    p = record.patient
    doc.set_font(FAMILY, "B", 13)
    doc.cell(0, 8, "Transfer of care summary", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.section(
        "Demographics",
        [
            f"{p.given_name} {p.middle_name} {p.family_name}".replace("  ", " "),
            f"Born {p.birth_date:%d %b %Y} · sex at birth {p.sex_at_birth} · {mrn(p)}",
        ]
        + ([f"Pronouns {p.pronouns}"] if p.pronouns else []),
    )
    doc.section("Diagnoses", [f"{d.code} {d.description} ({d.status})" for d in record.diagnoses])
    doc.section("Treatment plan", _plan_lines(doc))
    doc.section(
        "Medications",
        [
            f"{rx.drug_name} {rx.strength} {rx.dose_form}: {rx.dose_amount:g} {rx.dose_unit} "
            f"{rx.route} {rx.frequency}" + (" PRN" if rx.prn else "")
            for rx in record.prescriptions
            if rx.status == "signed"
        ],
    )
    doc.section(
        "Allergies",
        [
            f"{a.substance}: {a.reaction or 'reaction not recorded'} ({a.severity})"
            for a in record.allergies
        ],
    )
    doc.section(
        "Recent assessment scores",
        [
            f"{doc.when(a.administered_at)} {a.instrument.upper()} total {a.total} ({a.severity})"
            for a in record.assessments[-RECENT_ASSESSMENTS:]
        ],
    )
    counts = Counter(attendance.status for _, _, attendance in record.visits)
    doc.section(
        "Attendance",
        [", ".join(f"{status} {n}" for status, n in sorted(counts.items()))] if counts else [],
    )
    doc.section("Consent to this disclosure", [description])
    doc.section("Notice (42 CFR §2.32)", [NOTICE])
    return bytes(doc.output())


async def transfer(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: TransferRequest,
    *,
    base_url: str,
    timezone: str,
) -> TransferPacket:
    """Refused (403 ``consent-required``) unless a consent covers the recipient, the
    purpose and every category of the packet."""
    record = await export.gather(session, patient_id)
    consent = await authorize_disclosure(
        session,
        patient_id=patient_id,
        recipient=data.recipient,
        purpose=data.purpose.value,
        categories=CATEGORIES,
    )
    assert consent is not None  # no exception was claimed
    document = _document(record, principal.user_id, base_url)
    recipients = (await recipients_of(session, [consent.id]))[consent.id]
    pdf = render(record, consent_description(consent, recipients), timezone)
    artifact = json.dumps(document, sort_keys=True).encode() + pdf
    disclosure = await record_disclosure(
        session,
        actor,
        patient_id=patient_id,
        recipient=data.recipient,
        purpose=data.purpose.value,
        categories=CATEGORIES,
        consent=consent,
        exception=None,
        exception_detail="",
        disclosed_by=principal.user_id,
        artifact=artifact,
    )
    return TransferPacket(
        bundle=document,
        pdf_base64=base64.b64encode(pdf).decode(),
        disclosure_id=disclosure.id,
    )
