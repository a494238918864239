"""Lab and test orders and their results, urine drug screens included.

Flags are computed by the server from the bounds sent with each result; qualitative and
confirmation values are checked there too (not here), so every refusal names its field in
the same ``results[i].field`` form whether the result came as JSON, CSV or HL7."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

MICRO = "\u00b5"  # the micro sign; the Greek mu and a plain "u" are accepted for it
# The units a result may carry; "" for qualitative results. Spellings that differ only by
# case or micro sign ("ug/mL") are accepted and stored as these.
UNITS = frozenset(
    {
        "mg/dL",
        "mmol/L",
        "mEq/L",
        "ng/mL",
        f"{MICRO}g/mL",
        "pg/mL",
        "g/dL",
        "%",
        "U/L",
        "IU/L",
        "mIU/L",
        f"{MICRO}IU/mL",
        f"x10^3/{MICRO}L",
        f"x10^6/{MICRO}L",
        "fL",
        "mg/L",
        "mL/min/1.73m2",
        "seconds",
        "ratio",
        "",
    }
)


class LabFlag(StrEnum):
    NORMAL = "normal"
    LOW = "low"
    HIGH = "high"
    CRITICAL_LOW = "critical low"
    CRITICAL_HIGH = "critical high"
    POSITIVE = "positive"  # a positive screen: abnormal until a confirmation says otherwise


class OrderStatus(StrEnum):
    ORDERED = "ordered"
    COLLECTED = "collected"
    RESULTED = "resulted"
    CANCELLED = "cancelled"


class Qualitative(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class Confirmation(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not confirmed"


class LabOrderCreate(BaseModel):
    test_code: str = Field(min_length=1, max_length=40, description="e.g. LITH, CMP, UDS10")
    test_name: str = Field(min_length=1, max_length=200)
    panel: bool = False
    specimen: str = Field(min_length=1, max_length=40, description="urine, blood, serum, …")


class LabOrderRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    test_code: str
    test_name: str
    panel: bool
    specimen: str
    ordering_clinician_id: uuid.UUID
    status: OrderStatus
    ordered_at: datetime
    collected_at: datetime | None
    version: int


class LabResultCreate(BaseModel):
    analyte: str = Field(min_length=1, max_length=100)
    value: float | None = None
    value_text: str = Field(default="", max_length=200, description="A non-numeric result")
    unit: str = Field(default="", max_length=20, description="mg/dL, mmol/L, …; '' if none")
    ref_low: float | None = None
    ref_high: float | None = None
    critical_low: float | None = None
    critical_high: float | None = None
    cutoff: float | None = Field(default=None, description="Screening cutoff (drug screens)")
    qualitative: str | None = Field(default=None, max_length=20, description="positive|negative")
    confirmation: str | None = Field(
        default=None, max_length=20, description="pending | confirmed | not confirmed"
    )
    resulted_at: datetime | None = Field(
        default=None, description="When the lab reported it (with UTC offset); default now"
    )


class LabResultsCreate(BaseModel):
    results: list[LabResultCreate] = Field(min_length=1, max_length=200)


class LabResultRead(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    patient_id: uuid.UUID
    analyte: str
    value: float | None
    value_text: str
    unit: str
    ref_low: float | None
    ref_high: float | None
    critical_low: float | None
    critical_high: float | None
    flag: LabFlag
    cutoff: float | None
    qualitative: str | None
    confirmation: str | None
    resulted_at: datetime
    source: str


class LabTrendPoint(BaseModel):
    resulted_at: datetime
    value: float
    flag: LabFlag


class LabTrend(BaseModel):
    """One analyte's numeric results, oldest first, with the latest result's bounds."""

    analyte: str
    unit: str
    ref_low: float | None
    ref_high: float | None
    critical_low: float | None
    critical_high: float | None
    points: list[LabTrendPoint]
