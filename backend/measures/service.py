"""Administering instruments: score, store, feed the treatment plan, alert the care team.

An answer set that cannot be scored is refused before anything is written, so a 422 leaves
no assessment, progress point or alert behind. Safety flags (PHQ-9 item 9, C-SSRS) alert
every member of the client's care team, in the same transaction as the assessment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Label, and_, cast, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from backend.accounts.access import read_detail
from backend.audit.service import Actor, Event, record, record_many
from backend.db.base import utcnow
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.measures import instruments
from backend.measures.instruments import AnswerError, Instrument
from backend.measures.models import Assessment, AssessmentSchedule, ClinicalAlert
from backend.patients.models import CareTeamMember, Patient
from backend.plans import points
from shared.enums import Role
from shared.schemas.measures import (
    AlertRead,
    AssessmentCreate,
    AssessmentDue,
    ChoiceRead,
    InstrumentRead,
    ItemRead,
    ScheduleCreate,
    ScheduleRead,
)

ALERTING_FLAGS = ("suicidal_ideation", "suicidal_behavior")
DUE_HORIZON = timedelta(days=2)


def refusal(error: AnswerError) -> Problem:
    return Problem(
        422,
        f"{error.field}: {error.message}.",
        errors=[{"field": error.field, "message": error.message}],
    )


def instrument(key: str) -> Instrument:
    try:
        return instruments.get(key)
    except AnswerError as error:
        raise refusal(error) from error


def definitions() -> list[InstrumentRead]:
    return [
        InstrumentRead(
            key=i.key,
            name=i.name,
            title=i.title,
            prompt=i.prompt,
            items=[
                ItemRead(
                    text=text,
                    choices=[ChoiceRead(value=v, label=label) for v, label in i.choices_for(n)],
                )
                for n, text in enumerate(i.items)
            ],
            max_total=i.max_total,
        )
        for i in instruments.INSTRUMENTS.values()
    ]


def alert_messages(definition: Instrument, answers: list[int]) -> dict[str, str]:
    """One message per safety flag raised, naming the instrument, the items and answers."""
    raised: dict[str, list[int]] = {}
    for index, flag in definition.critical_items:
        if flag in ALERTING_FLAGS and answers[index] > 0:
            raised.setdefault(flag, []).append(index)
    messages = {}
    for flag, indexes in raised.items():
        labels = {dict(definition.choices_for(i))[answers[i]] for i in indexes}
        answered = f"“{labels.pop()}”" if len(labels) == 1 else "above 0"
        if len(indexes) == 1:
            what = f"item {indexes[0] + 1} (“{definition.items[indexes[0]]}”) answered {answered}"
        else:
            what = f"items {', '.join(str(i + 1) for i in indexes)} answered {answered}"
        concern = flag.replace("_", " ")
        message = f"{definition.name} {what}: possible {concern}. Review the client's safety today."
        messages[flag] = message[:500]
    return messages


async def administer(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: AssessmentCreate,
) -> Assessment:
    """Score first: a refused answer set raises before anything is written."""
    try:
        result = instruments.score(data.instrument, data.answers)
    except AnswerError as error:
        raise refusal(error) from error
    definition = instruments.get(result.instrument)
    assessment = Assessment(
        patient_id=patient_id,
        instrument=result.instrument,
        answers=list(data.answers),
        total=result.total,
        severity=result.severity,
        flags=list(result.flags),
        administered_by=principal.user_id,
        via=data.via.value,
    )
    session.add(assessment)
    await session.flush()
    await _record_progress(session, assessment, definition, principal.user_id)
    created = Event(
        "create",
        "assessment",
        assessment.id,
        patient_id,
        detail={
            "instrument": result.instrument,
            "via": data.via.value,
            "flags": list(result.flags),
        },
    )
    alerted = await _alert_care_team(session, assessment, definition)
    await record_many(session, actor, [created, *alerted])
    return assessment


async def _record_progress(
    session: AsyncSession, assessment: Assessment, definition: Instrument, user_id: uuid.UUID
) -> None:
    """The total is a progress point for each active objective measured by this instrument."""
    objectives = await points.instrument_objectives(
        session, assessment.patient_id, assessment.instrument
    )
    found = [
        points.Point(
            objective_id=o.id,
            value=assessment.total,
            recorded_at=assessment.administered_at,
            source="assessment",
            source_id=assessment.id,
            note=f"{definition.name} {assessment.severity}",
        )
        for o in objectives
    ]
    await points.record(session, assessment.patient_id, found, user_id)


async def _alert_care_team(
    session: AsyncSession, assessment: Assessment, definition: Instrument
) -> list[Event]:
    """An alert per safety flag for every care-team member; returns the audit events."""
    messages = alert_messages(definition, assessment.answers)
    if not messages:
        return []
    rows = await session.exec(
        select(CareTeamMember.user_id).where(CareTeamMember.patient_id == assessment.patient_id)
    )
    recipients = list(rows.all())
    session.add_all(
        ClinicalAlert(
            patient_id=assessment.patient_id,
            recipient_id=user_id,
            kind=kind,
            message=message,
            assessment_id=assessment.id,
        )
        for kind, message in messages.items()
        for user_id in recipients
    )
    return [
        Event(
            "alert",
            "clinical_alert",
            assessment.id,
            assessment.patient_id,
            detail={"kind": kind, "recipients": [str(u) for u in recipients]},
        )
        for kind in messages
    ]


async def for_patient(
    session: AsyncSession, patient_id: uuid.UUID, instrument_key: str | None
) -> list[Assessment]:
    query = select(Assessment).where(Assessment.patient_id == patient_id)
    if instrument_key is not None:
        query = query.where(Assessment.instrument == instrument(instrument_key).key)
    rows = await session.exec(query.order_by(col(Assessment.administered_at).desc()))
    return list(rows.all())


def _name(given: str, family: str) -> str:
    return f"{given} {family}"


async def audit_reads(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    entity: str,
    patient_ids: Iterable[uuid.UUID],
) -> None:
    """Listing patients by name is a read of each patient listed."""
    detail = read_detail(principal)
    events = [
        Event("read", entity, patient_id=p, detail=detail) for p in dict.fromkeys(patient_ids)
    ]
    if events:
        await record_many(session, actor, events)


async def open_alerts(session: AsyncSession, actor: Actor, principal: Principal) -> list[AlertRead]:
    rows = await session.exec(
        select(ClinicalAlert, Patient.given_name, Patient.family_name)
        .join(Patient, col(Patient.id) == col(ClinicalAlert.patient_id))
        .where(
            ClinicalAlert.recipient_id == principal.user_id,
            col(ClinicalAlert.acknowledged_at).is_(None),
        )
        .order_by(col(ClinicalAlert.created_at).desc())
    )
    found = [
        AlertRead.model_validate(alert.model_dump() | {"patient_name": _name(given, family)})
        for alert, given, family in rows.all()
    ]
    await audit_reads(session, actor, principal, "clinical_alert", (a.patient_id for a in found))
    return found


async def acknowledge(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, alert_id: uuid.UUID
) -> AlertRead:
    """Only the recipient acknowledges their alert; doing it twice keeps the first time."""
    alert = await session.get(ClinicalAlert, alert_id, with_for_update=True)
    if alert is None or alert.recipient_id != user_id:
        raise Problem(404, f"No alert {alert_id} for you.")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = utcnow()
        session.add(alert)
        await record(
            session,
            actor,
            "acknowledge",
            "clinical_alert",
            entity_id=alert.id,
            patient_id=alert.patient_id,
        )
    patient = await session.get(Patient, alert.patient_id)
    assert patient is not None
    name = _name(patient.given_name, patient.family_name)
    return AlertRead.model_validate(alert.model_dump() | {"patient_name": name})


async def add_schedule(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: ScheduleCreate,
) -> AssessmentSchedule:
    schedule = AssessmentSchedule(
        patient_id=patient_id,
        instrument=instrument(data.instrument).key,
        every_days=data.every_days,
        start_on=data.start_on,
        created_by=principal.user_id,
    )
    session.add(schedule)
    await session.flush()
    await record(
        session,
        actor,
        "create",
        "assessment_schedule",
        entity_id=schedule.id,
        patient_id=patient_id,
        detail={"instrument": schedule.instrument, "every_days": schedule.every_days},
    )
    return schedule


async def get_schedule(session: AsyncSession, schedule_id: uuid.UUID) -> AssessmentSchedule:
    schedule = await session.get(AssessmentSchedule, schedule_id, with_for_update=True)
    if schedule is None:
        raise Problem(404, f"No assessment schedule {schedule_id}.")
    return schedule


async def end_schedule(session: AsyncSession, actor: Actor, schedule: AssessmentSchedule) -> None:
    if not schedule.active:
        return
    schedule.active = False
    session.add(schedule)
    await record(
        session,
        actor,
        "deactivate",
        "assessment_schedule",
        entity_id=schedule.id,
        patient_id=schedule.patient_id,
    )


def next_due(zone: str) -> tuple[Select[AssessmentSchedule, str, str, Any], Label[Any]]:
    """Each active schedule with its next due date, in one statement: ``start_on`` until the
    instrument is given, then the last administration (local date) + ``every_days``.
    PostgreSQL's GREATEST ignores the NULL of a never-administered instrument."""
    last = (
        select(
            col(Assessment.patient_id),
            col(Assessment.instrument),
            func.max(Assessment.administered_at).label("last_at"),
        )
        .group_by(col(Assessment.patient_id), col(Assessment.instrument))
        .subquery()
    )
    last_day = cast(func.timezone(zone, last.c.last_at), Date)
    due_on = func.greatest(
        col(AssessmentSchedule.start_on), last_day + col(AssessmentSchedule.every_days)
    ).label("due_on")
    query = (
        select(AssessmentSchedule, Patient.given_name, Patient.family_name, due_on)
        .join(Patient, col(Patient.id) == col(AssessmentSchedule.patient_id))
        .outerjoin(
            last,
            and_(
                last.c.patient_id == col(AssessmentSchedule.patient_id),
                last.c.instrument == col(AssessmentSchedule.instrument),
            ),
        )
        .where(col(AssessmentSchedule.active).is_(True))
    )
    return query, due_on


