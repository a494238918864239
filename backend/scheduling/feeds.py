"""iCalendar feeds per group, facilitator and client (``text/calendar``)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.accounts.models import User
from backend.audit.service import record
from backend.db.base import utcnow
from backend.lib.auth import Principal, request_actor
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.patients import service as patients
from backend.scheduling import ics, service
from backend.scheduling.models import Group, Session
from shared.enums import Role

AnyRequest = Request[Principal, Any, State]
STAFF = (Role.COORDINATOR, Role.ADMIN, Role.FACILITATOR, Role.CLINICIAN, Role.SUPERVISOR)


async def _items(db_session: AsyncSession, rows: list[tuple[Session, str]]) -> list[ics.FeedItem]:
    rooms = {r.id: r.name for r in await service.rooms(db_session)}
    return [
        ics.FeedItem(
            uid=f"{s.id}@emr",
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            summary=name,
            location=rooms.get(s.room_id, "") if s.room_id else "",
            cancelled=s.status == "cancelled",
        )
        for s, name in rows
    ]


# Litestar adds the charset itself to text types; naming it here would send it twice.
CALENDAR = "text/calendar"


def _feed(name: str, items: list[ics.FeedItem]) -> Response[str]:
    return Response(
        ics.calendar(name, items, utcnow()),
        media_type=CALENDAR,
        headers={"Cache-Control": "no-store"},
    )


class CalendarController(Controller):
    path = "/api/v1/calendar"
    tags = ["scheduling"]

    @get(
        "/groups/{group_id:uuid}/sessions.ics",
        opt=allow(*STAFF),
        summary="A group's sessions (.ics)",
        media_type=CALENDAR,
    )
    async def group_feed(self, group_id: uuid.UUID, db_session: AsyncSession) -> Response[str]:
        group = await db_session.get(Group, group_id)
        if group is None:
            raise Problem(404, f"No group {group_id}.")
        rows = await service.list_sessions(
            db_session, start=None, end=None, group_id=group_id, room_id=None, facilitator_id=None
        )
        return _feed(group.name, await _items(db_session, rows))

    @get(
        "/facilitators/{user_id:uuid}/sessions.ics",
        opt=allow(*STAFF),
        summary="A facilitator's sessions (.ics)",
        media_type=CALENDAR,
    )
    async def facilitator_feed(self, user_id: uuid.UUID, db_session: AsyncSession) -> Response[str]:
        user = await db_session.get(User, user_id)
        if user is None:
            raise Problem(404, f"No user {user_id}.")
        rows = await service.list_sessions(
            db_session, start=None, end=None, group_id=None, room_id=None, facilitator_id=user_id
        )
        return _feed(user.full_name or user.username, await _items(db_session, rows))

    @get(
        "/patients/{patient_id:uuid}/sessions.ics",
        opt=allow(Role.COORDINATOR, Role.CLINICIAN, Role.FACILITATOR, Role.SUPERVISOR),
        summary="A client's own sessions (.ics): group and room only, no other members",
        media_type=CALENDAR,
    )
    async def client_feed(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[str]:
        await patients.require_chart_access(db_session, request.user, patient_id, demographics=True)
        patient = await patients.get(db_session, patient_id)
        rows = await service.client_sessions(db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "export",
            "calendar",
            entity_id=patient_id,
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return _feed(
            f"Sessions for {patient.preferred_name or patient.given_name}",
            await _items(db_session, rows),
        )
