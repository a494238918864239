"""Pure rules of treatment plans: what makes an objective measurable, where an objective
stands on its baseline → target trajectory, and what changed between two versions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from backend.measures.instruments import INSTRUMENTS
from shared.schemas.plans import (
    Direction,
    Objective,
    ObjectiveKind,
    ObjectiveStatus,
    PlanChange,
    PlanContent,
)

RANGES = {
    ObjectiveKind.RATING: (0.0, 10.0),
    ObjectiveKind.PERCENTAGE: (0.0, 100.0),
    ObjectiveKind.YES_NO: (0.0, 1.0),
}
# A point within this share of the whole baseline → target distance behind the expected
# trajectory still counts as on track.
TOLERANCE = 0.1


def objective_errors(objective: Objective, where: str) -> list[tuple[str, str]]:
    """Why an objective is not measurable, as (field, message) pairs."""
    errors = []
    if objective.kind == ObjectiveKind.INSTRUMENT:
        instrument = INSTRUMENTS.get(objective.instrument or "")
        if instrument is None:
            errors.append((f"{where}.instrument", f"one of {', '.join(sorted(INSTRUMENTS))}"))
        else:
            limits = (0.0, float(instrument.max_total))
            errors += _range(objective, where, limits)
    elif objective.kind in RANGES:
        errors += _range(objective, where, RANGES[objective.kind])
    elif min(objective.baseline, objective.target) < 0:
        errors.append((f"{where}.baseline", "a count cannot be negative"))
    if objective.direction == Direction.INCREASE and objective.target <= objective.baseline:
        errors.append((f"{where}.target", "must be above the baseline to increase"))
    if objective.direction == Direction.DECREASE and objective.target >= objective.baseline:
        errors.append((f"{where}.target", "must be below the baseline to decrease"))
    return errors


def _range(objective: Objective, where: str, limits: tuple[float, float]) -> list[tuple[str, str]]:
    low, high = limits
    return [
        (f"{where}.{name}", f"between {low:g} and {high:g}")
        for name in ("baseline", "target")
        if not low <= getattr(objective, name) <= high
    ]


def content_errors(content: PlanContent, diagnoses: set[str]) -> list[tuple[str, str]]:
    """Every problem in a plan, with field paths such as ``problems[0].goals[1]...``."""
    errors: list[tuple[str, str]] = []
    for p, problem in enumerate(content.problems):
        if problem.icd10 and problem.icd10.upper() not in diagnoses:
            errors.append((f"problems[{p}].icd10", "not one of the client's diagnoses"))
        for g, goal in enumerate(problem.goals):
            for o, objective in enumerate(goal.objectives):
                errors += objective_errors(objective, f"problems[{p}].goals[{g}].objectives[{o}]")
    ids = [node_id for node_id, *_ in _nodes(content)]
    if len(ids) != len(set(ids)):
        errors.append(("problems", "two parts of the plan share one id"))
    return errors


def completeness_errors(content: PlanContent) -> list[tuple[str, str]]:
    """A plan to sign needs at least one problem, and every problem a goal with an
    objective that has an intervention."""
    if not content.problems:
        return [("problems", "add at least one problem")]
    errors = []
    for p, problem in enumerate(content.problems):
        if not problem.goals:
            errors.append((f"problems[{p}].goals", "add a goal"))
        for g, goal in enumerate(problem.goals):
            if not goal.objectives:
                errors.append((f"problems[{p}].goals[{g}].objectives", "add an objective"))
            for o, objective in enumerate(goal.objectives):
                if not objective.interventions:
                    where = f"problems[{p}].goals[{g}].objectives[{o}].interventions"
                    errors.append((where, "add an intervention"))
    return errors


def expected_value(objective: Objective, start: date, on: date) -> float:
    """Where the straight baseline → target line says the objective should be ``on``."""
    span = (objective.target_date - start).days
    share = 1.0 if span <= 0 else min(max((on - start).days / span, 0.0), 1.0)
    return objective.baseline + (objective.target - objective.baseline) * share


def status(
    objective: Objective, start: date, points: Iterable[tuple[date, float]], today: date
) -> ObjectiveStatus:
    """met: the latest value reached the target; not met: the target date passed without
    it; on track / at risk: the latest value against the expected trajectory."""
    ordered = sorted(points)
    if not ordered:
        return ObjectiveStatus.NOT_MET if today > objective.target_date else ObjectiveStatus.NO_DATA
    on, value = ordered[-1]
    sign = 1 if objective.direction == Direction.INCREASE else -1
    if sign * (value - objective.target) >= 0:
        return ObjectiveStatus.MET
    if today > objective.target_date:
        return ObjectiveStatus.NOT_MET
    slack = TOLERANCE * abs(objective.target - objective.baseline)
    behind = sign * (expected_value(objective, start, on) - value)
    return ObjectiveStatus.AT_RISK if behind > slack else ObjectiveStatus.ON_TRACK


def _nodes(content: PlanContent) -> list[tuple[uuid.UUID, str, str, dict[str, Any], Any, int]]:
    """(id, kind, label, own fields, parent id, position) for every node of the tree."""
    found: list[tuple[uuid.UUID, str, str, dict[str, Any], Any, int]] = []
    for i, problem in enumerate(content.problems):
        own = problem.model_dump(mode="json", exclude={"id", "goals"})
        found.append((problem.id, "problem", problem.description, own, None, i))
        for j, goal in enumerate(problem.goals):
            own = goal.model_dump(mode="json", exclude={"id", "objectives"})
            found.append((goal.id, "goal", goal.text, own, problem.id, j))
            for k, objective in enumerate(goal.objectives):
                own = objective.model_dump(mode="json", exclude={"id", "interventions"})
                found.append((objective.id, "objective", objective.text, own, goal.id, k))
                for m, item in enumerate(objective.interventions):
                    own = item.model_dump(mode="json", exclude={"id"})
                    label = f"{item.modality.value} {item.frequency}".strip()
                    found.append((item.id, "intervention", label, own, objective.id, m))
    return found


Nodes = dict[uuid.UUID, tuple[uuid.UUID, str, str, dict[str, Any], Any, int]]


def _rank(one: Nodes, other: Nodes, node_id: uuid.UUID) -> int:
    """The node's place among its siblings that exist in both versions (so removing or
    adding a sibling does not count as moving the others)."""
    parent = one[node_id][4]
    siblings = sorted((n[5], n[0]) for n in one.values() if n[4] == parent and n[0] in other)
    return [i for _, i in siblings].index(node_id)


def diff(old: PlanContent, new: PlanContent) -> list[PlanChange]:
    """What a revision changed, node by node (matched by their stable ids)."""
    before = {n[0]: n for n in _nodes(old)}
    after = {n[0]: n for n in _nodes(new)}
    changes = []
    for node_id, (_, kind, label, own, parent, _) in after.items():
        if node_id not in before:
            changes.append(PlanChange(change="added", node=kind, id=node_id, label=label))
            continue
        _, _, _, old_own, old_parent, _ = before[node_id]
        fields = sorted(k for k in own if own[k] != old_own.get(k))
        if fields:
            changes.append(
                PlanChange(change="changed", node=kind, id=node_id, label=label, fields=fields)
            )
        if parent != old_parent or _rank(before, after, node_id) != _rank(after, before, node_id):
            changes.append(PlanChange(change="moved", node=kind, id=node_id, label=label))
    for node_id, (_, kind, label, *_) in before.items():
        if node_id not in after:
            changes.append(PlanChange(change="removed", node=kind, id=node_id, label=label))
    return changes
