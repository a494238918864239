"""Individual progress notes (DAP, BIRP, SOAP): written by one clinician for one client,
optionally for a scheduled individual session, with the lifecycle group notes use."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import User
from backend.audit.service import Actor, record
from backend.billing import capture
from backend.db.base import utcnow
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.notes import lifecycle, rules
from backend.notes.models import ProgressAddendum, ProgressNote
from backend.scheduling.models import Enrollment, Session
from shared.enums import Role
from shared.schemas.progress_notes import (
    SECTION_MAX,
    NoteFormat,
    ProgressAddendumRead,
    ProgressNoteCreate,
    ProgressNoteRead,
    section_keys,
)


def _check_sections(note_format: NoteFormat, sections: dict[str, str]) -> None:
    allowed = section_keys(note_format)
    errors = [
        {"field": f"sections.{key}", "message": f"not a {note_format.upper()} section"}
        for key in sections
        if key not in allowed
    ] + [
        {"field": f"sections.{key}", "message": f"at most {SECTION_MAX} characters"}
        for key, text in sections.items()
        if len(text) > SECTION_MAX
    ]
    if errors:
        raise Problem(422, f"{errors[0]['field']}: {errors[0]['message']}.", errors=errors)


async def _service_times(
    session: AsyncSession, patient_id: uuid.UUID, data: ProgressNoteCreate
) -> tuple[Any, Any]:
    if data.session_id is not None:
        row = await session.get(Session, data.session_id)
        if row is None:
            raise Problem(
                422,
                f"session_id: no session {data.session_id}.",
                errors=[{"field": "session_id", "message": "unknown session"}],
            )
        enrolled = await session.exec(
            select(Enrollment.id).where(
                Enrollment.group_id == row.group_id, Enrollment.patient_id == patient_id
            )
        )
        if enrolled.first() is None:
            raise Problem(
                422,
                "session_id: this client is not booked into that session.",
                errors=[{"field": "session_id", "message": "client not in session"}],
            )
        return row.starts_at, row.ends_at
    start, end = data.service_start, data.service_end
    for field, value in (("service_start", start), ("service_end", end)):
        if value is None or value.tzinfo is None:
            raise Problem(
                422,
                f"{field}: a date and time with its UTC offset is required without a session.",
                errors=[{"field": field, "message": "required, with offset"}],
            )
    assert start is not None and end is not None
    if end <= start or end - start > timedelta(hours=12):
        raise Problem(
            422,
            "service_end: must be after service_start, within 12 hours.",
            errors=[{"field": "service_end", "message": "after start, within 12 hours"}],
        )
    return start, end


async def create(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: ProgressNoteCreate,
) -> ProgressNote:
    _check_sections(data.format, data.sections)
    start, end = await _service_times(session, patient_id, data)
    note = ProgressNote(
        patient_id=patient_id,
        session_id=data.session_id,
        format=data.format.value,
        service_start=start,
        service_end=end,
        sections={key: data.sections.get(key, "") for key in section_keys(data.format)},
        author_id=principal.user_id,
        last_editor_id=principal.user_id,
    )
    existing = (
        await session.exec(
            select(ProgressNote.id).where(
                ProgressNote.session_id == data.session_id, ProgressNote.patient_id == patient_id
            )
        )
    ).first()
    if data.session_id is not None and existing is not None:
        raise Problem(
            409,
            "This session already has a progress note for this client.",
            slug="progress-note-exists",
            existing_id=str(existing),
        )
    session.add(note)
    await session.flush()
    await record(
        session, actor, "create", "progress_note", entity_id=note.id, patient_id=patient_id
    )
    return note


async def get(session: AsyncSession, note_id: uuid.UUID, *, lock: bool = False) -> ProgressNote:
    note = await session.get(ProgressNote, note_id, with_for_update=lock)
    if note is None:
        raise Problem(404, f"No progress note {note_id}.")
    return note


def require_writer(principal: Principal, note: ProgressNote) -> None:
    """A draft belongs to its author (supervisors may finish a colleague's draft)."""
    if note.author_id != principal.user_id and Role.SUPERVISOR not in principal.roles:
        raise Problem(403, "Only the author of this draft can change or sign it.")


async def update(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    note: ProgressNote,
    sections: dict[str, str],
) -> ProgressNote:
    lifecycle.refuse_if_signed(note)
    require_writer(principal, note)
    _check_sections(NoteFormat(note.format), sections)
    note.sections = {**note.sections, **sections}
    note.last_editor_id = principal.user_id
    note.version += 1
    session.add(note)
    await record(
        session, actor, "update", "progress_note", entity_id=note.id, patient_id=note.patient_id
    )
    return note


def document(note: ProgressNote) -> dict[str, Any]:
    """Everything the signature covers, in a stable shape."""
    keys = ("id", "patient_id", "session_id", "format", "service_start", "service_end")
    return {k: getattr(note, k) for k in (*keys, "sections", "signed_by", "signed_at")}


async def sign(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    note: ProgressNote,
    late_after: timedelta,
    timezone: str,
) -> ProgressNote:
    lifecycle.refuse_if_signed(note)
    require_writer(principal, note)
    row = await session.get(Session, note.session_id) if note.session_id else None
    lifecycle.refuse_unmet(
        (rules.not_started(row.starts_at, utcnow()) if row else [])
        + lifecycle.blank_fields(
            {f"sections.{k}": v for k, v in note.sections.items()},
            [f"sections.{k}" for k in section_keys(NoteFormat(note.format))],
        )
    )
    lifecycle.sign(
        note,
        principal,
        service_ended=note.service_end,
        late_after=late_after,
        document=lambda: document(note),
    )
    session.add(note)
    await capture.progress_note_signed(
        session,
        note.id,
        note.patient_id,
        note.service_start,
        note.service_end,
        note.session_id,
        principal.user_id,
        timezone,
    )
    await record(
        session,
        actor,
        "sign",
        "progress_note",
        entity_id=note.id,
        patient_id=note.patient_id,
        detail={"hash": note.content_hash, "late": note.late_entry},
    )
    return note


def verify(note: ProgressNote) -> bool:
    return note.content_hash is not None and note.content_hash == rules.content_hash(document(note))


async def cosign(
    session: AsyncSession, actor: Actor, principal: Principal, note: ProgressNote
) -> ProgressNote:
    lifecycle.cosign(note, principal)
    session.add(note)
    await record(
        session, actor, "cosign", "progress_note", entity_id=note.id, patient_id=note.patient_id
    )
    return note


async def add_addendum(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    note: ProgressNote,
    reason: str,
    text: str,
) -> ProgressAddendum:
    lifecycle.refuse_addendum_on_draft(note)
    addendum = ProgressAddendum(
        note_id=note.id, author_id=principal.user_id, reason=reason, text=text
    )
    session.add(addendum)
    await session.flush()
    await record(
        session, actor, "addendum", "progress_note", entity_id=note.id, patient_id=note.patient_id
    )
    return addendum


async def addenda(
    session: AsyncSession, note_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ProgressAddendum]]:
    """Addenda of many notes in one query, oldest first."""
    found: dict[uuid.UUID, list[ProgressAddendum]] = {i: [] for i in note_ids}
    if note_ids:
        rows = await session.exec(
            select(ProgressAddendum)
            .where(col(ProgressAddendum.note_id).in_(note_ids))
            .order_by(col(ProgressAddendum.created_at))
        )
        for addendum in rows.all():
            found[addendum.note_id].append(addendum)
    return found


