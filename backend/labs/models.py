"""Lab and test orders and their results (including urine drug screens)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class LabOrder(SQLModel, table=True):
    __tablename__ = "lab_order"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    test_code: str = Field(max_length=40)
    test_name: str = Field(max_length=200)
    panel: bool = False
    specimen: str = Field(max_length=40)  # urine | blood | serum | saliva | ...
    ordering_clinician_id: uuid.UUID = Field(foreign_key="app_user.id")
    status: str = Field(default="ordered", max_length=20)  # ordered|collected|resulted|cancelled
    ordered_at: datetime = timestamp(default_now=True)
    collected_at: datetime | None = timestamp(nullable=True)
    version: int = 1


class LabResult(SQLModel, table=True):
    """One analyte's result. Quantitative results carry a value, unit and reference (and
    critical) bounds, either of which may be missing; ``flag`` is computed from them.
    Urine drug screens carry a cutoff, a qualitative result and a confirmation state."""

    __tablename__ = "lab_result"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="lab_order.id", index=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    analyte: str = Field(max_length=100, index=True)
    value: float | None = None
    value_text: str = Field(default="", max_length=200)
    unit: str = Field(default="", max_length=20)
    ref_low: float | None = None
    ref_high: float | None = None
    critical_low: float | None = None
    critical_high: float | None = None
    flag: str = Field(default="normal", max_length=20)
    cutoff: float | None = None
    qualitative: str | None = Field(default=None, max_length=20)  # positive | negative
    confirmation: str | None = Field(default=None, max_length=20)  # pending|confirmed|...
    resulted_at: datetime = timestamp(default_now=True, index=True)
    source: str = Field(default="manual", max_length=20)  # manual | csv | hl7
    recorded_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
