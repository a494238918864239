"""Charge capture: signing a note turns attendance into charges, by each code's rule.

Called inside the signing transaction, so a note and its charges land together. Per-diem
days are decided across the day's sessions of the client's program and the decision (billed
or not, and why) is kept."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.billing import rules
from backend.billing.models import Charge, Coverage, DayDecision, ServiceCode
from backend.notes.models import GroupNote
from backend.patients.models import Diagnosis, Program
from backend.plans.models import TreatmentPlan
from backend.scheduling.models import Attendance, Group, Session

ATTENDED = ("present", "late", "left_early")


async def catalogue(session: AsyncSession) -> dict[str, ServiceCode]:
    rows = await session.exec(select(ServiceCode).where(col(ServiceCode.active).is_(True)))
    return {c.code: c for c in rows.all()}


def _rule(code: ServiceCode) -> rules.Rule:
    return rules.Rule(code.rule, code.min_minutes, code.unit_minutes, code.max_units)


def _ladder(codes: dict[str, ServiceCode]) -> tuple[tuple[str, int], ...]:
    ladder = tuple((c.code, c.min_minutes) for c in codes.values() if c.rule == "psychotherapy")
    return ladder or rules.PSYCHOTHERAPY


async def _diagnoses(
    session: AsyncSession, patient_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Up to four codes per client: the active plan's problems first, then diagnoses."""
    ids = list(patient_ids)
    found: dict[uuid.UUID, list[str]] = {p: [] for p in ids}
    plans = await session.exec(
        select(TreatmentPlan).where(
            col(TreatmentPlan.patient_id).in_(ids), TreatmentPlan.status == "active"
        )
    )
    for plan in plans.all():
        for problem in plan.content.get("problems", []):
            if problem.get("icd10"):
                found[plan.patient_id].append(problem["icd10"].upper())
    rows = await session.exec(
        select(Diagnosis.patient_id, Diagnosis.code)
        .where(col(Diagnosis.patient_id).in_(ids), Diagnosis.status == "active")
        .order_by(col(Diagnosis.recorded_at))
    )
    for patient_id, code in rows.all():
        found[patient_id].append(code.upper())
    return {p: list(dict.fromkeys(codes))[:4] for p, codes in found.items()}


async def _coverage(
    session: AsyncSession, patient_ids: Iterable[uuid.UUID], on: date
) -> dict[uuid.UUID, uuid.UUID]:
    rows = await session.exec(
        select(Coverage)
        .where(col(Coverage.patient_id).in_(list(patient_ids)), col(Coverage.start_date) <= on)
        .where(col(Coverage.end_date).is_(None) | (col(Coverage.end_date) >= on))
        .order_by(col(Coverage.priority).desc())
    )
    return {c.patient_id: c.id for c in rows.all()}  # the primary (priority 1) wins


async def _insert(session: AsyncSession, charges: list[dict[str, object]]) -> None:
    if charges:
        await session.execute(insert(Charge).values(charges).on_conflict_do_nothing())


def _charge(
    code: ServiceCode,
    outcome: rules.Outcome,
    patient_id: uuid.UUID,
    on: date,
    minutes: int | None,
    source: str,
    source_id: uuid.UUID,
    provider: uuid.UUID | None,
    program_id: uuid.UUID | None,
    diagnoses: list[str],
    coverage: uuid.UUID | None,
) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "patient_id": patient_id,
        "service_date": on,
        "code": code.code,
        "modifiers": list(code.modifiers),
        "units": outcome.units,
        "minutes": minutes,
        "fee": code.fee * Decimal(outcome.units),
        "diagnosis_codes": diagnoses,
        "place_of_service": code.place_of_service,
        "rendering_provider_id": provider,
        "program_id": program_id,
        "source": source,
        "source_id": source_id,
        "coverage_id": coverage,
        "explanation": outcome.reason[:300],
    }


