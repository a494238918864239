"""A FHIR R4 Bundle read into import records, as plain JSON.

Plain dictionaries rather than ``fhir.resources`` models: one malformed element should
be one row of the report (``row`` is the entry's 1-based position), not a refusal of
the whole Bundle. Optional elements may be missing; resource types the chart does not
hold (Practitioner, Organization, …) are skipped. Goals are read through the CarePlan
that names them, and Encounters that point at an Appointment share its session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from backend.interop.importer import ImportSet, MedicationImport, Record, SessionImport
from shared.schemas.patients import AllergyCreate, DiagnosisCreate, PatientCreate
from shared.schemas.plans import Modality, PlanContent
from shared.schemas.scheduling import AttendanceWrite

FILE = "bundle"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
MRN_SYSTEM = "urn:emr:mrn"
TIMEZONE = "http://hl7.org/fhir/StructureDefinition/timezone"
BIRTH_SEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
Json = dict[str, Any]


def _text(concept: Json | None) -> str:
    concept = concept or {}
    codings = concept.get("coding") or [{}]
    return str(concept.get("text") or codings[0].get("display") or codings[0].get("code") or "")


def _code(concept: Json | None, system: str) -> str | None:
    return next(
        (c.get("code") for c in (concept or {}).get("coding", []) if c.get("system") == system),
        None,
    )


def _extension(resource: Json, suffix: str) -> Any:
    """The value of the first extension whose URL ends with ``suffix``."""
    for ext in resource.get("extension", []):
        if str(ext.get("url", "")).endswith(suffix):
            return next((v for k, v in ext.items() if k.startswith("value")), None)
    return None


def _source_id(resource: Json, kind: str) -> str:
    """Our exporter's ``urn:emr:<source>:<kind>`` identifier, else the resource id."""
    for identifier in resource.get("identifier", []):
        system = str(identifier.get("system", ""))
        if system.startswith("urn:emr:") and system.endswith(f":{kind}"):
            return str(identifier.get("value", ""))
    return str(resource.get("id", ""))


class Bundle:
    def __init__(self, bundle: Json) -> None:
        self.entries = [
            (n, e.get("resource") or {}) for n, e in enumerate(bundle.get("entry", []), 1)
        ]
        self.by_ref: dict[str, Json] = {}
        for (_, resource), entry in zip(self.entries, bundle.get("entry", []), strict=True):
            if entry.get("fullUrl"):
                self.by_ref[entry["fullUrl"]] = resource
            self.by_ref[f"{resource.get('resourceType')}/{resource.get('id')}"] = resource

    def of(self, kind: str) -> Iterator[tuple[int, Json]]:
        return ((n, r) for n, r in self.entries if r.get("resourceType") == kind)

    def target(self, reference: Json | None) -> Json:
        return self.by_ref.get(str((reference or {}).get("reference", "")), {})

    def patient(self, reference: Json | None) -> str:
        """The source id of the patient a reference names (its id if not in the Bundle)."""
        found = self.target(reference)
        if found:
            return _source_id(found, "patient")
        return str((reference or {}).get("reference", "")).rsplit("/", 1)[-1]


def _patient(resource: Json) -> Json:
    names = resource.get("name") or [{}]
    name = next((n for n in names if n.get("use") == "official"), names[0])
    given = name.get("given") or [""]
    telecom = resource.get("telecom", [])
    address = (resource.get("address") or [{}])[0]
    birth_sex = {"F": "female", "M": "male", "UNK": "unknown"}.get(
        str(_extension(resource, BIRTH_SEX))
    )
    return {
        "given_name": given[0],
        "middle_name": " ".join(given[1:]),
        "family_name": name.get("family", ""),
        "birth_date": resource.get("birthDate"),
        "sex_at_birth": birth_sex or resource.get("gender", "unknown").replace("other", "unknown"),
        "phones": [{"number": t["value"]} for t in telecom if t.get("system") == "phone"][:5],
        "email": next((t["value"] for t in telecom if t.get("system") == "email"), ""),
        "address": {
            "line1": " ".join(address.get("line", [])),
            "city": address.get("city", ""),
            "state": address.get("state", ""),
            "postal_code": address.get("postalCode", ""),
            "country": address.get("country", ""),
        },
        "external_ids": [
            {"system": i["system"], "value": i["value"]}
            for i in resource.get("identifier", [])
            if i.get("system") not in (None, MRN_SYSTEM) and i.get("value")
            if len(i["system"]) <= 60
        ],
        "allow_duplicate": False,
    }


