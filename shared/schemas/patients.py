"""Patient chart schemas: demographics, care team, programs, episodes, diagnoses, allergies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, field_validator

from shared.enums import AllergySeverity, CareTeamRole, LevelOfCare, PatientStatus, SexAtBirth
from shared.rules import is_email, is_icd10, is_phone, normalise_icd10


def _phone(value: str) -> str:
    if not is_phone(value):
        raise ValueError("not a phone number (7 to 15 digits)")
    return value.strip()


def _email(value: str) -> str:
    if value and not is_email(value):
        raise ValueError("not an email address")
    return value.strip()


def _past(value: date) -> date:
    if value > date.today():
        raise ValueError("cannot be in the future")
    return value


Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email)]
PastDate = Annotated[date, AfterValidator(_past)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class PhoneNumber(BaseModel):
    kind: str = Field(default="mobile", max_length=20)
    number: Phone


class Address(BaseModel):
    line1: str = Field(default="", max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    state: str = Field(default="", max_length=50)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=60)


class EmergencyContact(BaseModel):
    name: Name
    relationship: str = Field(default="", max_length=60)
    phone: Phone


class Insurance(BaseModel):
    payer: str = Field(min_length=1, max_length=120)
    member_id: str = Field(min_length=1, max_length=60)
    group_number: str = Field(default="", max_length=60)
    subscriber: str = Field(default="", max_length=200)


class ExternalId(BaseModel):
    system: str = Field(min_length=1, max_length=60)
    value: str = Field(min_length=1, max_length=100)


class PatientFields(BaseModel):
    middle_name: str = Field(default="", max_length=100)
    preferred_name: str = Field(default="", max_length=100)
    pronouns: str = Field(default="", max_length=40)
    sex_at_birth: SexAtBirth = SexAtBirth.UNKNOWN
    gender_identity: str = Field(default="", max_length=100)
    email: Email = ""
    phones: list[PhoneNumber] = Field(default_factory=list, max_length=5)
    address: Address = Field(default_factory=Address)
    emergency_contacts: list[EmergencyContact] = Field(default_factory=list, max_length=5)
    insurance: list[Insurance] = Field(default_factory=list, max_length=3)
    external_ids: list[ExternalId] = Field(default_factory=list, max_length=10)


class PatientCreate(PatientFields):
    given_name: Name
    family_name: Name
    birth_date: PastDate
    allow_duplicate: bool = Field(
        default=False, description="Register even though a possible duplicate exists."
    )


class PatientUpdate(BaseModel):
    """Every field optional; only those sent are changed."""

    given_name: Name | None = None
    family_name: Name | None = None
    birth_date: PastDate | None = None
    middle_name: str | None = Field(default=None, max_length=100)
    preferred_name: str | None = Field(default=None, max_length=100)
    pronouns: str | None = Field(default=None, max_length=40)
    sex_at_birth: SexAtBirth | None = None
    gender_identity: str | None = Field(default=None, max_length=100)
    email: Email | None = None
    phones: list[PhoneNumber] | None = Field(default=None, max_length=5)
    address: Address | None = None
    emergency_contacts: list[EmergencyContact] | None = Field(default=None, max_length=5)
    insurance: list[Insurance] | None = Field(default=None, max_length=3)
    external_ids: list[ExternalId] | None = Field(default=None, max_length=10)
    status: PatientStatus | None = None


class PatientRead(PatientFields):
    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    status: PatientStatus
    version: int


class PatientListItem(BaseModel):
    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    preferred_name: str
    birth_date: date
    status: PatientStatus


class PatientPage(BaseModel):
    items: list[PatientListItem]
    next_cursor: str | None


class CareTeamCreate(BaseModel):
    user_id: uuid.UUID
    role: CareTeamRole = CareTeamRole.CLINICIAN


class CareTeamRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    full_name: str
    role: CareTeamRole


class ProgramCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    level_of_care: LevelOfCare
    part2: bool = False
    plan_review_days: int | None = Field(
        default=None,
        ge=1,
        le=365,
        description="Treatment-plan review interval; by default 7 detox, 14 residential "
        "and PHP, 30 IOP, 90 outpatient",
    )
    plan_approval_required: bool = Field(
        default=False, description="Plans need a supervisor's approval to become active"
    )
    per_diem_code: str = Field(
        default="", max_length=10, description="Per-diem code billed per attended day (H0015…)"
    )


class ProgramRead(ProgramCreate):
    id: uuid.UUID
    active: bool
    plan_review_days: int


class EpisodeCreate(BaseModel):
    program_id: uuid.UUID
    level_of_care: LevelOfCare | None = Field(default=None, description="Defaults to the program's")
    admitted_on: PastDate


class TransitionCreate(BaseModel):
    occurred_on: PastDate
    to_program_id: uuid.UUID
    to_level: LevelOfCare | None = None
    reason: str = Field(min_length=3, max_length=500)


class DischargeCreate(BaseModel):
    discharged_on: PastDate
    disposition: str = Field(min_length=3, max_length=200)


class TimelineEntry(BaseModel):
    on: date
    kind: str  # admission | transition | discharge
    program: str
    level_of_care: LevelOfCare
    from_program: str | None = None
    from_level: LevelOfCare | None = None
    detail: str = ""


class EpisodeRead(BaseModel):
    id: uuid.UUID
    program_id: uuid.UUID
    program: str
    part2: bool
    level_of_care: LevelOfCare
    admitted_on: date
    discharged_on: date | None
    disposition: str | None
    version: int


class DiagnosisCreate(BaseModel):
    code: str = Field(min_length=3, max_length=8)
    description: str = Field(default="", max_length=250)
    onset: PastDate | None = None

    @field_validator("code")
    @classmethod
    def icd10(cls, value: str) -> str:
        code = normalise_icd10(value)
        if not is_icd10(code):
            raise ValueError("not an ICD-10-CM code (e.g. F33.1)")
        return code


class DiagnosisRead(BaseModel):
    id: uuid.UUID
    code: str
    description: str
    status: str
    onset: date | None
    recorded_at: datetime


class AllergyCreate(BaseModel):
    substance: str = Field(min_length=1, max_length=120)
    reaction: str = Field(default="", max_length=200)
    severity: AllergySeverity = AllergySeverity.UNKNOWN


class AllergyRead(AllergyCreate):
    id: uuid.UUID


class Icd10Entry(BaseModel):
    code: str
    description: str


class ChartSummary(BaseModel):
    """One round trip for the chart header and summary. Later areas fill the slots."""

    patient: PatientRead
    age: int
    current_episode: EpisodeRead | None
    episodes: list[EpisodeRead]
    timeline: list[TimelineEntry]
    care_team: list[CareTeamRead]
    diagnoses: list[DiagnosisRead]
    allergies: list[AllergyRead]
    active_plan: dict[str, object] | None = None
    upcoming_sessions: list[dict[str, object]] = Field(default_factory=list)
    latest_measures: list[dict[str, object]] = Field(default_factory=list)
