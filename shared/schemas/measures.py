"""Measurement-based care: standardized instruments, administered assessments, the safety
alerts they raise, and recurring administration schedules."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class AssessmentVia(StrEnum):
    CLINICIAN = "clinician"  # the clinician entered the client's answers
    CLIENT_TABLET = "client_tablet"  # the client answered on a handed-over tablet


class ChoiceRead(BaseModel):
    value: int
    label: str


class ItemRead(BaseModel):
    text: str
    choices: list[ChoiceRead]


class InstrumentRead(BaseModel):
    key: str
    name: str
    title: str
    prompt: str
    items: list[ItemRead]
    max_total: int


class AssessmentCreate(BaseModel):
    instrument: str = Field(min_length=1, max_length=20, description="phq9, gad7, pcl5, …")
    # Any JSON list is accepted here so that the instrument's own rules judge every answer
    # and name it (`answers[3]`); the documented shape stays a list of integers.
    answers: list[Any] = Field(
        max_length=100,
        description="One integer per item, in item order",
        json_schema_extra={"items": {"type": "integer", "minimum": 0}},
    )
    via: AssessmentVia = AssessmentVia.CLINICIAN


class AssessmentRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    instrument: str
    answers: list[int]
    total: int
    severity: str
    flags: list[str]
    administered_at: datetime
    via: AssessmentVia


class AlertRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    kind: str
    message: str
    assessment_id: uuid.UUID | None
    created_at: datetime
    acknowledged_at: datetime | None


class ScheduleCreate(BaseModel):
    instrument: str = Field(min_length=1, max_length=20)
    every_days: int = Field(ge=1, le=365)
    start_on: date


class ScheduleRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    instrument: str
    every_days: int
    start_on: date
    active: bool
    due_on: date | None = Field(default=None, description="Next administration due")


class AssessmentDue(BaseModel):
    schedule_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    instrument: str
    instrument_name: str = Field(description="e.g. PHQ-9")
    due_on: date
    overdue: bool
