"""Pure mappings from our rows to FHIR R4 resources (JSON dicts).

Resource ids are our UUIDs. Appointments and Encounters are per client, so their id is
the session's and the client's UUIDs as 64 hex digits (a group session's Appointment never
names another member). Every resource carries our id as an ``identifier`` in the system
``urn:emr:<SOURCE_SYSTEM>:<kind>`` so an importer can be idempotent; every resource of a
client ever in a 42 CFR Part 2 program carries the Part 2 security labels.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.accounts.models import User
from backend.consent.models import Consent, ConsentRecipient
from backend.measures.instruments import INSTRUMENTS
from backend.measures.models import Assessment
from backend.medications.models import Prescription
from backend.notes.models import ProgressNote
from backend.patients.models import Allergy, Diagnosis, Patient
from backend.plans.models import ProgressPoint, TreatmentPlan
from backend.scheduling.models import Attendance, Group, Session
from shared.schemas.plans import Objective, ObjectiveStatus

Resource = dict[str, Any]

SOURCE_SYSTEM = "behavioral-health-emr"
MRN_SYSTEM = "urn:emr:mrn"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
INSTRUMENT_SYSTEM = f"urn:emr:{SOURCE_SYSTEM}:instrument"
OBJECTIVE_SYSTEM = f"urn:emr:{SOURCE_SYSTEM}:objective"
CATEGORY_SYSTEM = f"urn:emr:{SOURCE_SYSTEM}:data-category"
SERIES_EXTENSION = "https://emr.example.org/fhir/StructureDefinition/series"
PART2_POLICY = "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
PART2_LABELS = [
    {"system": ACT_CODE, "code": "42CFRPart2"},
    {"system": ACT_CODE, "code": "ETH"},
    {"system": f"{TERMINOLOGY}v3-Confidentiality", "code": "R"},
]
# LOINC codes for instrument totals; others use our own code system.
TOTAL_LOINC = {"phq9": ("44261-6", "PHQ-9 total score"), "gad7": ("70274-6", "GAD-7 total score")}
ATTENDED = frozenset({"present", "late", "left_early"})
_APPOINTMENT_STATUS = {"absent": "noshow", "excused": "cancelled"}
_ACHIEVEMENT = {
    ObjectiveStatus.MET: "achieved",
    ObjectiveStatus.NOT_MET: "not-achieved",
    ObjectiveStatus.ON_TRACK: "in-progress",
    ObjectiveStatus.AT_RISK: "in-progress",
}
_PURPOSE = {"treatment": "TREAT", "payment": "HPAYMT", "health_care_operations": "HOPERAT"}


@dataclass(frozen=True)
class Subject:
    """The client a resource belongs to, and whether Part 2 labels apply."""

    patient_id: uuid.UUID
    part2: bool


def identifier(kind: str, value: object) -> dict[str, str]:
    return {"system": f"urn:emr:{SOURCE_SYSTEM}:{kind}", "value": str(value)}


def ref(kind: str, value: object, display: str = "") -> dict[str, str]:
    return {"reference": f"{kind}/{value}"} | ({"display": display} if display else {})


def visit_id(session_id: uuid.UUID, patient_id: uuid.UUID) -> str:
    """The id of one client's Appointment / Encounter for a session."""
    return session_id.hex + patient_id.hex


