"""Group notes for staff, and each member's rendered note for their chart."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import State
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import read_detail, record_reads
from backend.audit.service import record
from backend.config import Settings
from backend.lib.auth import Principal, request_actor
from backend.lib.etag import etag, require_if_match
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.notes import chart, leak_guard, pdf, progress, service
from backend.notes.models import Addendum, GroupNote, MemberEntry, ProgressNote
from backend.patients.models import Patient
from backend.patients.service import get as get_patient
from backend.patients.service import mrn, require_chart_access
from backend.plans import points
from backend.scheduling import edits
from backend.scheduling.models import Group, Session
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.notes import (
    AddendumCreate,
    AddendumRead,
    EntryRead,
    EntryUpdate,
    LeakConfirmationCreate,
    LeakConfirmationRead,
    MemberNote,
    NoteRead,
    NoteSave,
    NotesExport,
    NoteSummary,
    SharedUpdate,
)
from shared.schemas.plans import Objective

AnyRequest = Request[Principal, Any, State]
WRITERS = (Role.FACILITATOR, Role.CLINICIAN, Role.SUPERVISOR)


def _require_session_staff(principal: Principal, row: Session) -> None:
    """Supervisors see every note; others document the sessions they facilitate."""
    if Role.SUPERVISOR in principal.roles or principal.user_id in row.facilitator_ids:
        return
    raise Problem(403, "You do not facilitate this session.")


def entry_read(
    entry: MemberEntry, patient: Patient, objectives: list[Objective] | None = None
) -> EntryRead:
    return EntryRead.model_validate(
        entry.model_dump()
        | {
            "patient_name": f"{patient.given_name} {patient.family_name}",
            "objectives": [{"id": o.id, "text": o.text} for o in objectives or []],
        }
    )


def addendum_read(addendum: Addendum) -> AddendumRead:
    return AddendumRead.model_validate(addendum, from_attributes=True)


async def _note_read(db_session: AsyncSession, note: GroupNote) -> Response[NoteRead]:
    row = await db_session.get(Session, note.session_id)
    assert row is not None
    group = await db_session.get(Group, row.group_id)
    assert group is not None
    rows = await service.entries(db_session, note.id)
    rated = await points.rated_objectives(db_session, [p.id for _, p in rows])
    body = NoteRead(
        **note.model_dump(exclude={"last_editor_id", "created_at"}),
        group_name=group.name,
        starts_at=row.starts_at.astimezone(ZoneInfo(row.timezone)),
        entries=[entry_read(e, p, rated[p.id]) for e, p in rows],
        addenda=[addendum_read(a) for a in await service.addenda(db_session, note.id)],
    )
    return Response(body, headers={"ETag": etag(note.version)})


async def _revealing_note_read(
    request: AnyRequest, db_session: AsyncSession, note: GroupNote
) -> Response[NoteRead]:
    """The staff view shows every member's entry: a read of each member shown."""
    answer = await _note_read(db_session, note)
    members = (e.patient_id for e in answer.content.entries)
    await record_reads(
        db_session, request_actor(request), request.user, "group_note", members, entity_id=note.id
    )
    return answer


async def _staff_note(
    request: AnyRequest,
    db_session: AsyncSession,
    note_id: uuid.UUID,
    lock: service.Lock = False,
) -> GroupNote:
    note = await service.get(db_session, note_id, lock=lock)
    row = await db_session.get(Session, note.session_id)
    assert row is not None
    _require_session_staff(request.user, row)
    return note


async def _record_listed(
    request: AnyRequest, db_session: AsyncSession, entity: str, individual: list[ProgressNote]
) -> None:
    """A work list names the client of each progress note (group notes name no one)."""
    await record_reads(
        db_session, request_actor(request), request.user, entity, (n.patient_id for n in individual)
    )


