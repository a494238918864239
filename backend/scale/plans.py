"""Treatment-plan templates for generated clients: real plan documents (problems → goals →
measurable objectives → interventions) built and validated here, once, with the project's
own schemas; SQL then copies one per client.

A template's node ids share a placeholder prefix, its target dates a placeholder date and
its responsible clinician a placeholder id. SQL replaces the three per client, so each
client's objectives get their own stable ids and the content hash can be computed from
the same canonical text the application hashes (``backend.notes.rules.content_hash``).
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import date

from backend.patients.icd10 import COMMON_CODES
from shared.schemas.plans import (
    Direction,
    Goal,
    Intervention,
    Modality,
    Objective,
    ObjectiveKind,
    PlanContent,
    Problem,
)

NODE_PREFIX = "00000000-0000-0000-0000-"  # replaced by 24 characters of a client's own
CLINICIAN = uuid.UUID("ffffffff-ffff-ffff-ffff-ffffffffffff")
TARGET_DATE = date(2000, 1, 1)


@dataclass(frozen=True)
class Template:
    key: str
    diagnoses: tuple[str, ...]
    content: PlanContent

    def canonical(self) -> str:
        """The text ``content_hash`` hashes: sorted keys, no spaces."""
        document = self.content.model_dump(mode="json")
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def objectives(self) -> list[Objective]:
        return [o for p in self.content.problems for g in p.goals for o in g.objectives]


class _Builder:
    """Numbers the nodes of one template: placeholder prefix + a 12-digit suffix."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)

    def id(self) -> uuid.UUID:
        return uuid.UUID(f"{NODE_PREFIX}{next(self._numbers):012x}")

    def intervention(self, modality: Modality, description: str, frequency: str) -> Intervention:
        individual = modality in (Modality.CBT, Modality.MI, Modality.MEDICATION, Modality.ACT)
        return Intervention(
            id=self.id(),
            modality=modality,
            description=description,
            frequency=frequency,
            responsible_id=CLINICIAN if individual else None,
        )

    def objective(
        self,
        text: str,
        kind: ObjectiveKind,
        baseline: float,
        target: float,
        *interventions: Intervention,
        instrument: str | None = None,
        unit: str = "",
    ) -> Objective:
        direction = Direction.INCREASE if target > baseline else Direction.DECREASE
        return Objective(
            id=self.id(),
            text=text,
            kind=kind,
            instrument=instrument,
            unit=unit,
            baseline=baseline,
            target=target,
            direction=direction,
            target_date=TARGET_DATE,
            interventions=list(interventions),
        )

    def problem(self, description: str, icd10: str, goal: str, *objectives: Objective) -> Problem:
        problem_id, goal_id = self.id(), self.id()
        return Problem(
            id=problem_id,
            description=description,
            icd10=icd10,
            goals=[
                Goal(id=goal_id, text=goal, target_date=TARGET_DATE, objectives=list(objectives))
            ],
        )


def _depression() -> Template:
    b = _Builder()
    group = b.intervention(Modality.GROUP, "Mood management group", "3x/week")
    return Template(
        "depression",
        ("F33.1", "F41.1"),
        PlanContent(
            problems=[
                b.problem(
                    "Recurrent depression: low mood, withdrawal, poor sleep",
                    "F33.1",
                    "I want to feel like myself again and get back to work",
                    b.objective(
                        "PHQ-9 total below 10",
                        ObjectiveKind.INSTRUMENT,
                        18,
                        9,
                        b.intervention(Modality.CBT, "Individual CBT", "weekly"),
                        group,
                        instrument="phq9",
                    ),
                    b.objective(
                        "Mood rated at group check-in (0-10)",
                        ObjectiveKind.RATING,
                        3,
                        7,
                        b.intervention(Modality.CBT, "Behavioral activation plan", "weekly"),
                    ),
                ),
                b.problem(
                    "Generalized anxiety: constant worry and tension",
                    "F41.1",
                    "Worry less and sleep through the night",
                    b.objective(
                        "GAD-7 total below 8",
                        ObjectiveKind.INSTRUMENT,
                        15,
                        7,
                        b.intervention(Modality.MEDICATION, "Medication review", "monthly"),
                        instrument="gad7",
                    ),
                ),
            ]
        ),
    )


