"""Group note schemas: the staff view (whole note) and the member view (one client)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.schemas.progress_notes import ProgressNoteRead


class Participation(StrEnum):
    NONE = "none"
    MINIMAL = "minimal"
    MODERATE = "moderate"
    ACTIVE = "active"
    LEADING = "leading"


class Risk(StrEnum):
    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class ObjectiveRating(BaseModel):
    objective_id: uuid.UUID
    rating: int = Field(ge=0, le=10)


class RatedObjective(BaseModel):
    id: uuid.UUID
    text: str


class SharedUpdate(BaseModel):
    topic: str | None = Field(default=None, max_length=300)
    interventions: str | None = Field(default=None, max_length=4000)
    group_process: str | None = Field(default=None, max_length=8000)


class EntryUpdate(BaseModel):
    participation: Participation | None = None
    affect: str | None = Field(default=None, max_length=60)
    behaviour: str | None = Field(default=None, max_length=500)
    narrative: str | None = Field(default=None, max_length=8000)
    risk: Risk | None = None
    objective_ratings: list[ObjectiveRating] | None = Field(default=None, max_length=20)


class EntryRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    attendance: str | None
    participation: str
    affect: str
    behaviour: str
    narrative: str
    risk: str
    objective_ratings: list[ObjectiveRating]
    author_ids: list[uuid.UUID]
    version: int
    objectives: list[RatedObjective] = Field(
        default_factory=list, description="This member's active 0–10 objectives to rate"
    )


class AddendumCreate(BaseModel):
    reason: str = Field(min_length=3, max_length=300)
    text: str = Field(min_length=1, max_length=8000)
    patient_id: uuid.UUID | None = Field(default=None, description="Only that member's chart")


class LeakConfirmationCreate(BaseModel):
    """A flagged everyday word (severity "confirm") that is not the person."""

    field: str = Field(min_length=1, max_length=120, description='e.g. "shared.group_process"')
    text: str = Field(min_length=1, max_length=200, description="the flagged span's text")


class LeakConfirmationRead(BaseModel):
    field: str
    text: str  # folded: the confirmation covers every spelling of the word in that field
    confirmed_by: uuid.UUID
    confirmed_at: datetime


class AddendumRead(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID
    reason: str
    text: str
    created_at: datetime
    patient_id: uuid.UUID | None


class NoteRead(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    group_name: str
    starts_at: datetime
    status: str
    topic: str
    interventions: str
    group_process: str
    author_ids: list[uuid.UUID]
    signed_by: uuid.UUID | None
    signed_at: datetime | None
    content_hash: str | None
    late_entry: bool
    cosign_required: bool
    cosigned_by: uuid.UUID | None
    cosigned_at: datetime | None
    version: int
    entries: list[EntryRead]
    addenda: list[AddendumRead]


class MemberNote(BaseModel):
    """What one client's chart shows: the shared section and their own entry only."""

    note_id: uuid.UUID
    group_name: str
    starts_at: datetime
    topic: str
    interventions: str
    group_process: str
    entry: EntryRead
    signed_at: datetime | None
    signed_by_name: str = ""
    content_hash: str | None = None
    addenda: list[AddendumRead]


class EntrySave(EntryUpdate):
    patient_id: uuid.UUID
    version: int = Field(description="The entry version this edit is based on")


class NoteSave(BaseModel):
    """Autosave of a whole note in one transaction: every part carries its base version."""

    version: int = Field(description="The note (shared section) version this edit is based on")
    shared: SharedUpdate | None = None
    entries: list[EntrySave] = Field(default_factory=list, max_length=100)


class NoteSummary(BaseModel):
    """A line in a work list: a group note (``kind`` "group") or an individual progress
    note (``kind`` "individual", which names its one client)."""

    id: uuid.UUID
    kind: str = "group"
    session_id: uuid.UUID | None
    group_name: str
    patient_name: str | None = None
    starts_at: datetime
    status: str
    late_entry: bool


class NotesExport(BaseModel):
    """A client's own signed notes (group notes rendered for them, and progress notes)."""

    patient_id: uuid.UUID
    patient_name: str
    mrn: str
    birth_date: date
    exported_at: datetime
    group_notes: list[MemberNote]
    progress_notes: list[ProgressNoteRead]
