"""Billing: catalogue, coverage, charges, payments, claim batches."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

Modifier = Annotated[str, StringConstraints(max_length=2)]
DiagnosisCode = Annotated[str, StringConstraints(max_length=8)]


class ServiceCodeWrite(BaseModel):
    code: str = Field(max_length=5, pattern=r"^[0-9A-Z]{5}$", description="CPT or HCPCS code")
    description: str = Field(min_length=3, max_length=200)
    rule: str = Field(max_length=20, pattern="^(session|timed|psychotherapy|per_diem)$")
    min_minutes: int = Field(default=0, ge=0, le=1440)
    unit_minutes: int = Field(default=15, ge=1, le=240)
    max_units: int | None = Field(default=None, ge=1, le=100)
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    place_of_service: str = Field(default="11", max_length=2, pattern=r"^\d{2}$")
    fee: Decimal = Field(ge=0, le=100_000, decimal_places=2)
    active: bool = True


class ServiceCodeRead(ServiceCodeWrite):
    id: uuid.UUID
    version: int
    # Money leaves the API as a decimal string ("180.00"), as every other amount does.
    fee: Decimal


class PayerCreate(BaseModel):
    name: str = Field(min_length=2, max_length=120)
    payer_code: str = Field(min_length=2, max_length=20, pattern=r"^[A-Za-z0-9]+$")


class PayerRead(PayerCreate):
    id: uuid.UUID


class CoverageCreate(BaseModel):
    payer_id: uuid.UUID
    member_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    group_number: str = Field(default="", max_length=40)
    priority: int = Field(default=1, ge=1, le=3)
    start_date: date
    end_date: date | None = None


class CoverageRead(CoverageCreate):
    id: uuid.UUID
    patient_id: uuid.UUID


class ChargeRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str = ""
    service_date: date
    code: str
    modifiers: list[str]
    units: int
    minutes: int | None
    fee: Decimal
    diagnosis_codes: list[str]
    place_of_service: str
    rendering_provider_id: uuid.UUID | None
    source: str
    source_id: uuid.UUID
    coverage_id: uuid.UUID | None
    status: str
    hold_reason: str
    explanation: str
    claim_batch_id: uuid.UUID | None
    version: int


class ChargeHold(BaseModel):
    reason: str = Field(min_length=3, max_length=300)


class ChargeCorrection(BaseModel):
    code: str | None = Field(default=None, max_length=5, pattern=r"^[0-9A-Z]{5}$")
    units: int | None = Field(default=None, ge=1, le=100)
    modifiers: list[Modifier] | None = Field(default=None, max_length=4)
    diagnosis_codes: list[DiagnosisCode] | None = Field(default=None, max_length=4)
    reason: str = Field(min_length=3, max_length=300)


class DayDecisionRead(BaseModel):
    patient_id: uuid.UUID
    code: str
    service_date: date
    minutes: int
    billed: bool
    reason: str


class PaymentCreate(BaseModel):
    kind: str = Field(max_length=10, pattern="^(payment|adjustment)$")
    source: str = Field(max_length=6, pattern="^(client|payer)$")
    amount: Decimal = Field(gt=0, le=1_000_000, decimal_places=2)
    received_on: date
    charge_id: uuid.UUID | None = None
    reference: str = Field(default="", max_length=100)


class Balance(BaseModel):
    patient_id: uuid.UUID
    charged: Decimal
    paid: Decimal
    adjusted: Decimal
    balance: Decimal


class ClaimBatchCreate(BaseModel):
    payer_id: uuid.UUID


class ClaimBatchRead(BaseModel):
    id: uuid.UUID
    payer_id: uuid.UUID
    control_number: int
    created_at: datetime
    claims: int
    total: Decimal
