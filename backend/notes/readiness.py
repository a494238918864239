"""What must be true before a group note is signed: it documents a session that has
started, every expected member's attendance, and the template's fields (the shared
section, and the entry of each member who came). The entries follow the sign-in sheet, so
the signed content holds the attendance that billing uses."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.base import utcnow
from backend.lib.problems import Problem
from backend.notes import rules
from backend.notes.models import GroupNote, MemberEntry
from backend.patients.models import Patient
from backend.scheduling import enrollment
from backend.scheduling.models import Group, Session
from shared.schemas.scheduling import ENTRY_REQUIRED, NOTE_TOPIC


async def follow_sign_in_sheet(
    session: AsyncSession, note: GroupNote, row: Session
) -> dict[uuid.UUID, str | None]:
    """A draft's entries take each member's attendance from the sign-in sheet, which is
    often filled in after the note was opened, and a member expected since gets an entry.
    Returns every expected member's status (None: not recorded yet)."""
    marks = await enrollment.marks(session, row.id)
    status = {
        p.id: marks[p.id].status if p.id in marks else None
        for p in await enrollment.expected(session, row)
    }
    if note.status != "draft":
        return status
    current = {
        e.patient_id: e
        for e in (
            await session.exec(select(MemberEntry).where(MemberEntry.note_id == note.id))
        ).all()
    }
    for patient_id, attendance in status.items():
        entry = current.get(patient_id) or MemberEntry(note_id=note.id, patient_id=patient_id)
        if entry.attendance != attendance or patient_id not in current:
            entry.attendance = attendance
            session.add(entry)
    await session.flush()
    return status


def refuse_unless_ready(
    note: GroupNote,
    row: Session,
    group: Group,
    attendance: dict[uuid.UUID, str | None],
    rows: list[tuple[MemberEntry, Patient]],
) -> None:
    """Sign only what happened: the session has started, every expected member's
    attendance is recorded, and the template's fields are filled (shared section, and the
    entry of each member who came). One refusal lists every missing item."""
    template = group.note_template or {}
    unmet = rules.unmet_before_signing(
        starts_at=row.starts_at,
        now=utcnow(),
        shared=note.model_dump(),
        required=template.get("required", [NOTE_TOPIC]),
        attendance={str(p): s for p, s in attendance.items()},
        entries={str(e.patient_id): e.model_dump() for e, _ in rows},
        entry_required=template.get("entry_required", ENTRY_REQUIRED),
    )
    if unmet:
        names = {str(p.id): f"{p.given_name} {p.family_name}" for _, p in rows}
        raise Problem(422, _unmet_detail(unmet, names, row), errors=unmet)


def _unmet_detail(unmet: list[dict[str, str]], names: dict[str, str], row: Session) -> str:
    by_member: dict[str, list[str]] = {}
    parts = []
    for item in unmet:
        field = item["field"]
        if field == "session.starts_at":
            start = row.starts_at.astimezone(ZoneInfo(row.timezone))
            parts.append(f"the session has not started yet (it starts {start:%a %d %b %H:%M %Z})")
        elif field.startswith("entries."):
            _, patient_id, name = field.split(".", 2)
            by_member.setdefault(names.get(patient_id, patient_id), []).append(name)
        else:
            parts.append(f"{field} is required")
    parts += [f"{who}: {', '.join(fields)} required" for who, fields in by_member.items()]
    return f"Not ready to sign: {'; '.join(parts)}."
