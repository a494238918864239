"""Treatment-plan use cases: drafts, revisions, signatures, activation, reviews due, and
each objective's progress."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, record
from backend.db.base import utcnow
from backend.db.driver import driver
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.notes.rules import content_hash
from backend.patients.models import CareTeamMember, Diagnosis, Episode, Patient, Program
from backend.plans import points, rules
from backend.plans.models import ProgressPoint, TreatmentPlan
from shared.enums import Role
from shared.schemas.plans import (
    ClientSignature,
    ObjectiveProgress,
    ObjectiveReview,
    PlanChange,
    PlanContent,
    PlanCreate,
    PlanDue,
    PlanRead,
    PlanReview,
    ProgressPointRead,
)

DEFAULT_REVIEW_DAYS = 90
DUE_SOON_DAYS = 7


def _refuse(errors: list[tuple[str, str]], prefix: str = "content.") -> None:
    if errors:
        field, message = errors[0]
        raise Problem(
            422,
            f"{prefix}{field}: {message}.",
            errors=[{"field": f"{prefix}{f}", "message": m} for f, m in errors],
        )


async def _diagnoses(session: AsyncSession, patient_id: uuid.UUID) -> set[str]:
    rows = await session.exec(
        select(Diagnosis.code).where(
            Diagnosis.patient_id == patient_id, Diagnosis.status == "active"
        )
    )
    return {code.upper() for code in rows.all()}


async def _program(session: AsyncSession, patient_id: uuid.UUID) -> Program | None:
    rows = await session.exec(
        select(Program)
        .join(Episode, col(Episode.program_id) == col(Program.id))
        .where(Episode.patient_id == patient_id, col(Episode.discharged_on).is_(None))
    )
    return rows.first()


async def _check(
    session: AsyncSession, patient_id: uuid.UUID, content: PlanContent, prefix: str = "content."
) -> None:
    """``prefix`` names where the content sits in the request body."""
    _refuse(rules.content_errors(content, await _diagnoses(session, patient_id)), prefix)


async def get(session: AsyncSession, plan_id: uuid.UUID, *, lock: bool = False) -> TreatmentPlan:
    plan = await session.get(TreatmentPlan, plan_id, with_for_update=lock)
    if plan is None:
        raise Problem(404, f"No treatment plan {plan_id}.")
    return plan


# The columns of a plan's answer (PlanRead), read by primary key on every plan view.
_READ = (
    "SELECT id, patient_id, number, status, previous_id, content, clinician_signed_by,"
    " clinician_signed_at, client_signature_kind, client_signed_at, approval_required,"
    " approved_by, approved_at, activated_at, review_due, version"
    " FROM treatment_plan WHERE id = $1::uuid"
)


async def read(session: AsyncSession, plan_id: uuid.UUID) -> PlanRead:
    """One plan as answered: a prepared statement and no ORM object (the hot read)."""
    row = await (await driver(session)).fetchrow(_READ, plan_id)
    if row is None:
        raise Problem(404, f"No treatment plan {plan_id}.")
    return PlanRead.model_validate(dict(row))


async def versions(session: AsyncSession, patient_id: uuid.UUID) -> list[TreatmentPlan]:
    rows = await session.exec(
        select(TreatmentPlan)
        .where(TreatmentPlan.patient_id == patient_id)
        .order_by(col(TreatmentPlan.number).desc())
    )
    return list(rows.all())


async def create(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: PlanCreate,
) -> TreatmentPlan:
    """A new draft: version 1, or the next version starting from the active plan."""
    existing = await versions(session, patient_id)
    draft = next((p for p in existing if p.status == "draft"), None)
    if draft is not None:
        raise Problem(
            409, "This client already has a draft plan: edit it.", existing_id=str(draft.id)
        )
    active = next((p for p in existing if p.status == "active"), None)
    if data.revise and data.content is not None:
        raise Problem(
            422,
            "content: a revision starts from the active plan; send revise or content.",
            errors=[{"field": "content", "message": "not with revise"}],
        )
    if data.revise and active is None:
        raise Problem(
            409,
            "There is no active plan to revise.",
            errors=[{"field": "revise", "message": "no active plan"}],
        )
    content = (
        PlanContent.model_validate(active.content)
        if data.revise and active is not None
        else data.content or PlanContent()
    )
    await _check(session, patient_id, content)
    program = await _program(session, patient_id)
    plan = TreatmentPlan(
        patient_id=patient_id,
        number=(existing[0].number + 1) if existing else 1,
        previous_id=active.id if active else None,
        content=content.model_dump(mode="json"),
        created_by=principal.user_id,
        last_editor_id=principal.user_id,
        approval_required=bool(program and program.plan_approval_required),
    )
    session.add(plan)
    await session.flush()
    await record(
        session, actor, "create", "treatment_plan", entity_id=plan.id, patient_id=patient_id
    )
    return plan


def refuse_unless_draft(plan: TreatmentPlan) -> None:
    if plan.status != "draft":
        raise Problem(
            409,
            f"Version {plan.number} is {plan.status} and cannot change: start a revision.",
            slug="plan-locked",
        )


async def update(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    plan: TreatmentPlan,
    content: PlanContent,
) -> TreatmentPlan:
    refuse_unless_draft(plan)
    await _check(session, plan.patient_id, content, prefix="")
    new = content.model_dump(mode="json")
    if new != plan.content:
        # Signatures were given to other content: they must be given again.
        plan.clinician_signed_by = plan.clinician_signed_at = None
        plan.client_signature_kind = plan.client_signature = plan.client_signed_at = None
        plan.approved_by = plan.approved_at = None
    plan.content = new
    plan.last_editor_id = principal.user_id
    plan.version += 1
    session.add(plan)
    await record(
        session, actor, "update", "treatment_plan", entity_id=plan.id, patient_id=plan.patient_id
    )
    return plan


async def _activate_if_complete(session: AsyncSession, actor: Actor, plan: TreatmentPlan) -> None:
    signed = plan.clinician_signed_at is not None and plan.client_signed_at is not None
    if not signed or (plan.approval_required and plan.approved_at is None):
        return
    now = utcnow()
    previous = await points.active_plan(session, plan.patient_id)
    if previous is not None:
        previous.status, previous.superseded_at = "superseded", now
        session.add(previous)
        await session.flush()
    program = await _program(session, plan.patient_id)
    days = program.plan_review_days if program else DEFAULT_REVIEW_DAYS
    plan.status, plan.activated_at = "active", now
    plan.review_due = now.date() + timedelta(days=days)
    plan.content_hash = content_hash(plan.content)
    await record(
        session,
        actor,
        "activate",
        "treatment_plan",
        entity_id=plan.id,
        patient_id=plan.patient_id,
        detail={"number": plan.number, "hash": plan.content_hash},
    )


async def sign(
    session: AsyncSession, actor: Actor, principal: Principal, plan: TreatmentPlan
) -> TreatmentPlan:
    refuse_unless_draft(plan)
    if not principal.roles & {Role.CLINICIAN, Role.SUPERVISOR}:
        raise Problem(403, "A clinician signs the plan.")
    _refuse(rules.completeness_errors(PlanContent.model_validate(plan.content)))
    plan.clinician_signed_by, plan.clinician_signed_at = principal.user_id, utcnow()
    plan.version += 1
    await _activate_if_complete(session, actor, plan)
    session.add(plan)
    await record(
        session, actor, "sign", "treatment_plan", entity_id=plan.id, patient_id=plan.patient_id
    )
    return plan


async def client_sign(
    session: AsyncSession, actor: Actor, plan: TreatmentPlan, signature: ClientSignature
) -> TreatmentPlan:
    refuse_unless_draft(plan)
    _refuse(rules.completeness_errors(PlanContent.model_validate(plan.content)))
    plan.client_signature_kind, plan.client_signature = signature.kind, signature.data
    plan.client_signed_at = utcnow()
    plan.version += 1
    await _activate_if_complete(session, actor, plan)
    session.add(plan)
    await record(
        session,
        actor,
        "client-sign",
        "treatment_plan",
        entity_id=plan.id,
        patient_id=plan.patient_id,
    )
    return plan


async def approve(
    session: AsyncSession, actor: Actor, principal: Principal, plan: TreatmentPlan
) -> TreatmentPlan:
    refuse_unless_draft(plan)
    if not plan.approval_required:
        raise Problem(409, "This program's policy does not ask for approval of this plan.")
    if plan.clinician_signed_by == principal.user_id:
        raise Problem(403, "The signing clinician cannot also approve the plan.")
    plan.approved_by, plan.approved_at = principal.user_id, utcnow()
    plan.version += 1
    await _activate_if_complete(session, actor, plan)
    session.add(plan)
    await record(
        session, actor, "approve", "treatment_plan", entity_id=plan.id, patient_id=plan.patient_id
    )
    return plan


async def changes(session: AsyncSession, plan: TreatmentPlan) -> list[PlanChange]:
    """What this version changed against the one it revised (everything, for version 1)."""
    before = PlanContent()
    if plan.previous_id is not None:
        before = PlanContent.model_validate((await get(session, plan.previous_id)).content)
    return rules.diff(before, PlanContent.model_validate(plan.content))


async def due(session: AsyncSession, principal: Principal, today: date) -> list[PlanDue]:
    """Active plans whose review falls due within a week (or is overdue): mine, or every
    client's for supervisors."""
    query = (
        select(TreatmentPlan, Patient)
        .join(Patient, col(Patient.id) == col(TreatmentPlan.patient_id))
        .where(TreatmentPlan.status == "active")
        .where(col(TreatmentPlan.review_due) <= today + timedelta(days=DUE_SOON_DAYS))
        .order_by(col(TreatmentPlan.review_due))
    )
    if Role.SUPERVISOR not in principal.roles:
        mine = select(CareTeamMember.patient_id).where(CareTeamMember.user_id == principal.user_id)
        query = query.where(col(TreatmentPlan.patient_id).in_(mine))
    rows = (await session.exec(query)).all()
    return [
        PlanDue(
            plan_id=plan.id,
            patient_id=patient.id,
            patient_name=f"{patient.given_name} {patient.family_name}",
            review_due=plan.review_due,
            overdue=plan.review_due < today,
        )
        for plan, patient in rows
        if plan.review_due is not None
    ]