async def schedules_for(
    session: AsyncSession, patient_id: uuid.UUID, zone: str
) -> list[ScheduleRead]:
    query, due_on = next_due(zone)
    rows = await session.exec(
        query.where(AssessmentSchedule.patient_id == patient_id).order_by(due_on)
    )
    return [
        ScheduleRead.model_validate(schedule.model_dump() | {"due_on": due})
        for schedule, _, _, due in rows.all()
    ]


async def due(
    session: AsyncSession, actor: Actor, principal: Principal, today: date, zone: str
) -> list[AssessmentDue]:
    """Administrations due by the day after tomorrow for my care-team clients (supervisors:
    every active client), soonest first."""
    query, due_on = next_due(zone)
    query = query.where(Patient.status == "active", due_on <= today + DUE_HORIZON)
    if Role.SUPERVISOR not in principal.roles:
        mine = select(CareTeamMember.patient_id).where(CareTeamMember.user_id == principal.user_id)
        query = query.where(col(AssessmentSchedule.patient_id).in_(mine))
    rows = await session.exec(query.order_by(due_on, col(Patient.family_name)))
    found = [
        AssessmentDue(
            schedule_id=schedule.id,
            patient_id=schedule.patient_id,
            patient_name=_name(given, family),
            instrument=schedule.instrument,
            instrument_name=instruments.get(schedule.instrument).name,
            due_on=due_day,
            overdue=due_day < today,
        )
        for schedule, given, family, due_day in rows.all()
    ]
    await audit_reads(session, actor, principal, "assessment_due", (d.patient_id for d in found))
    return found
