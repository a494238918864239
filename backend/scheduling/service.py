"""Rooms, groups and series. A series is expanded, checked against every existing booking
(all conflicts reported at once), then written with its sessions and bookings; the
exclusion constraint settles races the pre-check cannot see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import User
from backend.audit.service import Actor, record
from backend.lib.problems import Problem
from backend.patients.models import Program
from backend.scheduling import rules
from backend.scheduling.models import Attendance, Booking, Closure, Group, Room, Series, Session
from shared.schemas.scheduling import (
    Conflict,
    GroupCreate,
    ProposedSession,
    RoomCreate,
    SeriesCreate,
    SeriesPreview,
)

EXCLUSION_VIOLATION = "23P01"


def _invalid(field: str, message: str) -> Problem:
    return Problem(422, f"{field}: {message}", errors=[{"field": field, "message": message}])


async def create_room(session: AsyncSession, actor: Actor, data: RoomCreate) -> Room:
    if (await session.exec(select(Room).where(Room.name == data.name))).first():
        raise Problem(
            409,
            f"A room named {data.name!r} exists.",
            errors=[{"field": "name", "message": "taken"}],
        )
    room = Room(name=data.name, capacity=data.capacity)
    session.add(room)
    await session.flush()
    await record(session, actor, "create", "room", entity_id=room.id)
    return room


async def rooms(session: AsyncSession) -> list[Room]:
    return list((await session.exec(select(Room).order_by(col(Room.name)))).all())


async def _check_staff(session: AsyncSession, ids: Sequence[uuid.UUID], field: str) -> None:
    if not ids:
        return
    found = await session.exec(
        select(User.id).where(col(User.id).in_(list(ids)), col(User.disabled).is_(False))
    )
    missing = set(ids) - set(found.all())
    if missing:
        raise _invalid(field, f"no active staff member {sorted(map(str, missing))[0]}")


async def _check_room(session: AsyncSession, room_id: uuid.UUID | None) -> None:
    if room_id is not None and await session.get(Room, room_id) is None:
        raise _invalid("room_id", f"no room {room_id}")


async def create_group(session: AsyncSession, actor: Actor, data: GroupCreate) -> Group:
    if (await session.exec(select(Group).where(Group.name == data.name))).first():
        raise Problem(
            409,
            f"A group named {data.name!r} exists.",
            errors=[{"field": "name", "message": "taken"}],
        )
    await _check_room(session, data.room_id)
    await _check_staff(session, data.facilitator_ids, "facilitator_ids")
    if data.program_id is not None and await session.get(Program, data.program_id) is None:
        raise _invalid("program_id", f"no program {data.program_id}")
    group = Group(
        **data.model_dump(exclude={"level_of_care"}),
        level_of_care=data.level_of_care.value if data.level_of_care else None,
    )
    session.add(group)
    await session.flush()
    await record(session, actor, "create", "group", entity_id=group.id)
    return group


async def groups(session: AsyncSession) -> list[Group]:
    return list((await session.exec(select(Group).order_by(col(Group.name)))).all())


@dataclass(frozen=True)
class Holds:
    """The resources a session keeps busy: its room, facilitators and enrolled clients."""

    room_id: uuid.UUID | None
    facilitator_ids: list[uuid.UUID]
    client_ids: list[uuid.UUID] = field(default_factory=list)

    def resources(self) -> list[tuple[str, uuid.UUID]]:
        room = [("room", self.room_id)] if self.room_id else []
        return (
            room
            + [("facilitator", f) for f in self.facilitator_ids]
            + [("client", c) for c in self.client_ids]
        )


@dataclass(frozen=True)
class Plan:
    """A series ready to write: its group, occurrences, what they hold, closures skipped."""

    group: Group
    data: SeriesCreate
    occurrences: list[rules.Occurrence]
    holds: Holds
    skipped: int = 0

    def summary(self) -> str:
        return rules.describe(self.occurrences, self.skipped)


async def closed_days(session: AsyncSession) -> set[date]:
    return set((await session.exec(select(col(Closure.on)))).all())


async def plan_series(
    session: AsyncSession, data: SeriesCreate, client_ids: Sequence[uuid.UUID] = ()
) -> Plan:
    group = await session.get(Group, data.group_id)
    if group is None:
        raise _invalid("group_id", f"no group {data.group_id}")
    try:
        occurrences = rules.expand(
            data.rrule,
            data.start_local,
            data.timezone,
            data.duration_minutes,
            exdates_local=data.exdates_local,
            rdates_local=data.rdates_local,
        )
    except rules.RuleError as error:
        raise _invalid(error.field, error.message) from error
    closed = await closed_days(session)
    open_days = [o for o in occurrences if o.starts_at.date() not in closed]
    room_id = data.room_id or group.room_id
    facilitators = list(data.facilitator_ids or group.facilitator_ids)
    await _check_room(session, room_id)
    await _check_staff(session, facilitators, "facilitator_ids")
    holds = Holds(room_id, facilitators, list(client_ids))
    return Plan(group, data, open_days, holds, skipped=len(occurrences) - len(open_days))


_CONFLICTS_SQL = """
SELECT b.resource_kind, b.resource_id, s.id AS session_id, s.starts_at, s.ends_at,
       g.name AS group_name,
       coalesce(r.name, nullif(u.full_name, ''), u.username,
                p.given_name || ' ' || p.family_name, '') AS resource_name