async def progress(
    session: AsyncSession, patient_id: uuid.UUID, today: date, *, since: date | None = None
) -> list[ObjectiveProgress]:
    """Every objective of the active plan with its points (one query) and its status."""
    plan = await points.active_plan(session, patient_id)
    if plan is None:
        return []
    content = PlanContent.model_validate(plan.content)
    found = points.objectives(content)
    query = select(ProgressPoint).where(
        col(ProgressPoint.objective_id).in_([o.id for o, _, _ in found])
    )
    if since is not None:
        query = query.where(func.date(ProgressPoint.recorded_at) >= since)
    by_objective: dict[uuid.UUID, list[ProgressPoint]] = {o.id: [] for o, _, _ in found}
    for point in (await session.exec(query.order_by(col(ProgressPoint.recorded_at)))).all():
        by_objective[point.objective_id].append(point)
    start = (plan.activated_at or plan.created_at).date()
    return [
        ObjectiveProgress(
            objective=objective,
            goal=goal,
            problem=problem,
            status=rules.status(
                objective,
                start,
                [(p.recorded_at.date(), p.value) for p in by_objective[objective.id]],
                today,
            ),
            points=[
                ProgressPointRead.model_validate(p, from_attributes=True)
                for p in by_objective[objective.id]
            ],
        )
        for objective, goal, problem in found
    ]


