"""Group notes: one shared section per session, one entry per expected member, each part
with its authors; signing locks and hashes; corrections are addenda."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class Signature(SQLModel):
    """The lifecycle columns every note shares (see ``backend.notes.lifecycle``)."""

    status: str = Field(default="draft", max_length=20)  # draft | signed
    last_editor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    signed_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    signed_at: datetime | None = timestamp(nullable=True)
    content_hash: str | None = Field(default=None, max_length=64)
    cosign_required: bool = False
    cosigned_by: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    cosigned_at: datetime | None = timestamp(nullable=True)
    late_entry: bool = False
    created_at: datetime = timestamp(default_now=True)
    version: int = 1


class GroupNote(Signature, table=True):
    __tablename__ = "group_note"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    session_id: uuid.UUID = Field(foreign_key="group_session.id", unique=True)
    topic: str = Field(default="", max_length=300)
    interventions: str = Field(default="", max_length=4000)
    group_process: str = Field(default="", max_length=8000)
    author_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=Column(ARRAY(Uuid), nullable=False)
    )


class MemberEntry(SQLModel, table=True):
    __tablename__ = "member_entry"
    __table_args__ = (UniqueConstraint("note_id", "patient_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    note_id: uuid.UUID = Field(foreign_key="group_note.id", index=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    attendance: str | None = Field(default=None, max_length=20)
    participation: str = Field(default="", max_length=20)
    affect: str = Field(default="", max_length=60)
    behaviour: str = Field(default="", max_length=500)
    narrative: str = Field(default="", max_length=8000)
    risk: str = Field(default="", max_length=20)
    # [{"objective_id", "rating"}]: become progress points once treatment plans exist.
    objective_ratings: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    author_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=Column(ARRAY(Uuid), nullable=False)
    )
    last_editor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1


class Addendum(SQLModel, table=True):
    __tablename__ = "note_addendum"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    note_id: uuid.UUID = Field(foreign_key="group_note.id", index=True)
    patient_id: uuid.UUID | None = Field(default=None, foreign_key="patient.id")
    author_id: uuid.UUID = Field(foreign_key="app_user.id")
    reason: str = Field(max_length=300)
    text: str = Field(max_length=8000)
    created_at: datetime = timestamp(default_now=True)


class ProgressNote(Signature, table=True):
    """An individual progress note (DAP, BIRP or SOAP), optionally for a scheduled
    individual session; ``sections`` holds the template's sections by key."""

    __tablename__ = "progress_note"
    __table_args__ = (UniqueConstraint("session_id", "patient_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    session_id: uuid.UUID | None = Field(default=None, foreign_key="group_session.id")
    format: str = Field(max_length=10)  # dap | birp | soap
    service_start: datetime = timestamp()
    service_end: datetime = timestamp()
    sections: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    author_id: uuid.UUID = Field(foreign_key="app_user.id")


class ProgressAddendum(SQLModel, table=True):
    __tablename__ = "progress_note_addendum"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    note_id: uuid.UUID = Field(foreign_key="progress_note.id", index=True)
    author_id: uuid.UUID = Field(foreign_key="app_user.id")
    reason: str = Field(max_length=300)
    text: str = Field(max_length=8000)
    created_at: datetime = timestamp(default_now=True)


class LeakConfirmation(SQLModel, table=True):
    """A facilitator's word that an everyday word flagged by the name-leak check (e.g.
    "will") is not a co-member, for that word (folded) in that field of one group note."""

    __tablename__ = "leak_confirmation"
    __table_args__ = (UniqueConstraint("note_id", "field", "text"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    note_id: uuid.UUID = Field(foreign_key="group_note.id", index=True)
    field: str = Field(max_length=120)
    text: str = Field(max_length=200)
    confirmed_by: uuid.UUID = Field(foreign_key="app_user.id")
    confirmed_at: datetime = timestamp(default_now=True)