FROM booking b
JOIN group_session s ON s.id = b.session_id
JOIN therapy_group g ON g.id = s.group_id
LEFT JOIN room r ON b.resource_kind = 'room' AND r.id = b.resource_id
LEFT JOIN app_user u ON b.resource_kind = 'facilitator' AND u.id = b.resource_id
LEFT JOIN patient p ON b.resource_kind = 'client' AND p.id = b.resource_id
WHERE b.resource_id = ANY(:ids)
  AND b.during && tstzrange(:first, :last, '[)')
  AND NOT (s.id = ANY(:ignore))
ORDER BY s.starts_at
"""


async def conflicts(
    session: AsyncSession,
    holds: Holds,
    spans: Sequence[tuple[datetime, datetime]],
    ignore: Sequence[uuid.UUID] = (),
) -> list[Conflict]:
    """Every clash of every proposed span with an existing booking, in date order."""
    resources = holds.resources()
    if not resources or not spans:
        return []
    rows = (
        (
            await session.execute(
                text(_CONFLICTS_SQL),
                {
                    "ids": [rid for _, rid in resources],
                    "first": min(s for s, _ in spans),
                    "last": max(e for _, e in spans),
                    "ignore": list(ignore),
                },
            )
        )
        .mappings()
        .all()
    )
    wanted = set(resources)
    found = []
    for starts, ends in sorted(spans):
        for row in rows:
            if (row["resource_kind"], row["resource_id"]) not in wanted:
                continue
            if row["starts_at"] < ends and starts < row["ends_at"]:
                found.append(
                    Conflict(
                        starts_at=starts,
                        resource_kind=row["resource_kind"],
                        resource_id=row["resource_id"],
                        resource_name=row["resource_name"],
                        other_session_id=row["session_id"],
                        other_group=row["group_name"],
                        other_starts_at=row["starts_at"],
                        other_ends_at=row["ends_at"],
                    )
                )
    return found


def spans(plan: Plan) -> list[tuple[datetime, datetime]]:
    return [(o.starts_at, o.ends_at) for o in plan.occurrences]


def preview(plan: Plan, found: list[Conflict]) -> SeriesPreview:
    return SeriesPreview(
        sessions=[
            ProposedSession(starts_at=o.starts_at, ends_at=o.ends_at) for o in plan.occurrences
        ],
        conflicts=found,
        summary=plan.summary(),
    )


def conflict_problem(found: list[Conflict]) -> Problem:
    first = found[0]
    return Problem(
        409,
        f"{len(found)} conflict(s): e.g. {first.resource_kind} {first.resource_name} is "
        f"already booked for {first.other_group} at {first.other_starts_at.isoformat()}.",
        slug="booking-conflict",
        conflicts=[c.model_dump(mode="json") for c in found],
    )


async def create_series(
    session: AsyncSession, actor: Actor, plan: Plan
) -> tuple[Series, list[Session]]:
    found = await conflicts(session, plan.holds, spans(plan))
    if found:
        raise conflict_problem(found)
    data = plan.data
    series = Series(
        group_id=plan.group.id,
        rrule=data.rrule,
        start_local=data.start_local,
        timezone=data.timezone,
        duration_minutes=data.duration_minutes,
        room_id=plan.holds.room_id,
        facilitator_ids=plan.holds.facilitator_ids,
        exdates_local=list(data.exdates_local),
        rdates_local=list(data.rdates_local),
    )
    session.add(series)
    await session.flush()
    sessions = [
        Session(
            series_id=series.id,
            group_id=plan.group.id,
            starts_at=o.starts_at,
            ends_at=o.ends_at,
            timezone=data.timezone,
            room_id=plan.holds.room_id,
            facilitator_ids=plan.holds.facilitator_ids,
        )
        for o in plan.occurrences
    ]
    session.add_all(sessions)
    await session.flush()
    await hold(session, plan.holds, sessions)
    await record(
        session,
        actor,
        "create",
        "series",
        entity_id=series.id,
        detail={"sessions": len(sessions), "rrule": data.rrule},
    )
    return series, sessions


async def hold(session: AsyncSession, holds: Holds, sessions: Sequence[Session]) -> None:
    """Book every resource for every session. The exclusion constraint is the last word:
    a clash committed meanwhile by someone else becomes a 409 listing what is in the way."""
    bookings = [
        Booking(
            session_id=s.id,
            resource_kind=kind,
            resource_id=rid,
            during=Range(s.starts_at, s.ends_at, bounds="[)"),
        )
        for s in sessions
        for kind, rid in holds.resources()
    ]
    try:
        async with session.begin_nested():
            session.add_all(bookings)
            await session.flush()
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        found = await conflicts(
            session,
            holds,
            [(s.starts_at, s.ends_at) for s in sessions],
            ignore=[s.id for s in sessions],
        )
        if not found:
            raise Problem(
                409,
                "Another booking was made at the same moment: try again.",
                slug="booking-conflict",
            ) from error
        raise conflict_problem(found) from error


# A calendar request never returns a silently truncated list: beyond this, 422.
MAX_SESSIONS = 2000


async def list_sessions(
    session: AsyncSession,
    *,
    start: datetime | None,
    end: datetime | None,
    group_id: uuid.UUID | None,
    room_id: uuid.UUID | None,
    facilitator_id: uuid.UUID | None,
) -> list[tuple[Session, str]]:
    query: Any = select(Session, Group.name).join(Group, col(Group.id) == col(Session.group_id))
    if start:
        # No session lasts over MAX_DURATION, so the lower bound on starts_at is exact and
        # lets the starts_at index read one period instead of everything before ``end``.
        query = query.where(
            col(Session.ends_at) > start, col(Session.starts_at) > start - rules.MAX_DURATION
        )
    if end:
        query = query.where(col(Session.starts_at) < end)
    if group_id:
        query = query.where(Session.group_id == group_id)
    if room_id:
        query = query.where(Session.room_id == room_id)
    if facilitator_id:
        query = query.where(col(Session.facilitator_ids).contains([facilitator_id]))
    result = await session.exec(query.order_by(col(Session.starts_at)).limit(MAX_SESSIONS + 1))
    rows = [(row[0], row[1]) for row in result.all()]
    if len(rows) > MAX_SESSIONS:
        raise Problem(
            422,
            f"More than {MAX_SESSIONS} sessions match: narrow the dates or filter by group, "
            "room or facilitator.",
            errors=[{"field": "to", "message": f"range holds over {MAX_SESSIONS} sessions"}],
        )
    return rows


async def client_sessions(
    session: AsyncSession, patient_id: uuid.UUID
) -> list[tuple[Session, str]]:
    """Sessions the client is booked into or has attendance for (a client's own calendar)."""
    query: Any = (
        select(Session, Group.name)
        .join(Group, col(Group.id) == col(Session.group_id))
        .where(
            col(Session.id).in_(
                select(Booking.session_id).where(
                    Booking.resource_kind == "client", Booking.resource_id == patient_id
                )
            )
            | col(Session.id).in_(
                select(Attendance.session_id).where(Attendance.patient_id == patient_id)
            )
        )
        .order_by(col(Session.starts_at))
    )
    return [(row[0], row[1]) for row in (await session.exec(query)).all()]
