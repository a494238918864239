"""Rooms, groups, recurring series, materialized sessions and the bookings that make
double-booking impossible (a PostgreSQL exclusion constraint, not only a pre-check)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSTZRANGE, ExcludeConstraint
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp
from backend.lib.problems import CHECK_FIELDS


class Room(SQLModel, table=True):
    __tablename__ = "room"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    capacity: int | None = None
    active: bool = True


class Group(SQLModel, table=True):
    """A standing therapy group or IOP track."""

    __tablename__ = "therapy_group"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(default="group", max_length=20)  # group | individual
    program_id: uuid.UUID | None = Field(default=None, foreign_key="program.id")
    level_of_care: str | None = Field(default=None, max_length=20)
    capacity: int = 12
    open_enrollment: bool = True
    room_id: uuid.UUID | None = Field(default=None, foreign_key="room.id")
    facilitator_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=Column(ARRAY(Uuid), nullable=False)
    )
    duration_minutes: int = 60
    service_code: str = Field(default="", max_length=10)
    # {"prompts": {"topic": "…"}, "required": ["topic", "interventions"]}
    note_template: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False)
    )
    version: int = 1


class Series(SQLModel, table=True):
    """An RFC 5545 rule at a local start time in an IANA zone; its sessions are rows."""

    __tablename__ = "series"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    group_id: uuid.UUID = Field(foreign_key="therapy_group.id", index=True)
    rrule: str = Field(max_length=500)
    start_local: str = Field(max_length=16)
    timezone: str = Field(max_length=64)
    duration_minutes: int
    room_id: uuid.UUID | None = Field(default=None, foreign_key="room.id")
    facilitator_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=Column(ARRAY(Uuid), nullable=False)
    )
    exdates_local: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String(16)), nullable=False)
    )
    rdates_local: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String(16)), nullable=False)
    )
    created_at: datetime = timestamp(default_now=True)
    version: int = 1


class Session(SQLModel, table=True):
    """One occurrence: it can be moved, cancelled, documented and billed on its own."""

    __tablename__ = "group_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    series_id: uuid.UUID | None = Field(default=None, foreign_key="series.id", index=True)
    group_id: uuid.UUID = Field(foreign_key="therapy_group.id", index=True)
    starts_at: datetime = timestamp(index=True)
    ends_at: datetime = timestamp()
    room_id: uuid.UUID | None = Field(default=None, foreign_key="room.id")
    facilitator_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=Column(ARRAY(Uuid), nullable=False)
    )
    timezone: str = Field(max_length=64)
    status: str = Field(default="scheduled", max_length=20)
    cancel_reason: str | None = Field(default=None, max_length=300)
    moved: bool = False
    version: int = 1


class Booking(SQLModel, table=True):
    """A resource (room, facilitator, client) held for a session's time range."""

    __tablename__ = "booking"
    __table_args__ = (
        # Resource ids are UUIDs, unique across kinds: the kind would only slow the check.
        ExcludeConstraint(
            ("resource_id", "="),
            ("during", "&&"),
            using="gist",
            name="no_double_booking",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    session_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid, ForeignKey("group_session.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    resource_kind: str = Field(max_length=20)
    resource_id: uuid.UUID
    during: Any = Field(sa_column=Column(TSTZRANGE, nullable=False))


class Enrollment(SQLModel, table=True):
    """A client in a group from a date (to a date). Waitlisted clients hold no bookings;
    when a place frees, the first on the waitlist is offered it."""

    __tablename__ = "enrollment"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    group_id: uuid.UUID = Field(foreign_key="therapy_group.id", index=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    from_date: date
    to_date: date | None = None
    status: str = Field(default="enrolled", max_length=20)
    created_at: datetime = timestamp(default_now=True)
    version: int = 1


class Attendance(SQLModel, table=True):
    """Minutes agree with the status (see ``rules.attended_minutes``): the check below, and
    the ``attendance_minutes_within_session`` trigger (migration 0013) for the bound."""

    __tablename__ = "attendance"
    __table_args__ = (
        CheckConstraint(
            "CASE WHEN status IN ('present', 'late', 'left_early')"
            " THEN minutes IS NOT NULL AND minutes > 0 ELSE minutes IS NULL END",
            name="minutes_match_status",
        ),
    )

    session_id: uuid.UUID = Field(foreign_key="group_session.id", primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", primary_key=True)
    status: str = Field(max_length=20)
    minutes: int | None = None
    recorded_by: uuid.UUID = Field(foreign_key="app_user.id")
    recorded_at: datetime = timestamp(default_now=True)


CHECK_FIELDS.update(
    {
        "ck_attendance_minutes_match_status": (
            "minutes",
            "none when absent, excused or cancelled; more than 0 when present, late or left early",
        ),
        "attendance_minutes_within_session": (
            "minutes",
            "at most the session's length when present, fewer when late or left early",
        ),
    }
)


class Closure(SQLModel, table=True):
    """A day the organisation is closed (holiday): series skip it."""

    __tablename__ = "closure"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    on: date = Field(unique=True)
    name: str = Field(max_length=100)