def _condition(resource: Json) -> Json:
    onset = resource.get("onsetDateTime") or resource.get("onsetDate")
    return {
        "code": _code(resource.get("code"), ICD10) or _text(resource.get("code")),
        "description": _text(resource.get("code"))[:250],
        "onset": onset[:10] if onset else None,
    }


def _allergy(resource: Json) -> Json:
    reaction = (resource.get("reaction") or [{}])[0]
    return {
        "substance": _text(resource.get("code")),
        "reaction": _text((reaction.get("manifestation") or [{}])[0])[:200],
        "severity": reaction.get("severity", "unknown"),
    }


def _medication(resource: Json) -> Json:
    concept = resource.get("medicationCodeableConcept") or resource.get("medication", {}).get(
        "concept"
    )
    period = resource.get("dispenseRequest", {}).get("validityPeriod", {})
    start = period.get("start") or resource.get("authoredOn")
    return {
        "name": _text(concept),
        "rxnorm": _code(concept, RXNORM),
        "source": "client_reported" if resource.get("reportedBoolean") else "other_prescriber",
        "start_date": start[:10] if start else None,
        "stop_date": period["end"][:10] if period.get("end") else None,
    }


class _Reader:
    def __init__(self, bundle: Bundle) -> None:
        self.bundle, self.found = bundle, ImportSet()

    def add(
        self,
        entity: str,
        row: tuple[int, Json],
        schema: type[BaseModel],
        values: Json,
        source_id: str,
        refs: dict[str, str] | None = None,
    ) -> None:
        number, resource = row
        try:
            data = schema.model_validate(values)
        except ValidationError as error:
            kind = resource.get("resourceType", "")
            problems = [
                (f"{kind}.{'.'.join(map(str, e['loc']))}", e["msg"]) for e in error.errors()
            ]
            self.found.reject_row(entity, FILE, number, problems)
            return
        self.found.add(Record(entity, source_id, data, FILE, number, refs or {}))

    def read(self) -> ImportSet:
        b = self.bundle
        for row in b.of("Patient"):
            self.add("patient", row, PatientCreate, _patient(row[1]), _source_id(row[1], "patient"))
        simple: list[tuple[str, str, type[BaseModel], Callable[[Json], Json], str]] = [
            ("Condition", "diagnosis", DiagnosisCreate, _condition, "subject"),
            ("AllergyIntolerance", "allergy", AllergyCreate, _allergy, "patient"),
            ("MedicationRequest", "medication", MedicationImport, _medication, "subject"),
        ]
        for kind, entity, schema, values, subject in simple:
            for row in b.of(kind):
                refs = {"patient": b.patient(row[1].get(subject))}
                self.add(entity, row, schema, values(row[1]), _source_id(row[1], entity), refs)
        for row in b.of("Appointment"):
            self.session(row, row[1])
        for row in b.of("Encounter"):
            self.encounter(row)
        for row in b.of("CarePlan"):
            self.plan(row)
        return self.found

    def session(self, row: tuple[int, Json], resource: Json) -> str:
        source_id = _source_id(resource, "session")
        start, end = resource.get("start"), resource.get("end")
        period = resource.get("period", {})
        start, end = start or period.get("start"), end or period.get("end")
        minutes = resource.get("minutesDuration") or (
            int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() // 60)
            if start and end
            else None
        )
        group = resource.get("serviceType") or resource.get("type") or {}
        group = group[0] if isinstance(group, list) else group
        group = group.get("concept", group)  # R5 CodeableReference
        values = {
            "group_name": _text(group) or resource.get("description") or "Imported sessions",
            "starts_at": start,
            "duration_minutes": minutes,
            "timezone": _extension(resource, TIMEZONE) or "UTC",
            "status": "cancelled" if resource.get("status") == "cancelled" else "scheduled",
        }
        self.add("session", row, SessionImport, values, source_id)
        return source_id

    def encounter(self, row: tuple[int, Json]) -> None:
        resource = row[1]
        appointment = self.bundle.target((resource.get("appointment") or [None])[0])
        if appointment:
            session_id = _source_id(appointment, "session")
        else:
            session_id = self.session(row, resource)
        status = _extension(resource, "attendance") or {
            "cancelled": "absent",
            "finished": "present",
        }.get(resource.get("status", ""), "present")
        length = resource.get("length") or {}
        values = {"status": status, "minutes": length.get("value")}
        patient = self.bundle.patient(resource.get("subject"))
        refs = {"session": session_id, "patient": patient}
        self.add("attendance", row, AttendanceWrite, values, f"{session_id}:{patient}", refs)

    def plan(self, row: tuple[int, Json]) -> None:
        resource = row[1]
        interventions = [_intervention(a.get("detail", {})) for a in resource.get("activity", [])]
        fallback = resource.get("title") or resource.get("description") or "Imported problem"
        problems: dict[str, Json] = {}
        for reference in resource.get("goal", []):
            goal = self.bundle.target(reference)
            condition = self.bundle.target((goal.get("addresses") or [None])[0])
            description = _text(condition.get("code")) or fallback
            problem = problems.setdefault(
                description,
                {
                    "description": description,
                    "icd10": _code(condition.get("code"), ICD10),
                    "goals": [],
                },
            )
            problem["goals"].append(_goal(goal, interventions))
        values = {"problems": list(problems.values())}
        refs = {"patient": self.bundle.patient(resource.get("subject"))}
        self.add("plan", row, PlanContent, values, _source_id(resource, "plan"), refs)


