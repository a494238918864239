"""Scheduling schemas: rooms, groups, series (with preview), sessions, conflicts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shared.enums import LevelOfCare


class RoomCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    capacity: int | None = Field(default=None, ge=1, le=500)


class RoomRead(RoomCreate):
    id: uuid.UUID
    active: bool


NoteField = Literal["topic", "interventions", "group_process"]
NOTE_TOPIC: NoteField = "topic"
EntryField = Literal[
    "participation", "affect", "behaviour", "narrative", "risk", "objective_ratings"
]
# What a signed note must say about each member who came (present, late, left early).
ENTRY_REQUIRED: list[EntryField] = ["participation", "narrative"]
Prompt = Annotated[str, StringConstraints(max_length=500)]
LocalDateTime = Annotated[str, StringConstraints(max_length=16)]


class NoteTemplate(BaseModel):
    """Per-group prompts for the shared section, and the fields a signed note must fill:
    in the shared section, and in the entry of each member who attended."""

    prompts: dict[NoteField, Prompt] = Field(
        default_factory=dict, json_schema_extra={"maxProperties": 3}
    )
    required: list[NoteField] = Field(default_factory=lambda: [NOTE_TOPIC], max_length=3)
    entry_required: list[EntryField] = Field(
        default_factory=lambda: list(ENTRY_REQUIRED),
        max_length=6,
        description="Fields of each attending member's entry a signed note must fill",
    )


class GroupCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    program_id: uuid.UUID | None = None
    level_of_care: LevelOfCare | None = None
    capacity: int = Field(default=12, ge=1, le=100)
    open_enrollment: bool = True
    room_id: uuid.UUID | None = None
    facilitator_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    duration_minutes: int = Field(default=60, ge=5, le=24 * 60)
    service_code: str = Field(default="", max_length=10)
    note_template: NoteTemplate = Field(default_factory=lambda: NoteTemplate())


class GroupRead(GroupCreate):
    id: uuid.UUID
    kind: str
    version: int


class SeriesCreate(BaseModel):
    group_id: uuid.UUID
    rrule: str = Field(
        min_length=6, max_length=500, examples=["FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=36"]
    )
    start_local: str = Field(min_length=16, max_length=16, examples=["2026-09-07T09:00"])
    timezone: str = Field(min_length=1, max_length=64, examples=["America/New_York"])
    duration_minutes: int = Field(description="Positive; at most 24 hours")
    room_id: uuid.UUID | None = None
    facilitator_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    exdates_local: list[LocalDateTime] = Field(default_factory=list, max_length=500)
    rdates_local: list[LocalDateTime] = Field(default_factory=list, max_length=500)


class SessionRead(BaseModel):
    id: uuid.UUID
    series_id: uuid.UUID | None
    group_id: uuid.UUID
    group_name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    room_id: uuid.UUID | None
    facilitator_ids: list[uuid.UUID]
    status: str
    cancel_reason: str | None
    version: int


class Conflict(BaseModel):
    starts_at: datetime
    resource_kind: str
    resource_id: uuid.UUID
    resource_name: str
    other_session_id: uuid.UUID
    other_group: str
    other_starts_at: datetime
    other_ends_at: datetime


class ProposedSession(BaseModel):
    starts_at: datetime
    ends_at: datetime


class SeriesPreview(BaseModel):
    sessions: list[ProposedSession]
    conflicts: list[Conflict]
    summary: str


class SeriesRead(BaseModel):
    id: uuid.UUID
    group_id: uuid.UUID
    rrule: str
    start_local: str
    timezone: str
    duration_minutes: int
    summary: str
    sessions: list[SessionRead]


class SessionUpdate(BaseModel):
    """Move or re-staff one session; send only what changes."""

    start_local: str | None = Field(default=None, min_length=16, max_length=16)
    duration_minutes: int | None = Field(default=None, ge=5, le=24 * 60)
    room_id: uuid.UUID | None = None
    facilitator_ids: list[uuid.UUID] | None = Field(default=None, max_length=10)


class SessionCancel(BaseModel):
    reason: str = Field(min_length=3, max_length=300)


class SeriesSplit(SeriesCreate):
    """'This and following': the new definition applies from ``from_session_id`` on."""

    from_session_id: uuid.UUID


class SplitRead(BaseModel):
    series: SeriesRead
    kept_documented: list[SessionRead]


class EnrollmentCreate(BaseModel):
    patient_id: uuid.UUID
    from_date: date
    override_closed: bool = Field(default=False, description="Enrol mid-series in a closed group")


class EnrollmentEnd(BaseModel):
    to_date: date


class EnrollmentRead(BaseModel):
    id: uuid.UUID
    group_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    from_date: date
    to_date: date | None
    status: str
    sessions_booked: int = 0


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"
    LATE = "late"
    LEFT_EARLY = "left_early"


class AttendanceWrite(BaseModel):
    status: AttendanceStatus
    minutes: int | None = Field(default=None, ge=0, le=24 * 60)


class SignInRow(BaseModel):
    patient_id: uuid.UUID
    patient_name: str
    status: AttendanceStatus | None
    minutes: int | None


class SignInSheet(BaseModel):
    session: SessionRead
    group_kind: str = Field(default="group", description="group | individual")
    rows: list[SignInRow]


class ClosureCreate(BaseModel):
    on: date
    name: str = Field(min_length=2, max_length=100)
    confirm: bool = Field(default=False, description="Cancel the affected sessions")


class ClosureResult(BaseModel):
    on: date
    name: str
    saved: bool
    affected: list[SessionRead]
    kept_documented: list[SessionRead]


class AppointmentCreate(BaseModel):
    """An individual appointment (client + clinician), on the same machinery as groups."""

    patient_id: uuid.UUID
    clinician_id: uuid.UUID
    start_local: str = Field(min_length=16, max_length=16)
    timezone: str = Field(min_length=1, max_length=64)
    duration_minutes: int = 50
    room_id: uuid.UUID | None = None
    rrule: str = Field(default="FREQ=DAILY;COUNT=1", max_length=500)
