"""Medication list, prescriptions and the medication administration record (MAR)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class Medication(SQLModel, table=True):
    """A medication the client takes or took: prescribed here (linked to its
    prescription), reported by the client, or from another prescriber."""

    __tablename__ = "medication"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    name: str = Field(max_length=200)
    rxnorm: str | None = Field(default=None, max_length=20)
    strength: str = Field(default="", max_length=60)
    dose_form: str = Field(default="", max_length=40)
    source: str = Field(max_length=20)  # prescribed_here | client_reported | other_prescriber
    status: str = Field(default="active", max_length=20)  # active | stopped
    start_date: date | None = None
    stop_date: date | None = None
    stop_reason: str = Field(default="", max_length=300)
    prescription_id: uuid.UUID | None = Field(default=None, foreign_key="prescription.id")
    created_by: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = timestamp(default_now=True)
    version: int = 1


class Prescription(SQLModel, table=True):
    """draft → signed → discontinued. ``times`` are the local administration times the MAR
    schedules each day (from the frequency unless given)."""

    __tablename__ = "prescription"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    drug_name: str = Field(max_length=200)
    rxnorm: str | None = Field(default=None, max_length=20)
    strength: str = Field(max_length=60)
    dose_form: str = Field(max_length=40)
    dose_amount: float
    dose_unit: str = Field(max_length=20)
    route: str = Field(max_length=20)
    frequency: str = Field(max_length=20)
    times: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(String), nullable=False))
    duration_days: int | None = None
    prn: bool = False
    prn_indication: str = Field(default="", max_length=200)
    quantity: float
    quantity_unit: str = Field(max_length=20)
    refills: int = 0
    schedule: str | None = Field(default=None, max_length=4)  # II | III | IV | V
    start_date: date
    timezone: str = Field(max_length=64)
    prescriber_id: uuid.UUID = Field(foreign_key="app_user.id")
    status: str = Field(default="draft", max_length=20)  # draft | signed | discontinued
    signed_at: datetime | None = timestamp(nullable=True)
    discontinued_at: datetime | None = timestamp(nullable=True)
    discontinue_reason: str = Field(default="", max_length=300)
    allergy_override_reason: str = Field(default="", max_length=300)
    # Electronic transmission needs a certified network this system cannot reach: the
    # status says so honestly ("not_transmitted") rather than pretending.
    transmission: str = Field(default="not_transmitted", max_length=30)
    created_at: datetime = timestamp(default_now=True)
    version: int = 1


class MarDose(SQLModel, table=True):
    """One scheduled dose (or a PRN administration) on the MAR."""

    __tablename__ = "mar_dose"
    __table_args__ = (UniqueConstraint("prescription_id", "scheduled_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    prescription_id: uuid.UUID = Field(foreign_key="prescription.id", index=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    scheduled_at: datetime = timestamp(index=True)
    prn: bool = False
    status: str = Field(default="scheduled", max_length=20)  # scheduled|given|refused|held|missed
    recorded_at: datetime | None = timestamp(nullable=True)
    recorded_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    note: str = Field(default="", max_length=500)
    prn_reason: str = Field(default="", max_length=300)
    prn_effect: str = Field(default="", max_length=300)
    prn_effect_at: datetime | None = timestamp(nullable=True)
    version: int = 1
