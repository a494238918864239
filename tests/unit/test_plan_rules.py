"""Pure plan rules: measurable objectives, status on the baseline → target line, diffs."""

from datetime import date, timedelta

import pytest

from backend.plans import rules
from shared.schemas.plans import Goal, Intervention, Objective, PlanContent, Problem

pytestmark = pytest.mark.plans
START = date(2026, 1, 1)


def phq9(**changes: object) -> Objective:
    values: dict[str, object] = {
        "text": "PHQ-9 below 10 by 1 March",
        "kind": "instrument",
        "instrument": "phq9",
        "baseline": 18,
        "target": 9,
        "direction": "decrease",
        "target_date": START + timedelta(days=60),
    }
    return Objective.model_validate(values | changes)


@pytest.mark.parametrize(
    ("points", "today", "expected"),
    [
        ([], START + timedelta(days=10), "no data"),
        ([], START + timedelta(days=61), "not met"),
        ([(START + timedelta(days=30), 9)], START + timedelta(days=30), "met"),
        ([(START + timedelta(days=30), 13.5)], START + timedelta(days=30), "on track"),
        # expected 13.5 at day 30; 0.9 of slack (10% of 9) still on track, beyond is at risk
        ([(START + timedelta(days=30), 14.3)], START + timedelta(days=30), "on track"),
        ([(START + timedelta(days=30), 14.5)], START + timedelta(days=30), "at risk"),
        ([(START + timedelta(days=59), 12)], START + timedelta(days=61), "not met"),
        # the latest point counts, not the best one
        (
            [(START + timedelta(days=5), 8), (START + timedelta(days=20), 17)],
            START + timedelta(days=20),
            "at risk",
        ),
    ],
)
def test_status_follows_the_trajectory(points, today, expected) -> None:
    assert rules.status(phq9(), START, points, today).value == expected


def test_increase_objectives_mirror_decrease() -> None:
    rating = phq9(kind="rating", instrument=None, baseline=2, target=8, direction="increase")
    on = START + timedelta(days=30)  # expected 5
    assert rules.status(rating, START, [(on, 4.5)], on).value == "on track"
    assert rules.status(rating, START, [(on, 4.3)], on).value == "at risk"
    assert rules.status(rating, START, [(on, 8)], on).value == "met"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"instrument": "nope"}, "o.instrument"),
        ({"baseline": 28}, "o.baseline"),
        ({"target": 19}, "o.target"),
        ({"kind": "rating", "instrument": None, "baseline": 11, "target": 2}, "o.baseline"),
        (
            {
                "kind": "percentage",
                "instrument": None,
                "baseline": 50,
                "target": 120,
                "direction": "increase",
            },
            "o.target",
        ),
        ({"kind": "count", "instrument": None, "baseline": -1, "target": -3}, "o.baseline"),
    ],
)
def test_unmeasurable_objectives_are_named(changes, field) -> None:
    assert field in [f for f, _ in rules.objective_errors(phq9(**changes), "o")]


def test_a_measurable_objective_passes() -> None:
    assert rules.objective_errors(phq9(), "o") == []


def _plan(*objectives: Objective) -> PlanContent:
    goal = Goal(text="Feel like myself again", objectives=list(objectives))
    return PlanContent(problems=[Problem(description="Depression", goals=[goal])])


def test_diff_names_changed_fields_additions_and_removals() -> None:
    a, b, c = phq9(), phq9(text="Sleeps 7 hours"), phq9(text="Walks daily")
    old = _plan(a, b, c)
    new = old.model_copy(deep=True)
    objectives = new.problems[0].goals[0].objectives
    objectives[0].target = 8
    objectives[0].interventions.append(Intervention(modality="CBT", frequency="weekly"))
    del objectives[1]  # removing b must not count as moving c
    changes = {(d.change, d.node, tuple(d.fields)) for d in rules.diff(old, new)}
    assert changes == {
        ("changed", "objective", ("target",)),
        ("added", "intervention", ()),
        ("removed", "objective", ()),
    }


def test_diff_reports_reordering() -> None:
    old = _plan(phq9(), phq9(text="Sleeps 7 hours"))
    new = old.model_copy(deep=True)
    new.problems[0].goals[0].objectives.reverse()
    moved = rules.diff(old, new)
    assert {(d.change, d.label) for d in moved} == {
        ("moved", "PHQ-9 below 10 by 1 March"),
        ("moved", "Sleeps 7 hours"),
    }
