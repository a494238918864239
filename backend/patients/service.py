"""Registering, finding, reading and updating charts. Every read and write is audited
with the patient's id; search results are audited as reads of each patient listed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import access
from backend.audit.service import Actor, Event, record, record_many
from backend.db.base import utcnow
from backend.db.driver import driver
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.patients import rules
from backend.patients.models import CareTeamMember, Patient
from shared.enums import CareTeamRole, Role
from shared.rules import phone_digits
from shared.schemas.patients import (
    PatientCreate,
    PatientListItem,
    PatientPage,
    PatientRead,
    PatientUpdate,
)

FRONT_DESK = frozenset({Role.COORDINATOR})


def mrn(patient: Patient) -> str:
    return f"MRN{patient.mrn_number}"


def patient_read(patient: Patient) -> PatientRead:
    return PatientRead.model_validate(
        patient.model_dump() | {"mrn": mrn(patient)}, from_attributes=False
    )


def _refresh_keys(patient: Patient) -> None:
    patient.search_name = rules.search_name(
        patient.given_name, patient.family_name, patient.preferred_name, patient.middle_name
    )
    patient.phone_digits = rules.phone_key([p["number"] for p in patient.phones])


# It guards every chart read: a prepared statement on the session's connection.
_ON_CARE_TEAM = (
    "SELECT 1 FROM care_team_member WHERE user_id = $1::uuid AND patient_id = $2::uuid LIMIT 1"
)


async def on_care_team(session: AsyncSession, user_id: uuid.UUID, patient_id: uuid.UUID) -> bool:
    return await (await driver(session)).fetchval(_ON_CARE_TEAM, user_id, patient_id) is not None


access.RELATIONSHIPS.append(on_care_team)


async def possible_duplicates(session: AsyncSession, data: PatientCreate) -> list[Patient]:
    """Same birth date and the same or a close name."""
    key = rules.search_name(data.given_name, data.family_name)
    result = await session.exec(
        select(Patient)
        .where(Patient.birth_date == data.birth_date)
        .where(
            text("(search_name = :key OR similarity(search_name, :key) >= :threshold)").bindparams(
                key=key, threshold=rules.DUPLICATE_SIMILARITY
            )
        )
    )
    return list(result.all())


async def register(
    session: AsyncSession, actor: Actor, principal: Principal, data: PatientCreate
) -> Patient:
    """Create the chart; a registering clinician joins the care team."""
    if not data.allow_duplicate:
        duplicates = await possible_duplicates(session, data)
        if duplicates:
            raise Problem(
                409,
                "A patient with this birth date and a similar name exists. Open that chart, "
                "or register anyway with allow_duplicate: true.",
                slug="possible-duplicate",
                candidates=[
                    {
                        "id": str(p.id),
                        "mrn": mrn(p),
                        "given_name": p.given_name,
                        "family_name": p.family_name,
                        "birth_date": p.birth_date.isoformat(),
                    }
                    for p in duplicates
                ],
            )
    patient = Patient(**data.model_dump(mode="json", exclude={"allow_duplicate"}))
    patient.birth_date = data.birth_date
    _refresh_keys(patient)
    session.add(patient)
    await session.flush()
    await session.refresh(patient)
    if principal.roles & access.CLINICAL_ROLES:
        session.add(
            CareTeamMember(
                patient_id=patient.id,
                user_id=principal.user_id,
                role=CareTeamRole.PRIMARY_CLINICIAN.value,
            )
        )
    await record(
        session,
        actor,
        "create",
        "patient",
        entity_id=patient.id,
        patient_id=patient.id,
        detail={"duplicate_override": data.allow_duplicate},
    )
    return patient


async def require_chart_access(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID, *, demographics: bool
) -> None:
    """Coordinators see demographics (to schedule and register); clinical content needs a
    treatment relationship or break-the-glass."""
    if demographics and principal.roles & FRONT_DESK:
        return
    await access.require_patient_access(session, principal, patient_id)


async def get(session: AsyncSession, patient_id: uuid.UUID) -> Patient:
    patient = await session.get(Patient, patient_id)
    if patient is None:
        raise Problem(404, f"No patient {patient_id}.")
    return patient


async def read(
    session: AsyncSession, actor: Actor, principal: Principal, patient: Patient
) -> Patient:
    await record(
        session,
        actor,
        "read",
        "patient",
        entity_id=patient.id,
        patient_id=patient.id,
        detail=access.read_detail(principal),
    )
    return patient


async def update(
    session: AsyncSession, actor: Actor, patient: Patient, data: PatientUpdate
) -> Patient:
    changes = data.model_dump(mode="json", exclude_unset=True)
    if "birth_date" in changes and data.birth_date is not None:
        changes["birth_date"] = data.birth_date
    for field, value in changes.items():
        if value is None and field not in ("email",):
            raise Problem(
                422,
                f"{field} cannot be empty.",
                errors=[{"field": field, "message": "cannot be null"}],
            )
        setattr(patient, field, value)
    _refresh_keys(patient)
    patient.version += 1
    patient.updated_at = utcnow()
    session.add(patient)
    await session.flush()
    await record(
        session,
        actor,
        "update",
        "patient",
        entity_id=patient.id,
        patient_id=patient.id,
        detail={"fields": sorted(changes)},
    )
    return patient


# The name filter uses only operators the trigram GIN index answers (%, <%, LIKE), so a
# search is a bitmap OR of index scans instead of scoring every client; without a name
# the filter is left out entirely (an "OR :q = ''" would defeat the index).
_NAME_FILTER = """search_name % :q OR :q <% search_name OR search_name LIKE :pattern"""
_SEARCH_SQL = """
WITH hits AS (
    SELECT id, mrn_number, given_name, family_name, preferred_name, birth_date, status,
           (position(:q in search_name) > 0) AS exact,
           CASE WHEN :q = '' THEN 1.0 ELSE similarity(search_name, :q) END AS score
    FROM patient
    WHERE ({names})
      AND (CAST(:mrn AS integer) IS NULL OR mrn_number = :mrn)
      AND (CAST(:birth_date AS date) IS NULL OR birth_date = :birth_date)
      AND (:phone = '' OR position(:phone in phone_digits) > 0)
)
SELECT * FROM hits
WHERE CAST(:after_id AS uuid) IS NULL
   OR (exact::int, score, id) < (CAST(:after_exact AS int), CAST(:after_score AS real), :after_id)
