"""42 CFR Part 2 consents, disclosures and the accounting of disclosures.

Create schemas take every §2.31 element as optional so the API can answer one 422 that
names each missing element (``backend.consent.rules.missing_elements``) rather than the
first one pydantic meets."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Purpose(StrEnum):
    TREATMENT = "treatment"
    PAYMENT = "payment"
    HEALTH_CARE_OPERATIONS = "health_care_operations"
    TPO = "tpo"  # on a consent: treatment, payment and health care operations
    OTHER = "other"


class Category(StrEnum):
    DEMOGRAPHICS = "demographics"
    DIAGNOSES = "diagnoses"
    MEDICATIONS = "medications"
    ALLERGIES = "allergies"
    TREATMENT_PLAN = "treatment_plan"
    PROGRESS_NOTES = "progress_notes"
    GROUP_NOTES = "group_notes"
    ASSESSMENTS = "assessments"
    ATTENDANCE = "attendance"
    LABS = "labs"
    COUNSELING_NOTES = "counseling_notes"  # SUD counseling notes: a consent of their own


class DisclosureException(StrEnum):
    """Disclosures Part 2 permits without consent; each is recorded as such."""

    MEDICAL_EMERGENCY = "medical_emergency"  # §2.51: needs a description of the emergency
    AUDIT = "audit"  # §2.53
    RESEARCH = "research"  # §2.52


class RecipientIn(BaseModel):
    name: str = Field(default="", max_length=200)
    general_designation: bool = Field(
        default=False, description='A class of recipients, e.g. "my treating providers"'
    )


class ConsentCreate(BaseModel):
    discloser: str = Field(default="", max_length=200, description="Who may disclose")
    recipients: list[RecipientIn] = Field(default_factory=list, max_length=20)
    purposes: list[Purpose] = Field(default_factory=list, max_length=5)
    purpose_text: str = Field(default="", max_length=500, description="Required with 'other'")
    information: str = Field(
        default="", max_length=1000, description="Specifically what may be disclosed"
    )
    categories: list[Category] = Field(default_factory=list, max_length=len(Category))
    expires_on: date | None = None
    expires_event: str = Field(default="", max_length=200, description='e.g. "end of treatment"')
    revocation_text: str = Field(
        default="", max_length=500, description="The right to revoke, and how"
    )
    signed_by: str = Field(default="", max_length=200)
    signed_on: date | None = None


class RecipientRead(BaseModel):
    id: uuid.UUID
    name: str
    general_designation: bool
    revoked_at: datetime | None


class ConsentRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    discloser: str
    recipients: list[RecipientRead]
    purposes: list[Purpose]
    purpose_text: str
    information: str
    categories: list[Category]
    counseling_notes: bool
    expires_on: date | None
    expires_event: str
    revocation_text: str
    signed_by: str
    signed_on: date
    status: str = Field(description="active | revoked | expired (expires_on passed)")
    revoked_at: datetime | None
    recorded_by: uuid.UUID
    created_at: datetime
    description: str = Field(description="The consent in one paragraph, as artifacts print it")


class DisclosureRequest(BaseModel):
    recipient: str = Field(min_length=1, max_length=200)
    purpose: Purpose
    categories: list[Category] = Field(min_length=1, max_length=len(Category))
    exception: DisclosureException | None = None
    exception_detail: str = Field(default="", max_length=500)


class DisclosureRead(BaseModel):
    """One line of the accounting of disclosures."""

    id: uuid.UUID
    disclosed_at: datetime
    recipient: str
    purpose: str
    categories: list[str]
    consent_id: uuid.UUID | None
    exception: str | None
    exception_detail: str
    disclosed_by: uuid.UUID
    disclosed_by_name: str
    artifact_hash: str