async def for_patient(
    session: AsyncSession, patient_id: uuid.UUID, *, signed_only: bool = False
) -> list[ProgressNote]:
    query = select(ProgressNote).where(ProgressNote.patient_id == patient_id)
    if signed_only:
        query = query.where(ProgressNote.status == "signed")
    rows = await session.exec(query.order_by(col(ProgressNote.service_start).desc()))
    return list(rows.all())


async def unsigned_for(session: AsyncSession, user_id: uuid.UUID) -> list[ProgressNote]:
    rows = await session.exec(
        select(ProgressNote)
        .where(ProgressNote.status == "draft", ProgressNote.author_id == user_id)
        .order_by(col(ProgressNote.service_start))
    )
    return list(rows.all())


async def cosign_queue(session: AsyncSession) -> list[ProgressNote]:
    rows = await session.exec(
        select(ProgressNote)
        .where(col(ProgressNote.cosign_required).is_(True), col(ProgressNote.cosigned_by).is_(None))
        .order_by(col(ProgressNote.signed_at))
    )
    return list(rows.all())


async def reads(db_session: AsyncSession, notes: list[ProgressNote]) -> list[ProgressNoteRead]:
    """Many notes with their authors and addenda in two queries."""
    found = await addenda(db_session, [n.id for n in notes])
    author_ids = {n.author_id for n in notes} | {n.signed_by for n in notes if n.signed_by}
    names = {
        u.id: u.full_name or u.username
        for u in (await db_session.exec(select(User).where(col(User.id).in_(author_ids)))).all()
    }
    return [
        ProgressNoteRead.model_validate(
            note.model_dump()
            | {
                "author_name": names.get(note.author_id, ""),
                "signed_by_name": names.get(note.signed_by, "") if note.signed_by else "",
                "addenda": [
                    ProgressAddendumRead.model_validate(a, from_attributes=True)
                    for a in found[note.id]
                ],
            }
        )
        for note in notes
    ]
