"""Treatment plans: problem → goal → measurable objective → intervention, versioned.

The tree travels as one document; every node keeps a stable ``id`` across versions, so a
revision's diff matches nodes by id and progress points stay attached to an objective
whatever version of the plan is active."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class ObjectiveKind(StrEnum):
    INSTRUMENT = "instrument"  # e.g. PHQ-9 total
    COUNT = "count"  # count per period (e.g. cravings per week)
    PERCENTAGE = "percentage"
    RATING = "rating"  # 0–10
    YES_NO = "yes_no"  # 0 / 1


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class ObjectiveStatus(StrEnum):
    NO_DATA = "no data"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    MET = "met"
    NOT_MET = "not met"


class Modality(StrEnum):
    CBT = "CBT"
    DBT = "DBT"
    MI = "MI"
    ACT = "ACT"
    GROUP = "group"
    FAMILY = "family"
    CASE_MANAGEMENT = "case management"
    MEDICATION = "medication management"
    PSYCHOEDUCATION = "psychoeducation"
    OTHER = "other"


def _id() -> uuid.UUID:
    return uuid.uuid4()


class Intervention(BaseModel):
    id: uuid.UUID = Field(default_factory=_id)
    modality: Modality
    description: str = Field(default="", max_length=500)
    frequency: str = Field(min_length=1, max_length=100, description="e.g. 'weekly', '3x/week'")
    responsible_id: uuid.UUID | None = Field(default=None, description="Responsible staff")


class Objective(BaseModel):
    id: uuid.UUID = Field(default_factory=_id)
    text: str = Field(min_length=3, max_length=500)
    kind: ObjectiveKind
    instrument: str | None = Field(
        default=None, max_length=20, description="For kind 'instrument': phq9, …"
    )
    unit: str = Field(default="", max_length=40)
    baseline: float
    target: float
    direction: Direction
    target_date: date
    status: str = Field(default="active", max_length=12, pattern="^(active|met|discontinued)$")
    interventions: list[Intervention] = Field(default_factory=list, max_length=20)


class Goal(BaseModel):
    id: uuid.UUID = Field(default_factory=_id)
    text: str = Field(min_length=3, max_length=500, description="In the client's own words")
    target_date: date | None = None
    objectives: list[Objective] = Field(default_factory=list, max_length=20)


class Problem(BaseModel):
    id: uuid.UUID = Field(default_factory=_id)
    description: str = Field(min_length=3, max_length=500)
    icd10: str | None = Field(
        default=None, max_length=8, description="One of the client's diagnoses"
    )
    goals: list[Goal] = Field(default_factory=list, max_length=20)


class PlanContent(BaseModel):
    problems: list[Problem] = Field(default_factory=list, max_length=30)


class PlanCreate(BaseModel):
    revise: bool = Field(
        default=False, description="Start the next version from the active plan's content"
    )
    content: PlanContent | None = None


class ClientSignature(BaseModel):
    kind: str = Field(max_length=5, pattern="^(drawn|typed)$")
    data: str = Field(
        min_length=2,
        max_length=200_000,
        description="Typed: the client's name as attestation. Drawn: SVG path data.",
    )


class PlanRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    number: int
    status: str
    previous_id: uuid.UUID | None = None
    content: PlanContent
    clinician_signed_by: uuid.UUID | None
    clinician_signed_at: datetime | None
    client_signature_kind: str | None
    client_signed_at: datetime | None
    approval_required: bool
    approved_by: uuid.UUID | None
    approved_at: datetime | None
    activated_at: datetime | None
    review_due: date | None
    version: int


class PlanChange(BaseModel):
    change: str  # added | removed | changed | moved
    node: str  # problem | goal | objective | intervention
    id: uuid.UUID
    label: str
    fields: list[str] = Field(default_factory=list)


class PlanDue(BaseModel):
    plan_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    review_due: date
    overdue: bool


class ProgressPointCreate(BaseModel):
    value: float
    recorded_on: date | None = None
    note: str = Field(default="", max_length=500)


class ProgressPointRead(BaseModel):
    id: uuid.UUID
    objective_id: uuid.UUID
    value: float
    recorded_at: datetime
    source: str
    source_id: uuid.UUID | None
    note: str


class ObjectiveProgress(BaseModel):
    """An objective of the active plan with its points and computed status."""

    objective: Objective
    goal: str
    problem: str
    status: ObjectiveStatus
    points: list[ProgressPointRead]


class ObjectiveReview(BaseModel):
    objective_id: uuid.UUID
    text: str
    status: ObjectiveStatus
    baseline: float
    target: float
    first: float | None
    latest: float | None
    points: int
    summary: str


class PlanReview(BaseModel):
    """A plan review pre-filled with the progress since the plan became active."""

    plan_id: uuid.UUID
    number: int
    since: date
    review_due: date | None
    objectives: list[ObjectiveReview]
