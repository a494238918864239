"""Administered instruments, the alerts they raise, and recurring administration
schedules."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class Assessment(SQLModel, table=True):
    __tablename__ = "assessment"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    instrument: str = Field(max_length=20)
    answers: list[int] = Field(sa_column=Column(ARRAY(Integer), nullable=False))
    total: int
    severity: str = Field(max_length=40)
    flags: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(String), nullable=False))
    administered_by: uuid.UUID = Field(foreign_key="app_user.id")
    administered_at: datetime = timestamp(default_now=True, index=True)
    via: str = Field(default="clinician", max_length=20)  # clinician | client_tablet


class ClinicalAlert(SQLModel, table=True):
    """A safety alert for one care-team member (e.g. PHQ-9 item 9 above 0)."""

    __tablename__ = "clinical_alert"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    recipient_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=40)
    message: str = Field(max_length=500)
    assessment_id: uuid.UUID | None = Field(default=None, foreign_key="assessment.id")
    created_at: datetime = timestamp(default_now=True)
    acknowledged_at: datetime | None = timestamp(nullable=True)


class AssessmentSchedule(SQLModel, table=True):
    """Administer ``instrument`` to the client every ``every_days`` days from ``start_on``."""

    __tablename__ = "assessment_schedule"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    instrument: str = Field(max_length=20)
    every_days: int
    start_on: date
    active: bool = True
    created_by: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = timestamp(default_now=True)