def _intervention(detail: Json) -> Json:
    name = _text(detail.get("code"))
    modality = next((m.value for m in Modality if m.value.lower() == name.lower()), "other")
    return {
        "modality": modality,
        "description": (detail.get("description") or name)[:500],
        "frequency": detail.get("scheduledString") or "as planned",
    }


def _goal(goal: Json, interventions: list[Json]) -> Json:
    """Each target of a Goal is one objective; baseline, kind, direction and instrument
    come from extensions named by their last URL segment."""
    text = _text(goal.get("description"))
    objectives = []
    for target in goal.get("target", []):
        value = (target.get("detailQuantity") or {}).get("value", target.get("detailInteger"))
        baseline = _extension(target, "baseline")
        if isinstance(baseline, dict):
            baseline = baseline.get("value")
        direction = _extension(target, "direction") or (
            "decrease"
            if baseline is not None and value is not None and value < baseline
            else "increase"
        )
        objectives.append(
            {
                "text": _text(target.get("measure")) or text,
                "kind": _extension(target, "kind") or "count",
                "instrument": _extension(target, "instrument"),
                "baseline": baseline,
                "target": value,
                "direction": direction,
                "target_date": target.get("dueDate"),
                "interventions": interventions,
            }
        )
    return {"text": text, "objectives": objectives}


def read_bundle(bundle: Json) -> ImportSet:
    if bundle.get("resourceType") != "Bundle":
        found = ImportSet()
        found.refuse(FILE, 0, "resourceType", "not a FHIR Bundle")
        return found
    return _Reader(Bundle(bundle)).read()
