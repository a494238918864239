"""What a client's chart holds of notes: each group note rendered for that client (shared
section + their own entry + addenda meant for everyone or for them), their progress notes,
and the export of both. Nothing here ever reads another member's entry."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import User
from backend.db.base import utcnow
from backend.notes import progress, service
from backend.notes.models import Addendum
from backend.patients.models import Patient
from backend.patients.service import mrn
from backend.scheduling.models import Group
from shared.schemas.notes import AddendumRead, EntryRead, MemberNote, NotesExport


async def member_notes(session: AsyncSession, patient_id: uuid.UUID) -> list[MemberNote]:
    """The client's signed group notes in four queries, however many there are."""
    rows = await service.member_notes(session, patient_id)
    note_ids = [note.id for note, *_ in rows]
    groups = {
        g.id: g
        for g in (
            await session.exec(
                select(Group).where(col(Group.id).in_({row.group_id for *_, row in rows}))
            )
        ).all()
    }
    addenda: dict[uuid.UUID, list[Addendum]] = {i: [] for i in note_ids}
    for addendum in (
        await session.exec(
            select(Addendum)
            .where(col(Addendum.note_id).in_(note_ids))
            .where(col(Addendum.patient_id).is_(None) | (col(Addendum.patient_id) == patient_id))
            .order_by(col(Addendum.created_at))
        )
    ).all():
        addenda[addendum.note_id].append(addendum)
    signers = {
        u.id: u.full_name or u.username
        for u in (
            await session.exec(
                select(User).where(col(User.id).in_({n.signed_by for n, *_ in rows if n.signed_by}))
            )
        ).all()
    }
    return [
        MemberNote(
            note_id=note.id,
            group_name=groups[row.group_id].name,
            starts_at=row.starts_at.astimezone(ZoneInfo(row.timezone)),
            topic=note.topic,
            interventions=note.interventions,
            group_process=note.group_process,
            entry=EntryRead.model_validate(
                entry.model_dump() | {"patient_name": f"{patient.given_name} {patient.family_name}"}
            ),
            signed_at=note.signed_at,
            signed_by_name=signers.get(note.signed_by, "") if note.signed_by else "",
            content_hash=note.content_hash,
            addenda=[
                AddendumRead.model_validate(a, from_attributes=True) for a in addenda[note.id]
            ],
        )
        for note, entry, patient, row in rows
    ]


async def export(session: AsyncSession, patient: Patient) -> NotesExport:
    """Everything signed in the client's own record of notes, newest first."""
    return NotesExport(
        patient_id=patient.id,
        patient_name=f"{patient.given_name} {patient.family_name}",
        mrn=mrn(patient),
        birth_date=patient.birth_date,
        exported_at=utcnow(),
        group_notes=await member_notes(session, patient.id),
        progress_notes=await progress.reads(
            session, await progress.for_patient(session, patient.id, signed_only=True)
        ),
    )