async def _summaries(
    db_session: AsyncSession, notes: list[GroupNote], individual: list[ProgressNote]
) -> list[NoteSummary]:
    """Group and individual notes as one work list (three queries whatever its length)."""
    session_ids = [n.session_id for n in notes]
    sessions = {
        s.id: (s, g)
        for s, g in (
            await db_session.exec(
                select(Session, Group)
                .join(Group, col(Group.id) == col(Session.group_id))
                .where(col(Session.id).in_(session_ids))
            )
        ).all()
    }
    patients = {
        p.id: p
        for p in (
            await db_session.exec(
                select(Patient).where(col(Patient.id).in_({n.patient_id for n in individual}))
            )
        ).all()
    }
    result = []
    for note in notes:
        row, group = sessions[note.session_id]
        result.append(
            NoteSummary(
                id=note.id,
                session_id=row.id,
                group_name=group.name,
                starts_at=row.starts_at.astimezone(ZoneInfo(row.timezone)),
                status=note.status,
                late_entry=note.late_entry,
            )
        )
    for item in individual:
        patient = patients[item.patient_id]
        result.append(
            NoteSummary(
                id=item.id,
                kind="individual",
                session_id=item.session_id,
                group_name=f"Progress note ({item.format.upper()})",
                patient_name=f"{patient.given_name} {patient.family_name}",
                starts_at=item.service_start,
                status=item.status,
                late_entry=item.late_entry,
            )
        )
    return sorted(result, key=lambda s: s.starts_at)


