"""Programs and episodes of care: admission, transitions between levels, discharge, and
the one continuous timeline a chart shows across all of them."""

from __future__ import annotations

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, record
from backend.billing.models import ServiceCode
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.patients.models import Episode, Patient, Program, Transition
from shared.enums import LevelOfCare
from shared.schemas.patients import (
    DischargeCreate,
    EpisodeCreate,
    EpisodeRead,
    ProgramCreate,
    TimelineEntry,
    TransitionCreate,
)

# Treatment-plan review intervals by level of care, unless the program sets its own.
REVIEW_DAYS = {
    LevelOfCare.DETOX: 7,
    LevelOfCare.RESIDENTIAL: 14,
    LevelOfCare.PHP: 14,
    LevelOfCare.IOP: 30,
    LevelOfCare.OUTPATIENT: 90,
}


def _unknown_program(field: str, program_id: uuid.UUID) -> Problem:
    return Problem(
        422,
        f"{field}: no program {program_id}.",
        errors=[{"field": field, "message": "unknown program"}],
    )


async def create_program(session: AsyncSession, actor: Actor, data: ProgramCreate) -> Program:
    taken = await session.exec(select(Program).where(Program.name == data.name))
    if taken.first():
        raise Problem(
            409,
            f"A program named {data.name!r} exists.",
            errors=[{"field": "name", "message": "taken"}],
        )
    if data.per_diem_code:
        code = (
            await session.exec(
                select(ServiceCode).where(
                    ServiceCode.code == data.per_diem_code, ServiceCode.rule == "per_diem"
                )
            )
        ).first()
        if code is None:
            raise Problem(
                422,
                f"per_diem_code: {data.per_diem_code!r} is not a per-diem code of the catalogue.",
                errors=[{"field": "per_diem_code", "message": "not a per-diem code"}],
            )
    program = Program(
        name=data.name,
        level_of_care=data.level_of_care.value,
        part2=data.part2,
        plan_review_days=data.plan_review_days or REVIEW_DAYS[data.level_of_care],
        plan_approval_required=data.plan_approval_required,
        per_diem_code=data.per_diem_code,
    )
    session.add(program)
    await session.flush()
    await record(
        session,
        actor,
        "create",
        "program",
        entity_id=program.id,
        detail={"name": program.name, "part2": program.part2},
    )
    return program


async def programs(session: AsyncSession) -> list[Program]:
    return list((await session.exec(select(Program).order_by(col(Program.name)))).all())


async def _program(session: AsyncSession, field: str, program_id: uuid.UUID) -> Program:
    program = await session.get(Program, program_id)
    if program is None or not program.active:
        raise _unknown_program(field, program_id)
    return program


async def admit(
    session: AsyncSession, actor: Actor, patient: Patient, data: EpisodeCreate
) -> Episode:
    open_episode = await current_episode(session, patient.id)
    if open_episode is not None:
        raise Problem(
            409,
            "The patient is already admitted: record a transition instead, or discharge first.",
            slug="already-admitted",
        )
    program = await _program(session, "program_id", data.program_id)
    episode = Episode(
        patient_id=patient.id,
        program_id=program.id,
        level_of_care=(data.level_of_care or LevelOfCare(program.level_of_care)).value,
        admitted_on=data.admitted_on,
    )
    session.add(episode)
    if patient.status != "active":
        patient.status = "active"
        patient.version += 1
        session.add(patient)
    await session.flush()
    await record(
        session,
        actor,
        "admit",
        "episode",
        entity_id=episode.id,
        patient_id=patient.id,
        detail={"program": program.name, "level": episode.level_of_care},
    )
    return episode


async def get_episode(session: AsyncSession, episode_id: uuid.UUID) -> Episode:
    episode = await session.get(Episode, episode_id)
    if episode is None:
        raise Problem(404, f"No episode {episode_id}.")
    return episode