ORDER BY exact DESC, score DESC, id DESC
LIMIT :limit
"""
_BY_NAME = text(_SEARCH_SQL.format(names=_NAME_FILTER))
_ANY_NAME = text(_SEARCH_SQL.format(names="true"))
# For this transaction only: the thresholds of % and <%, and no sequential scan. The
# planner prices scoring every row of a few thousand clients below three trigram index
# scans, but at 5,000 clients the scan is ~6x slower (docs/performance.md).
_THRESHOLDS = text(
    "SELECT set_config('pg_trgm.similarity_threshold', '0.2', true),"
    " set_config('pg_trgm.word_similarity_threshold', '0.5', true),"
    " set_config('enable_seqscan', 'off', true)"
)


def _like_pattern(folded: str) -> str:
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _mrn_number(value: str | None) -> int | None:
    if not value:
        return None
    number = rules.mrn_number(value.strip().upper().removeprefix("MRN"))
    if number is None:
        raise Problem(
            422, "An MRN looks like MRN100001.", errors=[{"field": "mrn", "message": "not an MRN"}]
        )
    return number


async def search(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    *,
    q: str = "",
    mrn_value: str | None = None,
    birth_date: date | None = None,
    phone: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> PatientPage:
    after: tuple[bool, float, str] | None = None
    if cursor:
        try:
            after = rules.decode_cursor(cursor)
        except (ValueError, TypeError) as exc:
            raise Problem(
                422,
                "The cursor is not valid: start the search again.",
                errors=[{"field": "cursor", "message": "invalid"}],
            ) from exc
    folded = rules.fold(q)
    params: dict[str, Any] = {
        "q": folded,
        "pattern": _like_pattern(folded),
        "mrn": _mrn_number(mrn_value),
        "birth_date": birth_date,
        "phone": phone_digits(phone or ""),
        "after_exact": int(after[0]) if after else None,
        "after_score": after[1] if after else None,
        "after_id": uuid.UUID(after[2]) if after else None,
        "limit": limit + 1,
    }
    await session.execute(_THRESHOLDS)
    rows = (await session.execute(_BY_NAME if folded else _ANY_NAME, params)).mappings().all()
    page, more = rows[:limit], len(rows) > limit
    items = [
        PatientListItem(
            id=row["id"],
            mrn=f"MRN{row['mrn_number']}",
            given_name=row["given_name"],
            family_name=row["family_name"],
            preferred_name=row["preferred_name"],
            birth_date=row["birth_date"],
            status=row["status"],
        )
        for row in page
    ]
    detail = access.read_detail(principal, query=bool(q), mrn=bool(mrn_value))
    if items:  # one audit event per listed patient, written in one batch
        await record_many(
            session,
            actor,
            [Event("read", "patient_search", None, i.id, "success", detail) for i in items],
        )
    last = page[-1] if page else None
    next_cursor = (
        rules.encode_cursor(last["exact"], float(last["score"]), str(last["id"]))
        if more and last
        else None
    )
    return PatientPage(items=items, next_cursor=next_cursor)