def _alcohol() -> Template:
    b = _Builder()
    return Template(
        "alcohol",
        ("F10.20", "F32.1"),
        PlanContent(
            problems=[
                b.problem(
                    "Alcohol dependence with near-daily drinking",
                    "F10.20",
                    "Stay sober and rebuild trust with my family",
                    b.objective(
                        "Drinking days per week",
                        ObjectiveKind.COUNT,
                        6,
                        0,
                        b.intervention(Modality.MI, "Motivational interviewing", "weekly"),
                        unit="days/week",
                    ),
                    b.objective(
                        "Confidence in staying sober (0-10)",
                        ObjectiveKind.RATING,
                        3,
                        8,
                        b.intervention(Modality.GROUP, "Relapse prevention group", "3x/week"),
                    ),
                    b.objective(
                        "Attends a mutual-help meeting every week",
                        ObjectiveKind.YES_NO,
                        0,
                        1,
                        b.intervention(Modality.CASE_MANAGEMENT, "Meeting list", "weekly"),
                    ),
                ),
                b.problem(
                    "Depressed mood since drinking increased",
                    "F32.1",
                    "Enjoy things again",
                    b.objective(
                        "PHQ-9 total below 10",
                        ObjectiveKind.INSTRUMENT,
                        14,
                        8,
                        b.intervention(Modality.MEDICATION, "Medication review", "monthly"),
                        instrument="phq9",
                    ),
                ),
            ]
        ),
    )


def _opioids() -> Template:
    b = _Builder()
    return Template(
        "opioids",
        ("F11.20", "Z59.1"),
        PlanContent(
            problems=[
                b.problem(
                    "Opioid use disorder, on buprenorphine maintenance",
                    "F11.20",
                    "Stay off fentanyl and keep my job",
                    b.objective(
                        "Negative urine drug screens",
                        ObjectiveKind.PERCENTAGE,
                        40,
                        90,
                        b.intervention(Modality.MEDICATION, "Buprenorphine management", "weekly"),
                        unit="%",
                    ),
                    b.objective(
                        "Craving intensity (0-10)",
                        ObjectiveKind.RATING,
                        8,
                        3,
                        b.intervention(Modality.GROUP, "Coping with cravings group", "3x/week"),
                    ),
                ),
                b.problem(
                    "Inadequate housing",
                    "Z59.1",
                    "Have a safe place of my own",
                    b.objective(
                        "Housing appointments kept per month",
                        ObjectiveKind.COUNT,
                        0,
                        4,
                        b.intervention(Modality.CASE_MANAGEMENT, "Housing search", "weekly"),
                        unit="per month",
                    ),
                ),
            ]
        ),
    )


def _trauma() -> Template:
    b = _Builder()
    return Template(
        "trauma",
        ("F43.10", "F41.1"),
        PlanContent(
            problems=[
                b.problem(
                    "Post-traumatic stress: nightmares and hypervigilance",
                    "F43.10",
                    "Feel safe at home and sleep again",
                    b.objective(
                        "Nights per week with nightmares",
                        ObjectiveKind.COUNT,
                        5,
                        1,
                        b.intervention(Modality.MEDICATION, "Prazosin titration", "monthly"),
                        unit="nights/week",
                    ),
                    b.objective(
                        "Uses a grounding skill when triggered (0-10)",
                        ObjectiveKind.RATING,
                        2,
                        7,
                        b.intervention(Modality.DBT, "DBT skills group", "3x/week"),
                    ),
                ),
                b.problem(
                    "Anxiety and avoidance",
                    "F41.1",
                    "Go back to the places I avoid",
                    b.objective(
                        "GAD-7 total below 8",
                        ObjectiveKind.INSTRUMENT,
                        16,
                        8,
                        b.intervention(Modality.ACT, "Exposure with ACT", "weekly"),
                        instrument="gad7",
                    ),
                ),
            ]
        ),
    )


TEMPLATES = (_depression(), _alcohol(), _opioids(), _trauma())


def template_rows() -> list[tuple[int, str, str, list[str], list[str]]]:
    """(number, key, canonical content, diagnosis codes, their descriptions)."""
    return [
        (n, t.key, t.canonical(), list(t.diagnoses), [COMMON_CODES[c] for c in t.diagnoses])
        for n, t in enumerate(TEMPLATES)
    ]


def objective_rows() -> list[tuple[int, str, str, str | None, float, float]]:
    """(template, id suffix, kind, instrument, baseline, target) of every objective."""
    return [
        (n, str(o.id)[len(NODE_PREFIX) :], o.kind.value, o.instrument, o.baseline, o.target)
        for n, t in enumerate(TEMPLATES)
        for o in t.objectives()
    ]
