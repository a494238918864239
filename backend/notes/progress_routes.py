"""Individual progress notes: write a draft, sign, co-sign, addenda."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail
from backend.audit.service import record
from backend.config import Settings
from backend.lib.auth import Principal, request_actor
from backend.lib.etag import etag, require_if_match
from backend.lib.policy import allow
from backend.notes import progress
from backend.notes.models import ProgressNote
from backend.patients.service import get as get_patient
from backend.patients.service import require_chart_access
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.notes import AddendumCreate
from shared.schemas.progress_notes import (
    ProgressAddendumRead,
    ProgressNoteCreate,
    ProgressNoteRead,
    ProgressNoteUpdate,
)

AnyRequest = Request[Principal, Any, State]
WRITERS = (Role.FACILITATOR, Role.CLINICIAN, Role.SUPERVISOR)


async def _answer(db_session: AsyncSession, note: ProgressNote) -> Response[ProgressNoteRead]:
    (body,) = await progress.reads(db_session, [note])
    return Response(body, headers={"ETag": etag(note.version)})


async def _note(
    request: AnyRequest, db_session: AsyncSession, note_id: uuid.UUID, *, lock: bool = False
) -> ProgressNote:
    note = await progress.get(db_session, note_id, lock=lock)
    await require_chart_access(db_session, request.user, note.patient_id, demographics=False)
    return note


class ProgressNoteController(Controller):
    path = "/api/v1"
    tags = ["progress notes"]

    @post(
        "/patients/{patient_id:uuid}/progress-notes",
        opt=allow(*WRITERS),
        summary="Start an individual progress note (DAP, BIRP or SOAP)",
    )
    async def create(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        data: ProgressNoteCreate,
        db_session: AsyncSession,
    ) -> Response[ProgressNoteRead]:
        await get_patient(db_session, patient_id)
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        note = await progress.create(
            db_session, request_actor(request), request.user, patient_id, data
        )
        response = await _answer(db_session, note)
        response.status_code = 201
        return response

    @get(
        "/patients/{patient_id:uuid}/progress-notes",
        opt=allow(*CLINICAL_ROLES),
        summary="The client's progress notes, newest first (drafts included)",
    )
    async def list_for_patient(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[ProgressNoteRead]:
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        notes = await progress.for_patient(db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "progress_notes",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return await progress.reads(db_session, notes)

    @get("/progress-notes/{note_id:uuid}", opt=allow(*CLINICAL_ROLES), summary="One progress note")
    async def read(
        self, request: AnyRequest, note_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[ProgressNoteRead]:
        note = await _note(request, db_session, note_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "progress_note",
            entity_id=note.id,
            patient_id=note.patient_id,
            detail=read_detail(request.user),
        )
        return await _answer(db_session, note)

    @patch(
        "/progress-notes/{note_id:uuid}",
        opt=allow(*WRITERS),
        summary="Edit a draft's sections (If-Match)",
    )
    async def update(
        self,
        request: AnyRequest,
        note_id: uuid.UUID,
        data: ProgressNoteUpdate,
        db_session: AsyncSession,
    ) -> Response[ProgressNoteRead]:
        note = await _note(request, db_session, note_id, lock=True)
        require_if_match(request, note.version)
        await progress.update(db_session, request_actor(request), request.user, note, data.sections)
        return await _answer(db_session, note)

    @post(
        "/progress-notes/{note_id:uuid}/sign",
        opt=allow(*WRITERS),
        status_code=200,
        summary="Sign: every section required; locks and stores a SHA-256",
    )
    async def sign(
        self, request: AnyRequest, note_id: uuid.UUID, db_session: AsyncSession, settings: Settings
    ) -> Response[ProgressNoteRead]:
        note = await _note(request, db_session, note_id, lock=True)
        late_after = timedelta(hours=settings.late_entry_hours)
        await progress.sign(
            db_session, request_actor(request), request.user, note, late_after, settings.timezone
        )
        return await _answer(db_session, note)

    @post(
        "/progress-notes/{note_id:uuid}/cosign",
        opt=allow(Role.SUPERVISOR),
        status_code=200,
        summary="Co-sign a progress note that needs it",
    )
    async def cosign(
        self, request: AnyRequest, note_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[ProgressNoteRead]:
        note = await progress.get(db_session, note_id, lock=True)
        await progress.cosign(db_session, request_actor(request), request.user, note)
        return await _answer(db_session, note)

    @post(
        "/progress-notes/{note_id:uuid}/addenda",
        opt=allow(*WRITERS),
        summary="Add an addendum to a signed progress note",
    )
    async def add_addendum(
        self,
        request: AnyRequest,
        note_id: uuid.UUID,
        data: AddendumCreate,
        db_session: AsyncSession,
    ) -> ProgressAddendumRead:
        note = await _note(request, db_session, note_id)
        addendum = await progress.add_addendum(
            db_session, request_actor(request), request.user, note, data.reason, data.text
        )
        return ProgressAddendumRead.model_validate(addendum, from_attributes=True)
