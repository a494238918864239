"""Individual progress notes: DAP, BIRP and SOAP templates, one lifecycle with group notes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field


class NoteFormat(StrEnum):
    DAP = "dap"
    BIRP = "birp"
    SOAP = "soap"


# Each template's sections, in order: (key, heading, prompt).
SECTIONS: dict[NoteFormat, tuple[tuple[str, str, str], ...]] = {
    NoteFormat.DAP: (
        ("data", "Data", "What the client said and did; observations; measures."),
        ("assessment", "Assessment", "Clinical impression; progress toward objectives."),
        ("plan", "Plan", "Next steps, homework, next session."),
    ),
    NoteFormat.BIRP: (
        ("behavior", "Behavior", "Presentation, mood, affect, what the client reported."),
        ("intervention", "Intervention", "What you did: modality and techniques."),
        ("response", "Response", "How the client responded to the intervention."),
        ("plan", "Plan", "Next steps, homework, next session."),
    ),
    NoteFormat.SOAP: (
        ("subjective", "Subjective", "The client's report in their words."),
        ("objective", "Objective", "Observations, mental status, measures."),
        ("assessment", "Assessment", "Clinical impression; progress toward objectives."),
        ("plan", "Plan", "Next steps, homework, next session."),
    ),
}

SECTION_MAX = 8000
MAX_SECTIONS = max(len(sections) for sections in SECTIONS.values())


def _few_sections(sections: dict[str, str]) -> dict[str, str]:
    """Refuse a flood of keys at the schema; which keys and how long each text may be is
    the template's business (checked per section, by name, in the notes service)."""
    if len(sections) > MAX_SECTIONS:
        raise ValueError(f"at most {MAX_SECTIONS} sections")
    return sections


Sections = Annotated[
    dict[str, str],
    AfterValidator(_few_sections),
    Field(
        json_schema_extra={
            "maxProperties": MAX_SECTIONS,
            "additionalProperties": {"type": "string", "maxLength": SECTION_MAX},
        }
    ),
]


def section_keys(note_format: NoteFormat) -> list[str]:
    return [key for key, _, _ in SECTIONS[note_format]]


class ProgressNoteCreate(BaseModel):
    format: NoteFormat
    session_id: uuid.UUID | None = Field(
        default=None, description="The individual session documented (its times are used)"
    )
    service_start: datetime | None = Field(
        default=None, description="When the service began (required without a session)"
    )
    service_end: datetime | None = None
    sections: Sections = Field(default_factory=dict)


class ProgressNoteUpdate(BaseModel):
    sections: Sections


class ProgressAddendumRead(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID
    reason: str
    text: str
    created_at: datetime


class ProgressNoteRead(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    session_id: uuid.UUID | None
    format: NoteFormat
    service_start: datetime
    service_end: datetime
    sections: dict[str, str]
    status: str
    author_id: uuid.UUID
    author_name: str
    signed_by: uuid.UUID | None
    signed_by_name: str = ""
    signed_at: datetime | None
    content_hash: str | None
    late_entry: bool
    cosign_required: bool
    cosigned_by: uuid.UUID | None
    cosigned_at: datetime | None
    version: int
    addenda: list[ProgressAddendumRead]