async def transition(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    episode: Episode,
    data: TransitionCreate,
) -> Transition:
    if episode.discharged_on is not None:
        raise Problem(409, "This episode ended at discharge: admit the patient again.")
    if data.occurred_on < episode.admitted_on:
        raise Problem(
            422,
            "occurred_on: before the admission.",
            errors=[{"field": "occurred_on", "message": "before admission"}],
        )
    program = await _program(session, "to_program_id", data.to_program_id)
    to_level = (data.to_level or LevelOfCare(program.level_of_care)).value
    step = Transition(
        episode_id=episode.id,
        occurred_on=data.occurred_on,
        from_program_id=episode.program_id,
        from_level=episode.level_of_care,
        to_program_id=program.id,
        to_level=to_level,
        reason=data.reason,
        recorded_by=principal.user_id,
    )
    episode.program_id, episode.level_of_care = program.id, to_level
    episode.version += 1
    session.add_all([step, episode])
    await session.flush()
    await record(
        session,
        actor,
        "transition",
        "episode",
        entity_id=episode.id,
        patient_id=episode.patient_id,
        detail={"from": step.from_level, "to": step.to_level},
    )
    return step


async def discharge(
    session: AsyncSession, actor: Actor, episode: Episode, data: DischargeCreate
) -> Episode:
    if episode.discharged_on is not None:
        raise Problem(409, "This episode is already discharged.")
    if data.discharged_on < episode.admitted_on:
        raise Problem(
            422,
            "discharged_on: before the admission.",
            errors=[{"field": "discharged_on", "message": "before admission"}],
        )
    episode.discharged_on, episode.disposition = data.discharged_on, data.disposition
    episode.version += 1
    session.add(episode)
    await session.flush()
    await record(
        session,
        actor,
        "discharge",
        "episode",
        entity_id=episode.id,
        patient_id=episode.patient_id,
        detail={"disposition": data.disposition},
    )
    return episode


async def current_episode(session: AsyncSession, patient_id: uuid.UUID) -> Episode | None:
    result = await session.exec(
        select(Episode).where(
            Episode.patient_id == patient_id, col(Episode.discharged_on).is_(None)
        )
    )
    return result.first()


async def episodes_and_timeline(
    session: AsyncSession, patient_id: uuid.UUID
) -> tuple[list[EpisodeRead], list[TimelineEntry]]:
    program_rows = {p.id: p for p in await programs(session)}
    episode_rows = list(
        (
            await session.exec(
                select(Episode)
                .where(Episode.patient_id == patient_id)
                .order_by(col(Episode.admitted_on))
            )
        ).all()
    )
    steps = list(
        (
            await session.exec(
                select(Transition)
                .where(col(Transition.episode_id).in_([e.id for e in episode_rows]))
                .order_by(col(Transition.occurred_on))
            )
        ).all()
    )
    timeline: list[TimelineEntry] = []
    for episode in episode_rows:
        mine = [s for s in steps if s.episode_id == episode.id]
        first_program = mine[0].from_program_id if mine else episode.program_id
        first_level = mine[0].from_level if mine else episode.level_of_care
        timeline.append(
            TimelineEntry(
                on=episode.admitted_on,
                kind="admission",
                program=program_rows[first_program].name,
                level_of_care=LevelOfCare(first_level),
            )
        )
        for step in mine:
            timeline.append(
                TimelineEntry(
                    on=step.occurred_on,
                    kind="transition",
                    program=program_rows[step.to_program_id].name,
                    level_of_care=LevelOfCare(step.to_level),
                    from_program=program_rows[step.from_program_id].name,
                    from_level=LevelOfCare(step.from_level),
                    detail=step.reason,
                )
            )
        if episode.discharged_on:
            timeline.append(
                TimelineEntry(
                    on=episode.discharged_on,
                    kind="discharge",
                    program=program_rows[episode.program_id].name,
                    level_of_care=LevelOfCare(episode.level_of_care),
                    detail=episode.disposition or "",
                )
            )
    reads = [episode_read(e, program_rows[e.program_id]) for e in episode_rows]
    return reads, timeline


async def read_episode(session: AsyncSession, episode: Episode) -> EpisodeRead:
    program = await session.get(Program, episode.program_id)
    assert program is not None, "episode.program_id is a foreign key"
    return episode_read(episode, program)


def episode_read(episode: Episode, program: Program) -> EpisodeRead:
    return EpisodeRead(
        id=episode.id,
        program_id=program.id,
        program=program.name,
        part2=program.part2,
        level_of_care=LevelOfCare(episode.level_of_care),
        admitted_on=episode.admitted_on,
        discharged_on=episode.discharged_on,
        disposition=episode.disposition,
        version=episode.version,
    )
