"""FHIR read and search: find whose record a resource is, check chart access, audit the
read with the patient's id, and answer from the client's :class:`ClientRecord`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.accounts.models import User
from backend.audit.service import Actor, Event, record, record_many
from backend.consent.models import Consent
from backend.db.base import utcnow
from backend.interop import export, fhir
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.measures.models import Assessment
from backend.medications.models import Prescription
from backend.notes.models import ProgressNote
from backend.patients.models import Allergy, Diagnosis, Patient
from backend.patients.rules import mrn_number
from backend.patients.service import require_chart_access
from backend.plans.models import ProgressPoint, TreatmentPlan
from backend.scheduling.models import Attendance, Enrollment, Group
from shared.enums import Role

# Tables a compartment resource's id may come from, tried in order.
_SOURCES: dict[str, tuple[Any, ...]] = {
    "Patient": (Patient,),
    "Condition": (Diagnosis,),
    "AllergyIntolerance": (Allergy,),
    "MedicationRequest": (Prescription,),
    "CarePlan": (TreatmentPlan,),
    "Observation": (Assessment, ProgressPoint),
    "QuestionnaireResponse": (Assessment,),
    "Consent": (Consent,),
    "Provenance": (TreatmentPlan, ProgressNote),
}
_GOAL_OWNER = text(
    "SELECT patient_id FROM treatment_plan WHERE status IN ('active', 'superseded') AND "
    "jsonb_path_exists(content, '$.problems[*].goals[*].objectives[*] ? (@.id == $id)', "
    "jsonb_build_object('id', CAST(:id AS text))) LIMIT 1"
)
SEARCH_PARAMS: dict[str, tuple[str, ...]] = {
    kind: ("_id", "patient") for kind in export.COMPARTMENT if kind != "Patient"
} | {"Patient": ("_id", "identifier"), "Practitioner": ("_id",), "Group": ("_id",)}
TYPES = tuple(SEARCH_PARAMS)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def _owner(session: AsyncSession, kind: str, resource_id: str) -> uuid.UUID | None:
    """The patient whose record holds ``kind/resource_id``, if any."""
    if kind in ("Appointment", "Encounter"):
        visit = fhir.split_visit_id(resource_id)
        if visit is None or await session.get(Attendance, visit) is None:
            return None
        return visit[1]
    key = _uuid(resource_id)
    if key is None:
        return None
    if kind == "Goal":
        row = (await session.execute(_GOAL_OWNER, {"id": str(key)})).first()
        return row[0] if row else None
    for model in _SOURCES[kind]:
        found: Any = await session.get(model, key)
        if found is not None:
            return key if model is Patient else found.patient_id
    return None


def _not_found(kind: str, resource_id: str) -> Problem:
    return Problem(404, f"No {kind}/{resource_id}.")


def _require_type(kind: str) -> None:
    if kind not in TYPES:
        raise Problem(404, f"This server serves no {kind} resources: see /api/fhir/metadata.")


async def _client_resources(
    session: AsyncSession, actor: Actor, principal: Principal, kind: str, patient_id: uuid.UUID
) -> list[fhir.Resource]:
    await require_chart_access(session, principal, patient_id, demographics=kind == "Patient")
    client = await export.gather(session, patient_id)
    found = export.resources(client, kind, date.today())
    await record(
        session,
        actor,
        "read",
        f"fhir_{kind.lower()}",
        patient_id=patient_id,
        detail=read_detail(principal, resources=len(found)),
    )
    return found


async def _group(
    session: AsyncSession, actor: Actor, principal: Principal, group_id: uuid.UUID
) -> fhir.Resource | None:
    """A roster reveals who attends: only the group's facilitators and supervisors."""
    row = await session.get(Group, group_id)
    if row is None:
        return None
    if Role.SUPERVISOR not in principal.roles and principal.user_id not in row.facilitator_ids:
        raise Problem(403, "Only this group's facilitators and supervisors see its roster.")
    today = date.today()
    members = await session.exec(
        select(Enrollment.patient_id)
        .where(Enrollment.group_id == group_id, Enrollment.status == "enrolled")
        .where(col(Enrollment.from_date) <= today)
        .where(func.coalesce(Enrollment.to_date, today) >= today)
        .distinct()
    )
    member_ids = sorted(members.all())
    detail = read_detail(principal)
    events = [Event("read", "fhir_group", group_id, m, detail=detail) for m in member_ids]
    await record_many(session, actor, events or [Event("read", "fhir_group", group_id)])
    return fhir.group(row, member_ids)


async def read(
    session: AsyncSession, actor: Actor, principal: Principal, kind: str, resource_id: str
) -> fhir.Resource:
    _require_type(kind)
    key = _uuid(resource_id)
    if kind == "Practitioner" and key is not None:
        user = await session.get(User, key)
        if user is not None:
            await record(session, actor, "read", "fhir_practitioner", entity_id=key)
            return fhir.practitioner(user)
    if kind == "Group" and key is not None:
        roster = await _group(session, actor, principal, key)
        if roster is not None:
            return roster
    if kind in ("Practitioner", "Group"):
        raise _not_found(kind, resource_id)
    patient_id = await _owner(session, kind, resource_id)
    if patient_id is None:
        raise _not_found(kind, resource_id)
    found = await _client_resources(session, actor, principal, kind, patient_id)
    match = next((r for r in found if r["id"] == resource_id), None)
    if match is None:  # e.g. a draft plan, an unsigned note, an absence (no Encounter)
        raise _not_found(kind, resource_id)
    return match


async def _patient_by_identifier(session: AsyncSession, value: str) -> uuid.UUID | None:
    system, _, code = value.rpartition("|")
    if system not in ("", fhir.MRN_SYSTEM) or not code.upper().startswith("MRN"):
        return None
    number = mrn_number(code[3:])
    if number is None:
        return None
    rows = await session.exec(select(Patient.id).where(Patient.mrn_number == number))
    return rows.first()


async def search(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    kind: str,
    params: Mapping[str, str],
    base_url: str,
) -> fhir.Resource:
    """A searchset Bundle. Parameters this server does not know are refused (400) rather
    than ignored, so a typo never widens a search."""
    _require_type(kind)
    unknown = sorted(set(params) - set(SEARCH_PARAMS[kind]))
    if unknown:
        allowed = ", ".join(SEARCH_PARAMS[kind])
        raise Problem(400, f"Unsupported search parameter {unknown[0]} for {kind}: use {allowed}.")
    found: list[fhir.Resource] = []
    if "_id" in params:
        try:
            found = [await read(session, actor, principal, kind, params["_id"])]
        except Problem as error:
            if error.status_code != 404:
                raise
    elif kind == "Patient" and "identifier" in params:
        patient_id = await _patient_by_identifier(session, params["identifier"])
        if patient_id is not None:
            found = await _client_resources(session, actor, principal, kind, patient_id)
    elif "patient" in params:
        reference = params["patient"].removeprefix("Patient/")
        patient_id = _uuid(reference)
        if patient_id is None or await session.get(Patient, patient_id) is None:
            raise Problem(404, f"No Patient/{reference}.")
        found = await _client_resources(session, actor, principal, kind, patient_id)
    else:
        needed = " or ".join(SEARCH_PARAMS[kind])
        raise Problem(400, f"Searching {kind} needs {needed}.")
    return fhir.bundle("searchset", found, base_url, when=utcnow())
