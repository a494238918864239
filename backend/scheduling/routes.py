"""Rooms, groups, series (with a dry-run preview) and the session calendar."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.audit.service import record
from backend.lib.auth import Principal, request_actor
from backend.lib.etag import etag, require_if_match
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.patients import service as patients
from backend.scheduling import appointments, caseload, edits, service
from backend.scheduling.models import Group, Series, Session
from shared.enums import Role
from shared.schemas.scheduling import (
    AppointmentCreate,
    GroupCreate,
    GroupRead,
    RoomCreate,
    RoomRead,
    SeriesCreate,
    SeriesPreview,
    SeriesRead,
    SeriesSplit,
    SessionCancel,
    SessionRead,
    SessionUpdate,
    SplitRead,
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
        version=row.version,
    )


def series_read(series: Series, sessions: list[Session], plan: service.Plan) -> SeriesRead:
    return SeriesRead(
        id=series.id,
        group_id=series.group_id,
        rrule=series.rrule,
        start_local=series.start_local,
        timezone=series.timezone,
        duration_minutes=series.duration_minutes,
        summary=plan.summary(),
        sessions=[session_read(s, plan.group.name) for s in sessions],
    )


async def _session_response(db_session: AsyncSession, row: Session) -> Response[SessionRead]:
    group = await db_session.get(Group, row.group_id)
    assert group is not None
    return Response(session_read(row, group.name), headers={"ETag": etag(row.version)})


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
        found = await service.conflicts(db_session, plan.holds, service.spans(plan))
        return service.preview(plan, found)

    @post("/series", opt=allow(*SCHEDULERS), summary="Create a series and its sessions")
    async def create_series(
        self, request: AnyRequest, data: SeriesCreate, db_session: AsyncSession
    ) -> SeriesRead:
        plan = await service.plan_series(db_session, data)
        series, sessions = await service.create_series(db_session, request_actor(request), plan)
        return series_read(series, sessions, plan)

    @post(
        "/appointments",
        opt=allow(*SCHEDULERS, Role.CLINICIAN),
        summary="An individual appointment (client + clinician), recurring if rrule is given",
    )
    async def create_appointment(
        self, request: AnyRequest, data: AppointmentCreate, db_session: AsyncSession
    ) -> SeriesRead:
        await caseload.require_member(db_session, request.user, data.patient_id)
        series, sessions, plan = await appointments.create(db_session, request_actor(request), data)
        return series_read(series, sessions, plan)

    @post(
        "/series/{series_id:uuid}/split",
        opt=allow(*SCHEDULERS),
        status_code=200,
        summary="Change this and following sessions (the whole series: split at its first)",
    )
    async def split_series(
        self,
        request: AnyRequest,
        series_id: uuid.UUID,
        data: SeriesSplit,
        db_session: AsyncSession,
    ) -> SplitRead:
        series = await db_session.get(Series, series_id, with_for_update=True)
        if series is None:
            raise Problem(404, f"No series {series_id}.")
        from_row = await edits.get_session(db_session, data.from_session_id)
        definition = SeriesCreate(**data.model_dump(exclude={"from_session_id"}))
        new_series, sessions, kept, plan = await edits.split(
            db_session, request_actor(request), series, from_row, definition
        )
        return SplitRead(
            series=series_read(new_series, sessions, plan),
            kept_documented=[session_read(k, plan.group.name) for k in kept],
        )

    @patch(
        "/sessions/{session_id:uuid}",
        opt=allow(*SCHEDULERS),
        summary="Move or re-staff one session (If-Match)",
    )
    async def move_session(
        self,
        request: AnyRequest,
        session_id: uuid.UUID,
        data: SessionUpdate,
        db_session: AsyncSession,
    ) -> Response[SessionRead]:
        row = await edits.get_session(db_session, session_id)
        require_if_match(request, row.version)
        row = await edits.move(db_session, request_actor(request), row, data)
        return await _session_response(db_session, row)

    @post(
        "/sessions/{session_id:uuid}/cancel",
        opt=allow(*SCHEDULERS),
        status_code=200,
        summary="Cancel one session with a reason",
    )
    async def cancel_session(
        self,
        request: AnyRequest,
        session_id: uuid.UUID,
        data: SessionCancel,
        db_session: AsyncSession,
    ) -> Response[SessionRead]:
        row = await edits.get_session(db_session, session_id)
        row = await edits.cancel(db_session, request_actor(request), row, data.reason)
        return await _session_response(db_session, row)

    @get("/sessions", opt=allow(*VIEWERS), summary="Sessions by period, group, room, staff, client")
    async def list_sessions(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        from_: datetime | None = Parameter(query="from", default=None),
        to: datetime | None = None,
        group_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        facilitator_id: uuid.UUID | None = None,
        patient_id: uuid.UUID | None = None,
    ) -> list[SessionRead]:
        if patient_id is not None:
            await patients.require_chart_access(
                db_session, request.user, patient_id, demographics=True
            )
            await record(
                db_session,
                request_actor(request),
                "read",
                "client_schedule",
                patient_id=patient_id,
                detail=read_detail(request.user),
            )
            rows = [
                (s, name)
                for s, name in await service.client_sessions(db_session, patient_id)
                if (from_ is None or s.ends_at > from_) and (to is None or s.starts_at < to)
            ]
        else:
            rows = await service.list_sessions(
                db_session,
                start=from_,
                end=to,
                group_id=group_id,
                room_id=room_id,
                facilitator_id=facilitator_id,
            )
        return [session_read(row, name) for row, name in rows]
