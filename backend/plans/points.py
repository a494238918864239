"""Progress points: every source (group-note ratings, assessments, individual notes, manual
entry) records through here, against the objectives of the client's active plan."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
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
        for p in points
    ]
    if rows:
        statement = insert(ProgressPoint).values(rows).on_conflict_do_nothing()
        await session.execute(statement)