async def add_point(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    objective_id: uuid.UUID,
    value: float,
    on: date | None,
    note: str,
) -> None:
    objectives = {o.id: o for o in await points.active_objectives(session, patient_id)}
    objective = objectives.get(objective_id)
    if objective is None:
        raise Problem(404, "No such objective in the client's active plan.")
    low, high = rules.RANGES.get(objective.kind, (0.0, float("inf")))
    if not low <= value <= high:
        raise Problem(
            422,
            f"value: between {low:g} and {high:g} for this objective.",
            errors=[{"field": "value", "message": f"between {low:g} and {high:g}"}],
        )
    when = utcnow()
    if on is not None:
        if on > when.date():
            raise Problem(
                422,
                "recorded_on: not in the future.",
                errors=[{"field": "recorded_on", "message": "future"}],
            )
        when = when.replace(year=on.year, month=on.month, day=on.day)
    point = points.Point(objective_id, value, when, "manual", uuid.uuid4(), note)
    await points.record(session, patient_id, [point], principal.user_id)
    await record(
        session, actor, "create", "progress_point", entity_id=objective_id, patient_id=patient_id
    )


def _summary(item: ObjectiveProgress) -> str:
    o = item.objective
    unit = f" {o.unit}" if o.unit else ""
    if not item.points:
        return f"No measurements yet (baseline {o.baseline:g}{unit}, target {o.target:g}{unit})."
    first, latest = item.points[0].value, item.points[-1].value
    return (
        f"{len(item.points)} measurement(s): from {first:g} to {latest:g}{unit} "
        f"(baseline {o.baseline:g}, target {o.target:g} by {o.target_date:%d %b %Y}): "
        f"{item.status.value}."
    )


async def review(session: AsyncSession, plan: TreatmentPlan, today: date) -> PlanReview:
    """The review of an active plan, pre-filled with each objective's progress since the
    plan became active."""
    if plan.status != "active":
        raise Problem(409, "Only the active plan is reviewed.")
    since = (plan.activated_at or plan.created_at).date()
    items = await progress(session, plan.patient_id, today, since=since)
    return PlanReview(
        plan_id=plan.id,
        number=plan.number,
        since=since,
        review_due=plan.review_due,
        objectives=[
            ObjectiveReview(
                objective_id=item.objective.id,
                text=item.objective.text,
                status=item.status,
                baseline=item.objective.baseline,
                target=item.objective.target,
                first=item.points[0].value if item.points else None,
                latest=item.points[-1].value if item.points else None,
                points=len(item.points),
                summary=_summary(item),
            )
            for item in items
        ],
    )