def _minutes(mark: Attendance | None, row: Session) -> int | None:
    if mark is not None and mark.minutes is not None:
        return mark.minutes
    if mark is not None and mark.status == "present":
        return int((row.ends_at - row.starts_at).total_seconds() // 60)
    return None


async def group_note_signed(
    session: AsyncSession, note_id: uuid.UUID, row: Session, group: Group, signer: uuid.UUID
) -> None:
    """Charges for each attending member (the group's code), then their per-diem day."""
    marks = {
        a.patient_id: a
        for a in (
            await session.exec(select(Attendance).where(Attendance.session_id == row.id))
        ).all()
    }
    attended = [p for p, a in marks.items() if a.status in ATTENDED]
    if not attended:
        return
    codes = await catalogue(session)
    zone = ZoneInfo(row.timezone)
    on = row.starts_at.astimezone(zone).date()
    code = codes.get(group.service_code)
    if code is not None and code.rule != "per_diem":
        diagnoses = await _diagnoses(session, attended)
        coverage = await _coverage(session, attended, on)
        charges = []
        for patient_id in attended:
            minutes = _minutes(marks[patient_id], row)
            outcome = rules.session_charge(code.code, _rule(code), True, minutes, _ladder(codes))
            chosen = codes.get(outcome.code or "")
            if chosen is None:
                continue
            charges.append(
                _charge(
                    chosen,
                    outcome,
                    patient_id,
                    on,
                    minutes,
                    "group_note",
                    note_id,
                    signer,
                    group.program_id,
                    diagnoses[patient_id],
                    coverage.get(patient_id),
                )
            )
        await _insert(session, charges)
    program = await session.get(Program, group.program_id) if group.program_id else None
    per_diem = codes.get(program.per_diem_code) if program and program.per_diem_code else None
    if program is not None and per_diem is not None:
        for patient_id in attended:
            await decide_day(session, patient_id, on, program, per_diem, zone)


async def decide_day(
    session: AsyncSession,
    patient_id: uuid.UUID,
    on: date,
    program: Program,
    code: ServiceCode,
    zone: ZoneInfo,
) -> DayDecision:
    """Whether the client's day in ``program`` bills ``code``: minutes attended across the
    day's sessions whose group notes are signed."""
    start = datetime.combine(on, time.min, tzinfo=zone)
    rows = await session.exec(
        select(Session, Attendance)
        .join(Group, col(Group.id) == col(Session.group_id))
        .join(Attendance, col(Attendance.session_id) == col(Session.id))
        .join(GroupNote, col(GroupNote.session_id) == col(Session.id))
        .where(Group.program_id == program.id, Attendance.patient_id == patient_id)
        .where(col(Attendance.status).in_(ATTENDED), GroupNote.status == "signed")
        .where(col(Session.starts_at) >= start, col(Session.starts_at) < start + timedelta(days=1))
    )
    minutes = [m for s, a in rows.all() if (m := _minutes(a, s)) is not None]
    outcome = rules.per_diem(code.code, _rule(code), minutes)
    decision = (
        await session.exec(
            select(DayDecision).where(
                DayDecision.patient_id == patient_id,
                DayDecision.code == code.code,
                DayDecision.service_date == on,
            )
        )
    ).first() or DayDecision(
        patient_id=patient_id, code=code.code, service_date=on, minutes=0, billed=False, reason=""
    )
    decision.minutes, decision.billed, decision.reason = (
        sum(minutes),
        outcome.units > 0,
        outcome.reason,
    )
    session.add(decision)
    await session.flush()
    if outcome.code is not None:
        diagnoses = await _diagnoses(session, [patient_id])
        coverage = await _coverage(session, [patient_id], on)
        await _insert(
            session,
            [
                _charge(
                    code,
                    outcome,
                    patient_id,
                    on,
                    sum(minutes),
                    "per_diem",
                    decision.id,
                    None,
                    program.id,
                    diagnoses[patient_id],
                    coverage.get(patient_id),
                )
            ],
        )
    return decision


async def progress_note_signed(
    session: AsyncSession,
    note_id: uuid.UUID,
    patient_id: uuid.UUID,
    started: datetime,
    ended: datetime,
    session_id: uuid.UUID | None,
    signer: uuid.UUID,
    timezone: str,
) -> None:
    """An individual session: its group's code if set, else psychotherapy by minutes."""
    codes = await catalogue(session)
    minutes = int((ended - started).total_seconds() // 60)
    code = None
    program_id = None
    if session_id is not None:
        row = await session.get(Session, session_id)
        group = await session.get(Group, row.group_id) if row else None
        if group is not None:
            code, program_id = codes.get(group.service_code), group.program_id
            mark = await session.get(Attendance, (session_id, patient_id))
            if mark is not None and mark.status not in ATTENDED:
                return
            if mark is not None and mark.minutes is not None:
                minutes = mark.minutes
    if code is None:
        code = next((c for c in codes.values() if c.rule == "psychotherapy"), None)
    if code is None:
        return
    outcome = rules.session_charge(code.code, _rule(code), True, minutes, _ladder(codes))
    chosen = codes.get(outcome.code or "")
    if chosen is None:
        return
    on = started.astimezone(ZoneInfo(timezone)).date()
    diagnoses = await _diagnoses(session, [patient_id])
    coverage = await _coverage(session, [patient_id], on)
    await _insert(
        session,
        [
            _charge(
                chosen,
                outcome,
                patient_id,
                on,
                minutes,
                "progress_note",
                note_id,
                signer,
                program_id,
                diagnoses[patient_id],
                coverage.get(patient_id),
            )
        ],
    )
