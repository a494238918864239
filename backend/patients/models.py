"""The chart's anchor: one record per person, and the staff on their care team."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Identity, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class Patient(SQLModel, table=True):
    __tablename__ = "patient"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    mrn_number: int = Field(sa_column=Column(Integer, Identity(start=100001), unique=True))
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date
    created_at: datetime = timestamp(default_now=True)
    version: int = 1


class CareTeamMember(SQLModel, table=True):
    """A treatment relationship: what lets a clinician or facilitator open the chart."""

    __tablename__ = "care_team_member"
    __table_args__ = (UniqueConstraint("patient_id", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    added_at: datetime = timestamp(default_now=True)
