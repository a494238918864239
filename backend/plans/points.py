"""Progress points: every source (group-note ratings, assessments, individual notes, manual
entry) records through here, against the objectives of the client's active plan."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.plans.models import ProgressPoint, TreatmentPlan
from shared.schemas.plans import Objective, ObjectiveKind, PlanContent


@dataclass(frozen=True)
class Point:
    objective_id: uuid.UUID
    value: float
    recorded_at: datetime
    source: str  # group_note | assessment | progress_note | manual
    source_id: uuid.UUID | None = None
    note: str = ""


def objectives(content: PlanContent) -> list[tuple[Objective, str, str]]:
    """Every objective of a plan with its goal and problem text, in plan order."""
    return [
        (objective, goal.text, problem.description)
        for problem in content.problems
        for goal in problem.goals
        for objective in goal.objectives
    ]


async def active_plan(session: AsyncSession, patient_id: uuid.UUID) -> TreatmentPlan | None:
    rows = await session.exec(
        select(TreatmentPlan).where(
            TreatmentPlan.patient_id == patient_id, TreatmentPlan.status == "active"
        )
    )
    return rows.first()


async def active_objectives(session: AsyncSession, patient_id: uuid.UUID) -> list[Objective]:
    plan = await active_plan(session, patient_id)
    if plan is None:
        return []
    content = PlanContent.model_validate(plan.content)
    return [o for o, _, _ in objectives(content) if o.status == "active"]


async def instrument_objectives(
    session: AsyncSession, patient_id: uuid.UUID, instrument: str
) -> list[Objective]:
    """Active objectives measured by ``instrument`` (e.g. "PHQ-9 below 10 by 1 March")."""
    return [
        o
        for o in await active_objectives(session, patient_id)
        if o.kind == ObjectiveKind.INSTRUMENT and o.instrument == instrument
    ]


async def record(
    session: AsyncSession,
    patient_id: uuid.UUID,
    points: Iterable[Point],
    recorded_by: uuid.UUID | None,
) -> None:
    """Insert points in one statement; a point already recorded from the same source for
    the same objective is kept as it was."""
    await record_many(session, [(patient_id, p) for p in points], recorded_by)


async def record_many(
    session: AsyncSession,
    points: Iterable[tuple[uuid.UUID, Point]],
    recorded_by: uuid.UUID | None,
) -> None:
    """Points of several clients (patient id, point) in one statement."""
    rows = [
        {
            "id": uuid.uuid4(),
            "patient_id": patient_id,
            "objective_id": p.objective_id,
            "value": p.value,
            "recorded_at": p.recorded_at,
            "source": p.source,
            "source_id": p.source_id,
            "note": p.note,
            "recorded_by": recorded_by,
        }
        for patient_id, p in points
    ]
    if rows:
        statement = insert(ProgressPoint).values(rows).on_conflict_do_nothing()
        await session.execute(statement)


async def rated_objectives(
    session: AsyncSession, patient_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[Objective]]:
    """For each client, the active objectives a group note can rate (0–10 rating
    objectives), in one query."""
    found: dict[uuid.UUID, list[Objective]] = {p: [] for p in patient_ids}
    rows = await session.exec(
        select(TreatmentPlan).where(
            col(TreatmentPlan.patient_id).in_(list(found)), TreatmentPlan.status == "active"
        )
    )
    for plan in rows.all():
        content = PlanContent.model_validate(plan.content)
        found[plan.patient_id] = [
            o
            for o, _, _ in objectives(content)
            if o.status == "active" and o.kind == ObjectiveKind.RATING
        ]
    return found
