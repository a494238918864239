"""Importing clients from a legacy system, idempotently and all-or-nothing.

Readers (``csv_templates`` for the documented CSV files, ``import_bundle`` for a FHIR R4
Bundle) turn their input into ``Record``s plus row-level problems. ``run`` then checks
the records against the database without writing (references, possible duplicate
charts, plan diagnoses), and only when nothing is wrong and it is not a dry run creates
every new record through the areas' own services, in the caller's one transaction.

Each created record gets an ``ImportKey`` (source system, entity, source id): a record
whose key exists is *unchanged* and never touched again, so a re-run creates nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, Field, field_validator
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, record
from backend.interop.models import ImportKey
from backend.lib.auth import Principal
from backend.lib.bounds import date_problem
from backend.lib.problems import Problem as ServiceProblem
from backend.medications import service as medications
from backend.patients import chart
from backend.patients import service as patients
from backend.patients.models import Diagnosis, Patient
from backend.plans import rules as plan_rules
from backend.plans import service as plans
from backend.scheduling import enrollment
from backend.scheduling import rules as schedule_rules
from backend.scheduling import service as scheduling
from backend.scheduling.models import Attendance, Group, Session
from shared.schemas.medications import MedicationCreate
from shared.schemas.patients import AllergyCreate, DiagnosisCreate, PatientCreate
from shared.schemas.plans import PlanContent, PlanCreate
from shared.schemas.scheduling import AttendanceWrite, GroupCreate

# Creation order: everything a record refers to is created before it.
ENTITIES = ("patient", "diagnosis", "allergy", "medication", "session", "attendance", "plan")
RowProblem = dict[str, str | int]


class MedicationImport(MedicationCreate):
    """A medication list entry; one with a stop date is imported, then stopped."""

    stop_date: date | None = None


class SessionImport(BaseModel):
    """A past (or future) occurrence of a group, created without booking checks: history
    cannot double-book anyone."""

    group_name: str = Field(min_length=1, max_length=120)
    starts_at: AwareDatetime
    duration_minutes: int = Field(ge=5, le=24 * 60)
    timezone: str = "UTC"
    status: str = Field(default="scheduled", pattern="^(scheduled|cancelled)$")

    @field_validator("timezone")
    @classmethod
    def iana(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("not an IANA time zone (e.g. America/New_York)") from error
        return value

    @field_validator("starts_at")
    @classmethod
    def in_the_calendar(cls, value: datetime) -> datetime:
        """Year 1 at +14:00 has no UTC instant: refused here, not by the driver."""
        problem = date_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


@dataclass
class Record:
    """One thing to import. ``refs`` name other records by entity and source id."""

    entity: str
    source_id: str
    data: BaseModel
    file: str
    row: int
    refs: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportSet:
    """What a reader found: valid records, and the rows it could not read."""

    records: list[Record] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    in_file: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def add(self, item: Record) -> None:
        self.in_file[item.entity] += 1
        if any(r.entity == item.entity and r.source_id == item.source_id for r in self.records):
            self.refuse(item.file, item.row, "source_id", "appears twice")
            self.failed[item.entity] += 1
            return
        self.records.append(item)

    def refuse(self, file: str, row: int, field_name: str, problem: str) -> None:
        self.problems.append({"file": file, "row": row, "field": field_name, "problem": problem})

    def reject_row(self, entity: str, file: str, row: int, problems: list[tuple[str, str]]) -> None:
        self.in_file[entity] += 1
        self.failed[entity] += 1
        for field_name, problem in problems:
            self.refuse(file, row, field_name, problem)


@dataclass
class ImportReport:
    dry_run: bool
    problems: list[RowProblem]
    counts: dict[str, dict[str, int]]

    @property
    def ok(self) -> bool:
        return not self.problems


Keys = dict[tuple[str, str], uuid.UUID]


async def known_keys(session: AsyncSession, source_system: str) -> Keys:
    rows = await session.exec(select(ImportKey).where(ImportKey.source_system == source_system))
    return {(k.entity, k.source_id): k.local_id for k in rows.all()}


def _problem(item: Record, field_name: str, problem: str) -> RowProblem:
    return {"file": item.file, "row": item.row, "field": field_name, "problem": problem}


async def _database_problems(
    session: AsyncSession, found: ImportSet, keys: Keys
) -> list[RowProblem]:
    """Checks that need the database, all read-only, over records not imported yet."""
    present = {(r.entity, r.source_id) for r in found.records} | set(keys)
    problems: list[RowProblem] = []
    for item in found.records:
        if (item.entity, item.source_id) in keys:
            continue
        for entity, source_id in item.refs.items():
            if (entity, source_id) not in present:
                problems.append(
                    _problem(item, f"{entity}_source_id", f"no {entity} {source_id!r} to refer to")
                )
        if item.entity == "patient":
            problems += await _duplicate_problems(session, item)
        if item.entity == "plan":
            problems += await _plan_problems(session, found, item, keys)
        if item.entity == "attendance":
            problems += await _attendance_problems(session, found, item, keys)
    return problems


async def _session_length(
    session: AsyncSession, found: ImportSet, source_id: str, keys: Keys
) -> int | None:
    """The minutes of an imported session, whether in this import or an earlier one."""
    if ("session", source_id) in keys:
        row = await session.get(Session, keys[("session", source_id)])
        return schedule_rules.length_minutes(row.starts_at, row.ends_at) if row else None
    given = next(
        (r.data for r in found.records if r.entity == "session" and r.source_id == source_id),
        None,
    )
    return given.duration_minutes if isinstance(given, SessionImport) else None


async def _attendance_problems(
    session: AsyncSession, found: ImportSet, item: Record, keys: Keys
) -> list[RowProblem]:
    """Minutes that disagree with the status (``absent, 180``) are refused as in the app."""
    assert isinstance(item.data, AttendanceWrite)
    length = await _session_length(session, found, item.refs["session"], keys)
    if length is None:
        return []
    try:
        schedule_rules.attended_minutes(item.data.status.value, item.data.minutes, length)
    except schedule_rules.RuleError as error:
        return [_problem(item, error.field, error.message)]
    return []


async def _duplicate_problems(session: AsyncSession, item: Record) -> list[RowProblem]:
    assert isinstance(item.data, PatientCreate)
    if item.data.allow_duplicate:
        return []
    found = await patients.possible_duplicates(session, item.data)
    return [
        _problem(
            item,
            "given_name",
            f"possible duplicate of {patients.mrn(p)}: link it or set allow_duplicate",
        )
        for p in found
    ]


async def _plan_problems(
    session: AsyncSession, found: ImportSet, item: Record, keys: Keys
) -> list[RowProblem]:
    assert isinstance(item.data, PlanContent)
    patient_source = item.refs.get("patient", "")
    codes = {
        r.data.code.upper()
        for r in found.records
        if r.entity == "diagnosis"
        and r.refs.get("patient") == patient_source
        and isinstance(r.data, DiagnosisCreate)
    }
    problems: list[RowProblem] = []
    patient_id = keys.get(("patient", patient_source))
    if patient_id is not None:
        rows = await session.exec(select(Diagnosis.code).where(Diagnosis.patient_id == patient_id))
        codes |= {code.upper() for code in rows.all()}
        if any(p.status == "draft" for p in await plans.versions(session, patient_id)):
            problems.append(_problem(item, "patient_source_id", "the client has a draft plan"))
    for where, message in plan_rules.content_errors(item.data, codes):
        problems.append(_problem(item, where, message))
    return problems


def _counts(
    found: ImportSet, keys: Keys, problems: list[RowProblem], wrote: bool
) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    failed_rows = {(p["file"], p["row"]) for p in problems}
    for entity in ENTITIES:
        records = [r for r in found.records if r.entity == entity]
        unchanged = sum((r.entity, r.source_id) in keys for r in records)
        failed = found.failed[entity] + sum(
            (r.file, r.row) in failed_rows and (r.entity, r.source_id) not in keys for r in records
        )
        counts[entity] = {
            "in_file": found.in_file[entity],
            "created": (found.in_file[entity] - unchanged - failed) if wrote else 0,
            "unchanged": unchanged,
            "failed": failed,
        }
    return counts


async def run(
    session: AsyncSession,
    actor: Actor,
    principal: Principal | None,
    found: ImportSet,
    source_system: str,
    *,
    dry_run: bool,
    on_record: Callable[[Record], None] | None = None,
) -> ImportReport:
    """Validate everything; then, unless asked for a dry run or anything is wrong, create
    the new records as ``principal`` (needed only then). A dry run reports what a real
    run would create as ``created``. Either way the attempt is audited."""
    keys = await known_keys(session, source_system)
    problems = found.problems + await _database_problems(session, found, keys)
    writes = not problems and not dry_run
    report = ImportReport(dry_run, problems, _counts(found, keys, problems, dry_run or writes))
    if writes:
        if principal is None:
            raise ServiceProblem(422, "An import creates records as a staff user: name one.")
        await _create(session, actor, principal, found, source_system, keys, on_record)
    await record(
        session,
        actor,
        "dry_run" if dry_run else "import",
        "import",
        outcome="success" if report.ok else "failure",
        detail={
            "source_system": source_system,
            "counts": report.counts,
            "problems": len(problems),
        },
    )
    return report


async def _create(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    found: ImportSet,
    source_system: str,
    keys: Keys,
    on_record: Callable[[Record], None] | None,
) -> None:
    for entity in ENTITIES:
        for item in (r for r in found.records if r.entity == entity):
            if (entity, item.source_id) not in keys:
                local_id = await CREATORS[entity](session, actor, principal, item, keys)
                session.add(
                    ImportKey(
                        source_system=source_system,
                        entity=entity,
                        source_id=item.source_id,
                        local_id=local_id,
                    )
                )
                keys[(entity, item.source_id)] = local_id
            if on_record is not None:
                on_record(item)
    await session.flush()


async def _patient(session: AsyncSession, item: Record, keys: Keys) -> Patient:
    return await patients.get(session, keys[("patient", item.refs["patient"])])


Creator = Callable[[AsyncSession, Actor, Principal, Record, Keys], Awaitable[uuid.UUID]]


async def _create_patient(
    session: AsyncSession, actor: Actor, principal: Principal, item: Record, keys: Keys
) -> uuid.UUID:
    assert isinstance(item.data, PatientCreate)
    return (await patients.register(session, actor, principal, item.data)).id


async def _create_diagnosis(
    session: AsyncSession, actor: Actor, principal: Principal, item: Record, keys: Keys
) -> uuid.UUID:
    assert isinstance(item.data, DiagnosisCreate)
    patient = await _patient(session, item, keys)
    return (await chart.add_diagnosis(session, actor, patient, item.data)).id


async def _create_allergy(
    session: AsyncSession, actor: Actor, principal: Principal, item: Record, keys: Keys
) -> uuid.UUID:
    assert isinstance(item.data, AllergyCreate)
    patient = await _patient(session, item, keys)
    return (await chart.add_allergy(session, actor, patient, item.data)).id


async def _create_medication(
    session: AsyncSession, actor: Actor, principal: Principal, item: Record, keys: Keys
) -> uuid.UUID:
    assert isinstance(item.data, MedicationImport)
    # add_medication stores the JSON form of its input, where a date is a string: the
    # start date is set on the row instead.
    data = MedicationCreate.model_validate(
        item.data.model_dump(exclude={"stop_date", "start_date"})
    )
    patient = await _patient(session, item, keys)
    medication = await medications.add_medication(session, actor, principal, patient.id, data)
    medication.start_date = item.data.start_date
    if item.data.stop_date is not None:
        await medications.stop_medication(
            session, actor, medication, "Stopped before the import.", item.data.stop_date
        )
    return medication.id


async def _group(session: AsyncSession, actor: Actor, name: str) -> Group:
    """Historical sessions belong to a group of that name, created when missing."""
    existing = (await session.exec(select(Group).where(Group.name == name))).first()
    return existing or await scheduling.create_group(session, actor, GroupCreate(name=name))


async def _create_session(
    session: AsyncSession, actor: Actor, principal: Principal, item: Record, keys: Keys
) -> uuid.UUID:
    assert isinstance(item.data, SessionImport)
    data = item.data
    group = await _group(session, actor, data.group_name)
    row = Session(
        group_id=group.id,
        starts_at=data.starts_at,
        ends_at=data.starts_at + timedelta(minutes=data.duration_minutes),
        timezone=data.timezone,
        status=data.status,
    )
    session.add(row)
    await session.flush()
    await record(session, actor, "create", "session", entity_id=row.id, detail={"imported": True})
    return row.id


async def _create_attendance(
    session: AsyncSession, actor: Actor, principal: Principal, item: Record, keys: Keys
) -> uuid.UUID:
    """Attendance has no id of its own: its key points at the session."""
    assert isinstance(item.data, AttendanceWrite)
    session_id = keys[("session", item.refs["session"])]
    patient_id = keys[("patient", item.refs["patient"])]
    row = await session.get(Session, session_id)
    assert row is not None
    session.add(
        Attendance(
            session_id=session_id,
            patient_id=patient_id,
            status=item.data.status.value,
            minutes=enrollment.settle_minutes(row, item.data),
            recorded_by=principal.user_id,
        )
    )
    await session.flush()
    await record(
        session,
        actor,
        "attendance",
        "session",
        entity_id=session_id,
        patient_id=patient_id,
        detail={"status": item.data.status.value, "imported": True},
    )
    return session_id


async def _create_plan(
    session: AsyncSession, actor: Actor, principal: Principal, item: Record, keys: Keys
) -> uuid.UUID:
    """A draft: the legacy signatures were given elsewhere, so a clinician reviews and
    signs it with the client here before it becomes active."""
    assert isinstance(item.data, PlanContent)
    patient_id = keys[("patient", item.refs["patient"])]
    plan = await plans.create(session, actor, principal, patient_id, PlanCreate(content=item.data))
    return plan.id


CREATORS: dict[str, Creator] = {
    "patient": _create_patient,
    "diagnosis": _create_diagnosis,
    "allergy": _create_allergy,
    "medication": _create_medication,
    "session": _create_session,
    "attendance": _create_attendance,
    "plan": _create_plan,
}
