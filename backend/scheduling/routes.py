"""Rooms, groups, series (with a dry-run preview) and the session calendar."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.lib.auth import Principal, request_actor
from backend.lib.policy import allow
from backend.scheduling import rules, service
from backend.scheduling.models import Session
from shared.enums import Role
from shared.schemas.scheduling import (
    GroupCreate,
    GroupRead,
    RoomCreate,
    RoomRead,
    SeriesCreate,
    SeriesPreview,
    SeriesRead,
    SessionRead,
)

AnyRequest = Request[Principal, Any, State]
SCHEDULERS = (Role.COORDINATOR, Role.ADMIN)
VIEWERS = (Role.COORDINATOR, Role.ADMIN, Role.FACILITATOR, Role.CLINICIAN, Role.SUPERVISOR)


def session_read(row: Session, group_name: str) -> SessionRead:
    tz = ZoneInfo(row.timezone)
    return SessionRead(
        id=row.id,
        series_id=row.series_id,
        group_id=row.group_id,
        group_name=group_name,
        starts_at=row.starts_at.astimezone(tz),
        ends_at=row.ends_at.astimezone(tz),
        timezone=row.timezone,
        room_id=row.room_id,
        facilitator_ids=row.facilitator_ids,
        status=row.status,
        cancel_reason=row.cancel_reason,
    )


class SchedulingController(Controller):
    path = "/api/v1"
    tags = ["scheduling"]

    @post("/rooms", opt=allow(*SCHEDULERS), summary="Create a room")
    async def create_room(
        self, request: AnyRequest, data: RoomCreate, db_session: AsyncSession
    ) -> RoomRead:
        room = await service.create_room(db_session, request_actor(request), data)
        return RoomRead.model_validate(room, from_attributes=True)

    @get("/rooms", opt=allow(*VIEWERS), summary="Rooms")
    async def list_rooms(self, db_session: AsyncSession) -> list[RoomRead]:
        return [
            RoomRead.model_validate(r, from_attributes=True)
            for r in await service.rooms(db_session)
        ]

    @post("/groups", opt=allow(*SCHEDULERS), summary="Create a group (only a name is required)")
    async def create_group(
        self, request: AnyRequest, data: GroupCreate, db_session: AsyncSession
    ) -> GroupRead:
        group = await service.create_group(db_session, request_actor(request), data)
        return GroupRead.model_validate(group, from_attributes=True)

    @get("/groups", opt=allow(*VIEWERS), summary="Groups")
    async def list_groups(self, db_session: AsyncSession) -> list[GroupRead]:
        return [
            GroupRead.model_validate(g, from_attributes=True)
            for g in await service.groups(db_session)
        ]

    @post(
        "/series/preview",
        opt=allow(*SCHEDULERS),
        status_code=200,
        summary="Expand a series and list every conflict, without saving",
    )
    async def preview_series(self, data: SeriesCreate, db_session: AsyncSession) -> SeriesPreview:
        plan = await service.plan_series(db_session, data)
        return service.preview(plan, await service.conflicts(db_session, plan))

    @post("/series", opt=allow(*SCHEDULERS), summary="Create a series and its sessions")
    async def create_series(
        self, request: AnyRequest, data: SeriesCreate, db_session: AsyncSession
    ) -> SeriesRead:
        plan = await service.plan_series(db_session, data)
        series, sessions = await service.create_series(db_session, request_actor(request), plan)
        return SeriesRead(
            id=series.id,
            group_id=series.group_id,
            rrule=series.rrule,
            start_local=series.start_local,
            timezone=series.timezone,
            duration_minutes=series.duration_minutes,
            summary=rules.describe(plan.occurrences),
            sessions=[session_read(s, plan.group.name) for s in sessions],
        )

    @get("/sessions", opt=allow(*VIEWERS), summary="Sessions in a period, by group/room/staff")
    async def list_sessions(
        self,
        db_session: AsyncSession,
        from_: datetime | None = Parameter(query="from", default=None),
        to: datetime | None = None,
        group_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        facilitator_id: uuid.UUID | None = None,
    ) -> list[SessionRead]:
        rows = await service.list_sessions(
            db_session,
            start=from_,
            end=to,
            group_id=group_id,
            room_id=room_id,
            facilitator_id=facilitator_id,
        )
        return [session_read(row, name) for row, name in rows]
