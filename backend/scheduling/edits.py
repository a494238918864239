"""Changing what is scheduled: one session (move, cancel), or a series from one session on
("this and following", which splits the series; "the whole series" is a split at its
first session). Sessions with attendance recorded are never moved or deleted: they stay
where they are and the answer lists them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, record
from backend.lib.problems import Problem
from backend.notes.models import GroupNote, ProgressNote
from backend.scheduling import rules, service
from backend.scheduling.models import Attendance, Booking, Series, Session
from shared.schemas.scheduling import SeriesCreate, SessionUpdate


async def get_session(session: AsyncSession, session_id: uuid.UUID) -> Session:
    row = await session.get(Session, session_id, with_for_update=True)
    if row is None:
        raise Problem(404, f"No session {session_id}.")
    return row


async def documented(session: AsyncSession, session_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Sessions with attendance or a note: they must not vanish."""
    if not session_ids:
        return set()
    found: set[uuid.UUID] = set()
    for column in (Attendance.session_id, GroupNote.session_id, ProgressNote.session_id):
        rows = await session.exec(select(column).where(col(column).in_(session_ids)).distinct())
        found |= {r for r in rows.all() if r is not None}
    return found


async def _refuse_if_documented(session: AsyncSession, row: Session, what: str) -> None:
    if await documented(session, [row.id]):
        raise Problem(
            409,
            f"This session has attendance or a note recorded, so it cannot be {what}. "
            "Add a note to the record instead.",
            slug="session-documented",
        )


async def cancel(session: AsyncSession, actor: Actor, row: Session, reason: str) -> Session:
    if row.status == "cancelled":
        raise Problem(409, "This session is already cancelled.")
    await _refuse_if_documented(session, row, "cancelled")
    row.status, row.cancel_reason = "cancelled", reason
    row.version += 1
    session.add(row)
    await session.execute(delete(Booking).where(col(Booking.session_id) == row.id))
    await record(session, actor, "cancel", "session", entity_id=row.id, detail={"reason": reason})
    return row


async def move(session: AsyncSession, actor: Actor, row: Session, data: SessionUpdate) -> Session:
    """Move or re-staff one session; its bookings are re-made with a full conflict check."""
    if row.status == "cancelled":
        raise Problem(409, "A cancelled session cannot be moved: schedule a new one.")
    await _refuse_if_documented(session, row, "moved")
    tz = rules.zone(row.timezone)
    duration = row.ends_at - row.starts_at
    if data.duration_minutes is not None:
        duration = timedelta(minutes=data.duration_minutes)
    starts = row.starts_at
    if data.start_local is not None:
        starts = rules.local_datetime(data.start_local, "start_local").replace(tzinfo=tz)
    clients = await _client_ids(session, row.id)
    row.starts_at, row.ends_at = starts, starts + duration
    if "room_id" in data.model_fields_set:
        row.room_id = data.room_id
    if data.facilitator_ids is not None:
        row.facilitator_ids = list(data.facilitator_ids)
    row.moved = True
    row.version += 1
    session.add(row)
    await session.execute(delete(Booking).where(col(Booking.session_id) == row.id))
    await session.flush()
    holds = service.Holds(
        room_id=row.room_id, facilitator_ids=row.facilitator_ids, client_ids=clients
    )
    await service.hold(session, holds, [row])
    await record(
        session,
        actor,
        "move",
        "session",
        entity_id=row.id,
        detail={"starts_at": row.starts_at.isoformat()},
    )
    return row


async def _client_ids(session: AsyncSession, session_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.exec(
        select(Booking.resource_id).where(
            Booking.session_id == session_id, Booking.resource_kind == "client"
        )
    )
    return list(rows.all())


async def split(
    session: AsyncSession, actor: Actor, series: Series, from_row: Session, data: SeriesCreate
) -> tuple[Series, list[Session], list[Session], service.Plan]:
    """End ``series`` before ``from_row`` and start a new series from ``data``.

    Undocumented sessions from ``from_row`` on are replaced; documented ones are kept on
    the old series and returned so the caller can say so.
    """
    if from_row.series_id != series.id:
        raise Problem(
            422,
            "from_session_id: not a session of this series.",
            errors=[{"field": "from_session_id", "message": "other series"}],
        )
    following = list(
        (
            await session.exec(
                select(Session)
                .where(Session.series_id == series.id, col(Session.starts_at) >= from_row.starts_at)
                .with_for_update()
            )
        ).all()
    )
    kept_ids = await documented(session, [s.id for s in following])
    replaced = [s for s in following if s.id not in kept_ids]
    clients = await _clients_of(session, replaced)
    for old in replaced:
        await session.delete(old)
    await session.flush()
    remaining = await session.exec(select(Session.id).where(Session.series_id == series.id))
    if remaining.first() is None:
        await session.delete(series)  # split at the first session: the new series replaces it
    else:
        series.rrule = rules.truncate_rule(series.rrule, from_row.starts_at)
        series.version += 1
        session.add(series)
    await session.flush()
    plan = await service.plan_series(session, data, client_ids=clients)
    new_series, new_sessions = await service.create_series(session, actor, plan)
    await record(
        session,
        actor,
        "split",
        "series",
        entity_id=series.id,
        detail={
            "new_series": str(new_series.id),
            "replaced": len(replaced),
            "kept_documented": len(kept_ids),
        },
    )
    kept = [s for s in following if s.id in kept_ids]
    return new_series, new_sessions, kept, plan


async def _clients_of(session: AsyncSession, rows: list[Session]) -> list[uuid.UUID]:
    if not rows:
        return []
    ids = await session.exec(
        select(Booking.resource_id)
        .where(col(Booking.session_id).in_([r.id for r in rows]), Booking.resource_kind == "client")
        .distinct()
    )
    return list(ids.all())