def split_visit_id(value: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    try:
        return uuid.UUID(value[:32]), uuid.UUID(value[32:])
    except ValueError:
        return None


def _instant(value: datetime) -> str:
    return value.isoformat()


def _text(text: str, *codings: dict[str, str]) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if codings:
        concept["coding"] = list(codings)
    return concept


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    return {"system": system, "code": code} | ({"display": display} if display else {})


def _base(kind: str, value: object, subject: Subject | None, *, label: str = "") -> Resource:
    resource: Resource = {"resourceType": kind, "id": str(value)}
    if subject is not None and subject.part2:
        resource["meta"] = {"security": [dict(c) for c in PART2_LABELS]}
    if label:
        resource["identifier"] = [identifier(label, value)]
    return resource


def _patient_ref(subject: Subject) -> dict[str, str]:
    return ref("Patient", subject.patient_id)


def practitioner(user: User) -> Resource:
    resource = _base("Practitioner", user.id, None, label="user")
    resource["active"] = not user.disabled
    if user.full_name:
        resource["name"] = [{"text": user.full_name}]
    return resource


def patient(row: Patient, subject: Subject, mrn: str) -> Resource:
    resource = _base("Patient", row.id, subject, label="patient")
    resource["identifier"].insert(0, {"use": "usual", "system": MRN_SYSTEM, "value": mrn})
    given = [n for n in (row.given_name, row.middle_name) if n]
    names: list[dict[str, Any]] = [{"use": "official", "family": row.family_name, "given": given}]
    if row.preferred_name:
        names.append({"use": "usual", "given": [row.preferred_name]})
    gender = {"female": "female", "male": "male", "intersex": "other"}.get(row.sex_at_birth)
    telecom = [
        {
            "system": "phone",
            "value": p["number"],
            "use": "mobile" if p.get("kind") == "mobile" else "home",
        }
        for p in row.phones
        if p.get("number")
    ]
    if row.email:
        telecom.append({"system": "email", "value": row.email})
    resource |= {
        "active": row.status == "active",
        "name": names,
        "gender": gender or "unknown",
        "birthDate": row.birth_date.isoformat(),
    }
    if row.status == "deceased":
        resource["deceasedBoolean"] = True
    if telecom:
        resource["telecom"] = telecom
    address = {k: v for k, v in row.address.items() if v}
    if address:
        lines = [address[k] for k in ("line1", "line2") if k in address]
        resource["address"] = [
            {"line": lines}
            | {
                fhir: address[ours]
                for ours, fhir in (
                    ("city", "city"),
                    ("state", "state"),
                    ("postal_code", "postalCode"),
                    ("country", "country"),
                )
                if ours in address
            }
        ]
    return resource


def condition(row: Diagnosis, subject: Subject) -> Resource:
    resource = _base("Condition", row.id, subject, label="diagnosis")
    clinical = row.status if row.status in ("active", "resolved", "inactive") else "active"
    resource |= {
        "clinicalStatus": _text(clinical, _coding(f"{TERMINOLOGY}condition-clinical", clinical)),
        "verificationStatus": _text(
            "confirmed", _coding(f"{TERMINOLOGY}condition-ver-status", "confirmed")
        ),
        "category": [
            _text(
                "Problem list item",
                _coding(f"{TERMINOLOGY}condition-category", "problem-list-item"),
            )
        ],
        "code": _text(row.description, _coding(ICD10_SYSTEM, row.code, row.description)),
        "subject": _patient_ref(subject),
        "recordedDate": _instant(row.recorded_at),
    }
    if row.onset:
        resource["onsetDateTime"] = row.onset.isoformat()
    return resource


def allergy_intolerance(row: Allergy, subject: Subject) -> Resource:
    resource = _base("AllergyIntolerance", row.id, subject, label="allergy")
    resource |= {
        "clinicalStatus": _text(
            "active", _coding(f"{TERMINOLOGY}allergyintolerance-clinical", "active")
        ),
        "code": {"text": row.substance},
        "patient": _patient_ref(subject),
        "recordedDate": _instant(row.recorded_at),
        "criticality": {"severe": "high", "unknown": "unable-to-assess"}.get(row.severity, "low"),
    }
    if row.reaction:
        reaction: dict[str, Any] = {"manifestation": [{"text": row.reaction}]}
        if row.severity in ("mild", "moderate", "severe"):
            reaction["severity"] = row.severity
        resource["reaction"] = [reaction]
    return resource


def medication_request(row: Prescription, subject: Subject) -> Resource:
    resource = _base("MedicationRequest", row.id, subject, label="prescription")
    name = " ".join(p for p in (row.drug_name, row.strength, row.dose_form) if p)
    codings = [_coding(RXNORM, row.rxnorm, row.drug_name)] if row.rxnorm else []
    dosage: dict[str, Any] = {
        "text": f"{row.dose_amount:g} {row.dose_unit} {row.route} {row.frequency}",
        "timing": {"code": {"text": row.frequency}},
        "route": {"text": row.route},
        "doseAndRate": [{"doseQuantity": {"value": row.dose_amount, "unit": row.dose_unit}}],
    }
    if row.prn:
        dosage["asNeededCodeableConcept" if row.prn_indication else "asNeededBoolean"] = (
            {"text": row.prn_indication} if row.prn_indication else True
        )
    dispense: dict[str, Any] = {
        "quantity": {"value": row.quantity, "unit": row.quantity_unit},
        "numberOfRepeatsAllowed": row.refills,
        "validityPeriod": {"start": row.start_date.isoformat()},
    }
    if row.duration_days:
        dispense["expectedSupplyDuration"] = {
            "value": row.duration_days,
            "unit": "days",
            "system": "http://unitsofmeasure.org",
            "code": "d",
        }
    resource |= {
        "status": {"signed": "active", "discontinued": "stopped"}.get(row.status, "draft"),
        "intent": "order",
        "medicationCodeableConcept": _text(name, *codings),
        "subject": _patient_ref(subject),
        "authoredOn": _instant(row.signed_at or row.created_at),
        "requester": ref("Practitioner", row.prescriber_id),
        "dosageInstruction": [dosage],
        "dispenseRequest": dispense,
    }
    if row.discontinue_reason:
        resource["statusReason"] = {"text": row.discontinue_reason}
    return resource


def _instrument_code(key: str) -> dict[str, Any]:
    if key in TOTAL_LOINC:
        code, display = TOTAL_LOINC[key]
        return _text(display, _coding(LOINC, code, display))
    name = INSTRUMENTS[key].name if key in INSTRUMENTS else key
    return _text(f"{name} total score", _coding(INSTRUMENT_SYSTEM, key, f"{name} total score"))


def assessment_observation(row: Assessment, subject: Subject) -> Resource:
    resource = _base("Observation", row.id, subject, label="assessment")
    resource |= {
        "status": "final",
        "category": [_text("Survey", _coding(f"{TERMINOLOGY}observation-category", "survey"))],
        "code": _instrument_code(row.instrument),
        "subject": _patient_ref(subject),
        "effectiveDateTime": _instant(row.administered_at),
        "performer": [ref("Practitioner", row.administered_by)],
        "valueInteger": row.total,
        "interpretation": [{"text": row.severity}] if row.severity else [],
        "derivedFrom": [ref("QuestionnaireResponse", row.id)],
    }
    if not resource["interpretation"]:
        del resource["interpretation"]
    return resource


def progress_observation(
    row: ProgressPoint, objective: Objective | None, subject: Subject
) -> Resource:
    resource = _base("Observation", row.id, subject, label="progress-point")
    text = objective.text if objective else "Treatment plan objective"
    quantity: dict[str, Any] = {"value": row.value}
    if objective and objective.unit:
        quantity["unit"] = objective.unit
    resource |= {
        "status": "final",
        "category": [{"text": "Treatment plan progress"}],
        "code": _text(text, _coding(OBJECTIVE_SYSTEM, str(row.objective_id))),
        "subject": _patient_ref(subject),
        "focus": [ref("Goal", row.objective_id)],
        "effectiveDateTime": _instant(row.recorded_at),
        "valueQuantity": quantity,
        "method": {"text": row.source},
    }
    if row.recorded_by:
        resource["performer"] = [ref("Practitioner", row.recorded_by)]
    if row.note:
        resource["note"] = [{"text": row.note}]
    return resource


def questionnaire_response(row: Assessment, subject: Subject) -> Resource:
    resource = _base("QuestionnaireResponse", row.id, subject)
    resource["identifier"] = identifier("assessment", row.id)
    instrument = INSTRUMENTS.get(row.instrument)
    items = []
    for index, answer in enumerate(row.answers):
        item: dict[str, Any] = {"linkId": str(index + 1), "answer": [{"valueInteger": answer}]}
        if instrument and index < len(instrument.items):
            item["text"] = instrument.items[index]
        items.append(item)
    resource |= {
        "questionnaire": f"urn:emr:{SOURCE_SYSTEM}:questionnaire:{row.instrument}",
        "status": "completed",
        "subject": _patient_ref(subject),
        "authored": _instant(row.administered_at),
        "author": ref("Practitioner", row.administered_by),
        "source": _patient_ref(subject)
        if row.via == "client_tablet"
        else ref("Practitioner", row.administered_by),
        "item": items,
    }
    return resource


def goal(
    objective: Objective,
    subject: Subject,
    *,
    addresses: list[uuid.UUID],
    achievement: ObjectiveStatus | None,
) -> Resource:
    resource = _base("Goal", objective.id, subject, label="objective")
    if objective.instrument:
        measure = _instrument_code(objective.instrument)
    else:
        measure = _text(objective.text, _coding(OBJECTIVE_SYSTEM, str(objective.id)))
    quantity: dict[str, Any] = {"value": objective.target}
    if objective.unit:
        quantity["unit"] = objective.unit
    resource |= {
        "lifecycleStatus": {"met": "completed", "discontinued": "cancelled"}.get(
            objective.status, "active"
        ),
        "description": {"text": objective.text},
        "subject": _patient_ref(subject),
        "target": [
            {
                "measure": measure,
                "detailQuantity": quantity,
                "dueDate": objective.target_date.isoformat(),
            }
        ],
        "note": [
            {"text": f"Baseline {objective.baseline:g}; direction: {objective.direction.value}."}
        ],
    }
    if achievement is not None and achievement != ObjectiveStatus.NO_DATA:
        resource["achievementStatus"] = _text(
            achievement.value,
            _coding(f"{TERMINOLOGY}goal-achievement", _ACHIEVEMENT[achievement]),
        )
    if addresses:
        resource["addresses"] = [ref("Condition", d) for d in addresses]
    return resource


def care_plan(
    row: TreatmentPlan, objectives: list[Objective], subject: Subject, addresses: list[uuid.UUID]
) -> Resource:
    resource = _base("CarePlan", row.id, subject, label="treatment-plan")
    activities = [
        {
            "detail": {
                "code": {"text": intervention.modality.value},
                "status": "in-progress" if row.status == "active" else "stopped",
                "description": intervention.description or intervention.modality.value,
                "goal": [ref("Goal", objective.id)],
                "scheduledString": intervention.frequency,
            }
            | (
                {"performer": [ref("Practitioner", intervention.responsible_id)]}
                if intervention.responsible_id
                else {}
            )
        }
        for objective in objectives
        for intervention in objective.interventions
    ]
    period: dict[str, str] = {}
    if row.activated_at:
        period["start"] = _instant(row.activated_at)
    if row.superseded_at:
        period["end"] = _instant(row.superseded_at)
    resource |= {
        "status": "active" if row.status == "active" else "revoked",
        "intent": "plan",
        "title": f"Treatment plan, version {row.number}",
        "subject": _patient_ref(subject),
        "created": _instant(row.created_at),
        "goal": [ref("Goal", o.id) for o in objectives],
    }
    if period:
        resource["period"] = period
    if activities:
        resource["activity"] = activities
    if row.clinician_signed_by:
        resource["author"] = ref("Practitioner", row.clinician_signed_by)
    if row.previous_id:
        resource["replaces"] = [ref("CarePlan", row.previous_id)]
    if addresses:
        resource["addresses"] = [ref("Condition", d) for d in addresses]
    return resource


def _agent(kind: str, who: dict[str, str]) -> dict[str, Any]:
    return {
        "type": _text(kind, _coding(f"{TERMINOLOGY}provenance-participant-type", kind)),
        "who": who,
    }


def plan_provenance(row: TreatmentPlan, subject: Subject) -> Resource:
    """Who signed (and approved) the plan version, and when it became active."""
    resource = _base("Provenance", row.id, subject)
    agents = []
    if row.clinician_signed_by:
        agents.append(_agent("author", ref("Practitioner", row.clinician_signed_by)))
    if row.client_signed_at:
        agents.append(_agent("attester", _patient_ref(subject)))
    if row.approved_by:
        agents.append(_agent("verifier", ref("Practitioner", row.approved_by)))
    recorded = row.activated_at or row.clinician_signed_at or row.created_at
    resource |= {
        "target": [ref("CarePlan", row.id)],
        "recorded": _instant(recorded),
        "activity": _text("Plan activation"),
        "agent": agents,
    }
    return resource


def note_provenance(row: ProgressNote, subject: Subject) -> Resource:
    """A signed progress note; the note itself is not served over FHIR, so the target is
    a logical reference by our identifier."""
    resource = _base("Provenance", row.id, subject)
    assert row.signed_by is not None and row.signed_at is not None
    agents = [_agent("author", ref("Practitioner", row.signed_by))]
    if row.cosigned_by:
        agents.append(_agent("verifier", ref("Practitioner", row.cosigned_by)))
    resource |= {
        "target": [
            {
                "type": "DocumentReference",
                "identifier": identifier("progress-note", row.id),
                "display": f"Progress note ({row.format.upper()})",
            }
        ],
        "occurredDateTime": _instant(row.service_start),
        "recorded": _instant(row.signed_at),
        "activity": _text("Note signature"),
        "agent": agents,
    }
    return resource


def consent(row: Consent, recipients: list[ConsentRecipient], subject: Subject) -> Resource:
    resource = _base("Consent", row.id, subject, label="consent")
    purposes = [
        _coding(f"{TERMINOLOGY}v3-ActReason", _PURPOSE[p]) for p in row.purposes if p in _PURPOSE
    ]
    provision: dict[str, Any] = {
        "type": "permit",
        "actor": [
            {
                "role": _text("recipient", _coding(f"{TERMINOLOGY}v3-ParticipationType", "IRCP")),
                "reference": {"display": r.name},
            }
            for r in recipients
            if r.revoked_at is None
        ],
        "class": [_coding(CATEGORY_SYSTEM, c) for c in row.categories],
    }
    if purposes:
        provision["purpose"] = purposes
    if row.expires_on:
        provision["period"] = {"end": row.expires_on.isoformat()}
    for key in ("actor", "class"):
        if not provision[key]:
            del provision[key]
    resource |= {
        "status": "active" if row.status == "active" else "inactive",
        "scope": _text("Privacy consent", _coding(f"{TERMINOLOGY}consentscope", "patient-privacy")),
        "category": [_text("Consent document", _coding(LOINC, "59284-0"))],
        "patient": _patient_ref(subject),
        "dateTime": row.signed_on.isoformat(),
        "performer": [{"display": row.signed_by}],
        "organization": [{"display": row.discloser}],
        "policy": [{"uri": PART2_POLICY}],
        "provision": provision,
    }
    return resource


def appointment(
    session: Session, group: Group, attendance: Attendance | None, subject: Subject
) -> Resource:
    """One client's place in a session: only they and the facilitators are participants."""
    key = visit_id(session.id, subject.patient_id)
    resource = _base("Appointment", key, subject, label="appointment")
    if session.status == "cancelled":
        status = "cancelled"
    elif attendance is not None:
        status = _APPOINTMENT_STATUS.get(attendance.status, "fulfilled")
    else:
        status = "booked"
    participants: list[dict[str, Any]] = [
        {
            "actor": _patient_ref(subject),
            "status": "declined" if status in ("noshow", "cancelled") else "accepted",
        }
    ]
    participants += [
        {"actor": ref("Practitioner", f), "status": "accepted"} for f in session.facilitator_ids
    ]
    resource |= {
        "status": status,
        "description": group.name,
        "serviceType": [{"text": group.name}],
        "start": _instant(session.starts_at),
        "end": _instant(session.ends_at),
        "minutesDuration": int((session.ends_at - session.starts_at).total_seconds() // 60),
        "participant": participants,
    }
    if session.series_id:
        resource["extension"] = [
            {"url": SERIES_EXTENSION, "valueIdentifier": identifier("series", session.series_id)}
        ]
    if attendance is not None:
        resource["comment"] = f"Attendance: {attendance.status}"
    return resource


def encounter(session: Session, group: Group, attendance: Attendance, subject: Subject) -> Resource:
    key = visit_id(session.id, subject.patient_id)
    resource = _base("Encounter", key, subject, label="encounter")
    resource |= {
        "status": "finished",
        "class": _coding(ACT_CODE, "AMB", "ambulatory"),
        "type": [{"text": group.name}],
        "subject": _patient_ref(subject),
        "participant": [{"individual": ref("Practitioner", f)} for f in session.facilitator_ids],
        "appointment": [ref("Appointment", key)],
        "period": {"start": _instant(session.starts_at), "end": _instant(session.ends_at)},
        "extension": [
            {"url": f"urn:emr:{SOURCE_SYSTEM}:attendance", "valueCode": attendance.status}
        ],
    }
    if attendance.minutes is not None:
        resource["length"] = {
            "value": attendance.minutes,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        }
    return resource


def group(row: Group, member_ids: list[uuid.UUID]) -> Resource:
    """A therapy group's roster: reveals who attends, so only its facilitators and
    supervisors may read it; never part of a client's export."""
    resource = _base("Group", row.id, None, label="group")
    resource |= {
        "type": "person",
        "actual": True,
        "name": row.name,
        "quantity": len(member_ids),
        "member": [{"entity": ref("Patient", m)} for m in member_ids],
    }
    if row.facilitator_ids:
        resource["managingEntity"] = ref("Practitioner", row.facilitator_ids[0])
    return resource


def bundle(
    kind: str, resources: list[Resource], base_url: str, *, when: datetime, part2: bool = False
) -> Resource:
    result: Resource = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": kind,
        "timestamp": _instant(when),
    }
    if part2:
        result["meta"] = {"security": [dict(c) for c in PART2_LABELS]}
    if kind == "searchset":
        result["total"] = len(resources)
    result["entry"] = [
        {"fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}", "resource": r}
        | ({"search": {"mode": "match"}} if kind == "searchset" else {})
        for r in resources
    ]
    return result


def capability_statement(search_params: dict[str, tuple[str, ...]], when: datetime) -> Resource:
    """What this server answers: read and search-type for each type, JSON only."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": _instant(when),
        "kind": "instance",
        "software": {"name": "Behavioral-health EMR"},
        "implementation": {"description": "FHIR R4 read and search, under /api/fhir"},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer token from /api/v1/auth/token; compartment "
                    "resources need a treatment relationship with the client."
                },
                "resource": [
                    {
                        "type": kind,
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": name, "type": _PARAM_TYPES[name]} for name in params
                        ],
                    }
                    for kind, params in search_params.items()
                ],
            }
        ],
    }


_PARAM_TYPES = {"_id": "token", "identifier": "token", "patient": "reference"}
