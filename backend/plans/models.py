"""Treatment plans (versioned documents of problems → goals → objectives → interventions)
and the progress points that arrive for their objectives."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class TreatmentPlan(SQLModel, table=True):
    """Version ``number`` of a client's plan: draft → active → superseded. Active and
    superseded versions never change (the service refuses; a trigger enforces it)."""

    __tablename__ = "treatment_plan"
    __table_args__ = (
        UniqueConstraint("patient_id", "number"),
        Index(
            "uq_treatment_plan_one_active",
            "patient_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_treatment_plan_one_draft",
            "patient_id",
            unique=True,
            postgresql_where=text("status = 'draft'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    number: int
    status: str = Field(default="draft", max_length=20)  # draft | active | superseded
    previous_id: uuid.UUID | None = Field(default=None, foreign_key="treatment_plan.id")
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    created_by: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = timestamp(default_now=True)
    last_editor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    clinician_signed_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    clinician_signed_at: datetime | None = timestamp(nullable=True)
    client_signature_kind: str | None = Field(default=None, max_length=10)  # drawn | typed
    client_signature: str | None = Field(default=None)
    client_signed_at: datetime | None = timestamp(nullable=True)
    approval_required: bool = False
    approved_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    approved_at: datetime | None = timestamp(nullable=True)
    activated_at: datetime | None = timestamp(nullable=True)
    superseded_at: datetime | None = timestamp(nullable=True)
    review_due: date | None = Field(default=None, index=True)
    content_hash: str | None = Field(default=None, max_length=64)
    version: int = 1


class ProgressPoint(SQLModel, table=True):
    """One measurement of an objective (stable objective id across plan versions), from a
    group-note rating, an assessment, an individual note or a manual entry."""

    __tablename__ = "progress_point"
    __table_args__ = (UniqueConstraint("objective_id", "source", "source_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    objective_id: uuid.UUID = Field(index=True)
    value: float
    recorded_at: datetime = timestamp(default_now=True)
    source: str = Field(max_length=20)  # group_note | assessment | progress_note | manual
    source_id: uuid.UUID | None = None
    note: str = Field(default="", max_length=500)
    recorded_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
