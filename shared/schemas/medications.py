"""Medications, prescriptions and the MAR."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

LocalTime = Annotated[str, StringConstraints(max_length=5)]


class MedicationSource(StrEnum):
    PRESCRIBED_HERE = "prescribed_here"
    CLIENT_REPORTED = "client_reported"
    OTHER_PRESCRIBER = "other_prescriber"


class MedicationCreate(BaseModel):
    """A medication the client reports, or one another prescriber ordered."""

    name: str = Field(min_length=2, max_length=200)
    rxnorm: str | None = Field(default=None, max_length=10, pattern=r"^\d{1,10}$")
    strength: str = Field(default="", max_length=60)
    dose_form: str = Field(default="", max_length=40)
    source: MedicationSource = MedicationSource.CLIENT_REPORTED
    start_date: date | None = None


class MedicationStop(BaseModel):
    reason: str = Field(min_length=3, max_length=300)
    stop_date: date | None = None


class MedicationRead(BaseModel):
    id: uuid.UUID
    name: str
    rxnorm: str | None
    strength: str
    dose_form: str
    source: str
    status: str
    start_date: date | None
    stop_date: date | None
    stop_reason: str
    prescription_id: uuid.UUID | None


class PrescriptionCreate(BaseModel):
    drug_name: str = Field(min_length=2, max_length=200)
    rxnorm: str | None = Field(default=None, max_length=10, pattern=r"^\d{1,10}$")
    strength: str = Field(min_length=1, max_length=60, description="e.g. '300 mg'")
    dose_form: str = Field(min_length=2, max_length=40, description="tablet, capsule, solution…")
    dose_amount: float = Field(description="Per administration, > 0")
    dose_unit: str = Field(
        max_length=20, description="mg, mcg, g, mL, units, mEq, tablet, capsule, …"
    )
    route: str = Field(
        max_length=20, description="PO, SL, IM, IV, SC, TOP, TD, INH, NAS, PR, OPH, BUCC"
    )
    frequency: str = Field(
        max_length=20, description="once, daily, qam, qhs, bid, tid, qid, q4h, q6h, …, prn"
    )
    times: list[LocalTime] | None = Field(
        default=None, max_length=12, description="Local HH:MM times (defaults by frequency)"
    )
    duration_days: int | None = Field(default=None, ge=1, le=365)
    prn: bool = False
    prn_indication: str = Field(default="", max_length=200)
    quantity: float
    quantity_unit: str = Field(max_length=20)
    refills: int = Field(default=0)
    schedule: str | None = Field(
        default=None, max_length=4, description="Controlled substance: II–V"
    )
    start_date: date | None = None
    allergy_override_reason: str = Field(default="", max_length=300)


class PrescriptionDiscontinue(BaseModel):
    reason: str = Field(min_length=3, max_length=300)


class PrescriptionRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    drug_name: str
    rxnorm: str | None
    strength: str
    dose_form: str
    dose_amount: float
    dose_unit: str
    route: str
    frequency: str
    times: list[str]
    duration_days: int | None
    prn: bool
    prn_indication: str
    quantity: float
    quantity_unit: str
    refills: int
    schedule: str | None
    start_date: date
    prescriber_id: uuid.UUID
    status: str
    signed_at: datetime | None
    discontinued_at: datetime | None
    discontinue_reason: str
    allergy_override_reason: str
    transmission: str
    sig: str
    version: int


class DoseStatus(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    HELD = "held"
    MISSED = "missed"


class DoseRecord(BaseModel):
    status: DoseStatus
    note: str = Field(default="", max_length=500)


class PrnGive(BaseModel):
    reason: str = Field(min_length=2, max_length=300)
    given_at: datetime | None = None


class PrnEffect(BaseModel):
    effect: str = Field(min_length=2, max_length=300)


class DoseRead(BaseModel):
    id: uuid.UUID
    prescription_id: uuid.UUID
    patient_id: uuid.UUID
    scheduled_at: datetime
    prn: bool
    status: str
    recorded_at: datetime | None
    recorded_by: uuid.UUID | None
    note: str
    prn_reason: str
    prn_effect: str
    version: int


class MarRow(BaseModel):
    """One prescription on a day's MAR with its doses."""

    patient_id: uuid.UUID
    patient_name: str
    prescription_id: uuid.UUID
    medication: str
    sig: str
    prn: bool
    doses: list[DoseRead]
