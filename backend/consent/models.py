"""42 CFR Part 2 consents (every element of §2.31, 2024 rule), their recipients (each
revocable on its own), and the record of every disclosure."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class Consent(SQLModel, table=True):
    __tablename__ = "consent"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    # Who may disclose: this program/organisation (free text as the form states it).
    discloser: str = Field(max_length=200)
    # treatment | payment | health_care_operations | tpo | other (with purpose_text)
    purposes: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False)
    )
    purpose_text: str = Field(default="", max_length=500)
    # What may be disclosed, specifically (e.g. "diagnoses, medications, attendance").
    information: str = Field(max_length=1000)
    # Data categories the disclosure workflow matches against (demographics, diagnoses, …).
    categories: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False)
    )
    counseling_notes: bool = False  # SUD counseling notes need their own consent
    expires_on: date | None = None
    expires_event: str = Field(default="", max_length=200)  # e.g. "end of treatment"
    revocation_text: str = Field(max_length=500)  # the right to revoke and how
    signed_by: str = Field(max_length=200)  # the patient (or authorised representative)
    signed_on: date
    status: str = Field(default="active", max_length=20)  # active | revoked | expired
    revoked_at: datetime | None = timestamp(nullable=True)
    recorded_by: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = timestamp(default_now=True)
    version: int = 1


class ConsentRecipient(SQLModel, table=True):
    """A named recipient or a general designation ("my treating providers"); revoking
    one recipient leaves the others standing."""

    __tablename__ = "consent_recipient"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    consent_id: uuid.UUID = Field(foreign_key="consent.id", index=True)
    name: str = Field(max_length=200)
    general_designation: bool = False
    revoked_at: datetime | None = timestamp(nullable=True)


class Disclosure(SQLModel, table=True):
    """Every disclosure, under a consent or a recorded exception; the accounting of
    disclosures reads this table."""

    __tablename__ = "disclosure"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    recipient: str = Field(max_length=200)
    purpose: str = Field(max_length=40)
    categories: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False)
    )
    consent_id: uuid.UUID | None = Field(default=None, foreign_key="consent.id")
    exception: str | None = Field(default=None, max_length=40)  # e.g. medical_emergency
    exception_detail: str = Field(default="", max_length=500)
    disclosed_by: uuid.UUID = Field(foreign_key="app_user.id")
    disclosed_at: datetime = timestamp(default_now=True, index=True)
    artifact_hash: str = Field(default="", max_length=64)
