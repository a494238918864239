"""The chart's anchor: one record per person across every program and level of care,
the staff on their care team, their episodes of care, diagnoses and allergies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Identity, Index, Integer, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class Patient(SQLModel, table=True):
    __tablename__ = "patient"
    __table_args__ = (
        Index(
            "ix_patient_search_name_trgm",
            "search_name",
            postgresql_using="gin",
            postgresql_ops={"search_name": "gin_trgm_ops"},
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    mrn_number: int = Field(sa_column=Column(Integer, Identity(start=100001), unique=True))
    given_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    family_name: str = Field(max_length=100)
    preferred_name: str = Field(default="", max_length=100)
    pronouns: str = Field(default="", max_length=40)
    birth_date: date = Field(index=True)
    sex_at_birth: str = Field(default="unknown", max_length=20)
    gender_identity: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    phones: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    address: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    emergency_contacts: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    insurance: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    external_ids: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    status: str = Field(default="active", max_length=20)
    # Lower-cased names for trigram search; phone digits for exact phone lookup.
    search_name: str = Field(default="", max_length=400)
    phone_digits: str = Field(default="", max_length=400, index=True)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)
    version: int = 1


class CareTeamMember(SQLModel, table=True):
    """A treatment relationship: what lets a clinician or facilitator open the chart."""

    __tablename__ = "care_team_member"
    __table_args__ = (UniqueConstraint("patient_id", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    role: str = Field(default="clinician", max_length=30)
    added_at: datetime = timestamp(default_now=True)


class Program(SQLModel, table=True):
    """A treatment program; ``part2`` marks a federally assisted SUD program (42 CFR Part 2)."""

    __tablename__ = "program"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    level_of_care: str = Field(max_length=20)
    part2: bool = False
    active: bool = True
    plan_review_days: int = Field(default=90, description="Treatment-plan review interval")
    plan_approval_required: bool = False  # plans need a supervisor's approval to activate
    per_diem_code: str = Field(default="", max_length=10)  # e.g. H0015 for an IOP day


class Episode(SQLModel, table=True):
    """One continuous stay in treatment: admission, transitions between programs and
    levels of care, discharge. The current program and level are kept on the row."""

    __tablename__ = "episode"
    # At most one open episode per patient, even under concurrent admissions.
    __table_args__ = (
        Index(
            "uq_episode_open_per_patient",
            "patient_id",
            unique=True,
            postgresql_where=text("discharged_on IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    program_id: uuid.UUID = Field(foreign_key="program.id")
    level_of_care: str = Field(max_length=20)
    admitted_on: date
    discharged_on: date | None = None
    disposition: str | None = Field(default=None, max_length=200)
    version: int = 1


class Transition(SQLModel, table=True):
    __tablename__ = "episode_transition"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    episode_id: uuid.UUID = Field(foreign_key="episode.id", index=True)
    occurred_on: date
    from_program_id: uuid.UUID = Field(foreign_key="program.id")
    from_level: str = Field(max_length=20)
    to_program_id: uuid.UUID = Field(foreign_key="program.id")
    to_level: str = Field(max_length=20)
    reason: str = Field(max_length=500)
    recorded_by: uuid.UUID = Field(foreign_key="app_user.id")


class Diagnosis(SQLModel, table=True):
    __tablename__ = "diagnosis"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    code: str = Field(max_length=8)
    description: str = Field(max_length=250)
    status: str = Field(default="active", max_length=20)
    onset: date | None = None
    recorded_at: datetime = timestamp(default_now=True)


class Allergy(SQLModel, table=True):
    __tablename__ = "allergy"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    substance: str = Field(max_length=120)
    reaction: str = Field(default="", max_length=200)
    severity: str = Field(max_length=20)
    recorded_at: datetime = timestamp(default_now=True)