class NoteController(Controller):
    path = "/api/v1"
    tags = ["notes"]

    @post(
        "/sessions/{session_id:uuid}/note",
        opt=allow(*WRITERS),
        status_code=200,
        summary="Open (or create) the session's group note",
    )
    async def open_note(
        self, request: AnyRequest, session_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[NoteRead]:
        row = await edits.get_session(db_session, session_id)
        _require_session_staff(request.user, row)
        note, _ = await service.open_note(db_session, request_actor(request), row)
        return await _revealing_note_read(request, db_session, note)

    @get("/notes/{note_id:uuid}", opt=allow(*WRITERS), summary="The whole note (staff view)")
    async def read(
        self, request: AnyRequest, note_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[NoteRead]:
        note = await _staff_note(request, db_session, note_id)
        return await _revealing_note_read(request, db_session, note)

    @patch(
        "/notes/{note_id:uuid}", opt=allow(*WRITERS), summary="Edit the shared section (If-Match)"
    )
    async def update_shared(
        self, request: AnyRequest, note_id: uuid.UUID, data: SharedUpdate, db_session: AsyncSession
    ) -> Response[NoteRead]:
        note = await _staff_note(request, db_session, note_id, lock=True)
        require_if_match(request, note.version)
        await service.update_shared(db_session, request_actor(request), request.user, note, data)
        return await _note_read(db_session, note)

    @put(
        "/notes/{note_id:uuid}",
        opt=allow(*WRITERS),
        summary="Save the shared section and many entries at once (each with its version)",
    )
    async def save(
        self, request: AnyRequest, note_id: uuid.UUID, data: NoteSave, db_session: AsyncSession
    ) -> Response[NoteRead]:
        note = await _staff_note(request, db_session, note_id, lock=True)
        await service.save(db_session, request_actor(request), request.user, note, data)
        return await _note_read(db_session, await service.get(db_session, note_id))

    @patch(
        "/notes/{note_id:uuid}/entries/{patient_id:uuid}",
        opt=allow(*WRITERS),
        summary="Edit one member's entry (If-Match with that entry's version)",
    )
    async def update_entry(
        self,
        request: AnyRequest,
        note_id: uuid.UUID,
        patient_id: uuid.UUID,
        data: EntryUpdate,
        db_session: AsyncSession,
    ) -> Response[EntryRead]:
        # A shared lock: entry edits run side by side, but never interleave with signing.
        note = await _staff_note(request, db_session, note_id, lock="share")
        rows = {e.patient_id: (e, p) for e, p in await service.entries(db_session, note.id)}
        if patient_id not in rows:
            raise Problem(404, "This client has no entry in this note.")
        entry, patient = rows[patient_id]
        await db_session.refresh(entry, with_for_update=True)
        require_if_match(request, entry.version)
        entry = await service.update_entry(
            db_session, request_actor(request), request.user, note, entry, data
        )
        rated = await points.rated_objectives(db_session, [patient.id])
        return Response(
            entry_read(entry, patient, rated[patient.id]), headers={"ETag": etag(entry.version)}
        )

    @post(
        "/notes/{note_id:uuid}/sign",
        opt=allow(*WRITERS),
        status_code=200,
        summary="Sign: name-leak check, lock, SHA-256 of the content",
    )
    async def sign(
        self, request: AnyRequest, note_id: uuid.UUID, db_session: AsyncSession, settings: Settings
    ) -> Response[NoteRead]:
        note = await _staff_note(request, db_session, note_id, lock=True)
        late_after = timedelta(hours=settings.late_entry_hours)
        await service.sign(db_session, request_actor(request), request.user, note, late_after)
        return await _note_read(db_session, note)

    @post(
        "/notes/{note_id:uuid}/addenda",
        opt=allow(*WRITERS),
        summary="Add an addendum to a signed note",
    )
    async def add_addendum(
        self,
        request: AnyRequest,
        note_id: uuid.UUID,
        data: AddendumCreate,
        db_session: AsyncSession,
    ) -> AddendumRead:
        note = await _staff_note(request, db_session, note_id)
        addendum = await service.add_addendum(
            db_session,
            request_actor(request),
            request.user,
            note,
            data.reason,
            data.text,
            data.patient_id,
        )
        return addendum_read(addendum)

    @post(
        "/notes/{note_id:uuid}/leak-confirmations",
        opt=allow(*WRITERS),
        summary="Confirm that a word the name-leak check asks about is not the person",
    )
    async def confirm_leak(
        self,
        request: AnyRequest,
        note_id: uuid.UUID,
        data: LeakConfirmationCreate,
        db_session: AsyncSession,
    ) -> LeakConfirmationRead:
        note = await _staff_note(request, db_session, note_id, lock="share")
        row = await leak_guard.confirm(
            db_session, request_actor(request), request.user, note, data.field, data.text
        )
        return LeakConfirmationRead.model_validate(row, from_attributes=True)

    @post(
        "/notes/{note_id:uuid}/cosign",
        opt=allow(Role.SUPERVISOR),
        status_code=200,
        summary="Co-sign a note that needs it",
    )
    async def cosign(
        self, request: AnyRequest, note_id: uuid.UUID, db_session: AsyncSession
    ) -> Response[NoteRead]:
        note = await service.get(db_session, note_id, lock=True)
        await service.cosign(db_session, request_actor(request), request.user, note)
        return await _note_read(db_session, note)

    @get(
        "/notes/cosign-queue",
        opt=allow(Role.SUPERVISOR),
        summary="Notes waiting for a co-signature",
    )
    async def cosign_queue(
        self, request: AnyRequest, db_session: AsyncSession
    ) -> list[NoteSummary]:
        individual = await progress.cosign_queue(db_session)
        await _record_listed(request, db_session, "cosign_queue", individual)
        return await _summaries(db_session, await service.cosign_queue(db_session), individual)

    @get("/notes/unsigned", opt=allow(*WRITERS), summary="My unsigned notes")
    async def unsigned(self, request: AnyRequest, db_session: AsyncSession) -> list[NoteSummary]:
        user_id = request.user.user_id
        individual = await progress.unsigned_for(db_session, user_id)
        await _record_listed(request, db_session, "unsigned_notes", individual)
        return await _summaries(
            db_session, await service.unsigned_for(db_session, user_id), individual
        )

    @get(
        "/patients/{patient_id:uuid}/group-notes",
        opt=allow(*CLINICAL_ROLES),
        summary="The client's signed group notes: shared section and their own entry only",
    )
    async def member_notes(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> list[MemberNote]:
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        result = await chart.member_notes(db_session, patient_id)
        await record(
            db_session,
            request_actor(request),
            "read",
            "group_notes",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return result

    @get(
        "/patients/{patient_id:uuid}/notes/export",
        opt=allow(*CLINICAL_ROLES),
        summary="Export the client's own signed notes (group notes rendered for them, "
        "progress notes)",
    )
    async def export(
        self, request: AnyRequest, patient_id: uuid.UUID, db_session: AsyncSession
    ) -> NotesExport:
        patient = await get_patient(db_session, patient_id)
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        result = await chart.export(db_session, patient)
        await record(
            db_session,
            request_actor(request),
            "export",
            "notes",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        return result

    @get(
        "/patients/{patient_id:uuid}/notes.pdf",
        opt=allow(*CLINICAL_ROLES),
        summary="The client's own signed notes as a PDF",
        media_type="application/pdf",
    )
    async def pdf(
        self,
        request: AnyRequest,
        patient_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[bytes]:
        patient = await get_patient(db_session, patient_id)
        await require_chart_access(db_session, request.user, patient_id, demographics=False)
        document = pdf.render(await chart.export(db_session, patient), settings.timezone)
        await record(
            db_session,
            request_actor(request),
            "print",
            "notes",
            patient_id=patient_id,
            detail=read_detail(request.user),
        )
        name = f"notes-{mrn(patient)}.pdf"
        return Response(
            document,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
