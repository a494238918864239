"""Billing: the service catalogue (codes and their rules, as data), payers and coverage,
charges captured from signed documentation, claim batches, payments."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class ServiceCode(SQLModel, table=True):
    """A CPT/HCPCS code with its billing rule (see ``backend.billing.rules.Rule``)."""

    __tablename__ = "service_code"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=10, unique=True)
    description: str = Field(max_length=200)
    rule: str = Field(max_length=20)  # session | timed | psychotherapy | per_diem
    min_minutes: int = 0
    unit_minutes: int = 15
    max_units: int | None = None
    modifiers: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False)
    )
    place_of_service: str = Field(default="11", max_length=2)
    fee: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(10, 2), nullable=False))
    active: bool = True
    version: int = 1


class Payer(SQLModel, table=True):
    __tablename__ = "payer"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    payer_code: str = Field(max_length=20, description="The payer's EDI id")


class Coverage(SQLModel, table=True):
    __tablename__ = "coverage"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    payer_id: uuid.UUID = Field(foreign_key="payer.id")
    member_id: str = Field(max_length=40)
    group_number: str = Field(default="", max_length=40)
    priority: int = 1  # 1 primary, 2 secondary
    start_date: date
    end_date: date | None = None


class Charge(SQLModel, table=True):
    """A billable service, captured from signed documentation; reviewed by a biller."""

    __tablename__ = "charge"
    __table_args__ = (UniqueConstraint("patient_id", "code", "service_date", "source_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    service_date: date = Field(index=True)
    code: str = Field(max_length=10)
    modifiers: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False)
    )
    units: int
    minutes: int | None = None
    fee: Decimal = Field(sa_column=Column(Numeric(10, 2), nullable=False))
    diagnosis_codes: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False)
    )
    place_of_service: str = Field(max_length=2)
    rendering_provider_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    program_id: uuid.UUID | None = Field(default=None, foreign_key="program.id")
    source: str = Field(max_length=20)  # group_note | progress_note | per_diem
    source_id: uuid.UUID
    coverage_id: uuid.UUID | None = Field(default=None, foreign_key="coverage.id")
    status: str = Field(default="pending", max_length=20)  # pending|approved|held|billed|void
    hold_reason: str = Field(default="", max_length=300)
    explanation: str = Field(default="", max_length=300)
    claim_batch_id: uuid.UUID | None = Field(default=None, foreign_key="claim_batch.id")
    created_at: datetime = timestamp(default_now=True)
    version: int = 1


class ClaimBatch(SQLModel, table=True):
    __tablename__ = "claim_batch"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    payer_id: uuid.UUID = Field(foreign_key="payer.id")
    control_number: int
    created_by: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = timestamp(default_now=True)
    claims: int
    total: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    x12: str


class Payment(SQLModel, table=True):
    """Money received (or written off) against a client's account, optionally a charge."""

    __tablename__ = "payment"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    charge_id: uuid.UUID | None = Field(default=None, foreign_key="charge.id")
    kind: str = Field(max_length=20)  # payment | adjustment
    source: str = Field(max_length=20)  # client | payer
    amount: Decimal = Field(sa_column=Column(Numeric(10, 2), nullable=False))
    received_on: date
    reference: str = Field(default="", max_length=100)
    recorded_by: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = timestamp(default_now=True)


class DayDecision(SQLModel, table=True):
    """Why a per-diem day was (or was not) billed: shown to billers and staff."""

    __tablename__ = "per_diem_day"
    __table_args__ = (UniqueConstraint("patient_id", "code", "service_date"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    code: str = Field(max_length=10)
    service_date: date
    minutes: int
    billed: bool
    reason: str = Field(max_length=300)
    updated_at: datetime = timestamp(default_now=True)
