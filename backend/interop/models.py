"""Identifiers of records imported from other systems, so re-running an import changes
nothing (idempotent by the source system's identifiers)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class ImportKey(SQLModel, table=True):
    __tablename__ = "import_key"
    __table_args__ = (UniqueConstraint("source_system", "entity", "source_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    source_system: str = Field(max_length=200)
    entity: str = Field(max_length=40)  # patient | diagnosis | medication | session | ...
    source_id: str = Field(max_length=200)
    local_id: uuid.UUID
    imported_at: datetime = timestamp(default_now=True)
