"""Writing, signing and rendering group notes.

Entries are created for every client expected at the session; each part records its
authors; edits use versions (If-Match); signing runs the name-leak check, locks the note
and stores a SHA-256 of its content; afterwards only addenda are accepted, each through
the same name-leak check (``backend.notes.leak_guard``)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, Event, record, record_many
from backend.billing import capture
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.notes import leak_guard, lifecycle, readiness, rules
from backend.notes.models import Addendum, GroupNote, MemberEntry
from backend.patients.models import Patient
from backend.plans import points
from backend.scheduling.models import Group, Session
from shared.schemas.notes import EntryUpdate, NoteSave, SharedUpdate
from shared.schemas.plans import Objective

CLINICAL_FIELDS = ("participation", "affect", "behaviour", "narrative", "risk", "objective_ratings")
ABSENT = ("absent", "excused")


async def open_note(session: AsyncSession, actor: Actor, row: Session) -> tuple[GroupNote, bool]:
    """The session's note, creating it (with an entry per expected client) on first use."""
    existing = (await session.exec(select(GroupNote).where(GroupNote.session_id == row.id))).first()
    if existing is not None:
        await readiness.follow_sign_in_sheet(session, existing, row)
        return existing, False
    if row.status == "cancelled":
        raise Problem(409, "A cancelled session has no note.")
    note = GroupNote(session_id=row.id, author_ids=[actor.user_id] if actor.user_id else [])
    session.add(note)
    await session.flush()
    await readiness.follow_sign_in_sheet(session, note, row)
    await record(session, actor, "create", "group_note", entity_id=note.id)
    return note, True


Lock = bool | Literal["share"]


async def get(session: AsyncSession, note_id: uuid.UUID, *, lock: Lock = False) -> GroupNote:
    """The note; ``lock`` takes it FOR UPDATE (True) or FOR SHARE ("share")."""
    note = await session.get(
        GroupNote, note_id, with_for_update={"read": True} if lock == "share" else bool(lock)
    )
    if note is None:
        raise Problem(404, f"No note {note_id}.")
    return note


async def entries(session: AsyncSession, note_id: uuid.UUID) -> list[tuple[MemberEntry, Patient]]:
    rows = await session.exec(
        select(MemberEntry, Patient)
        .join(Patient, col(Patient.id) == col(MemberEntry.patient_id))
        .where(MemberEntry.note_id == note_id)
        .order_by(col(Patient.family_name), col(Patient.given_name))
    )
    return [(e, p) for e, p in rows.all()]


async def addenda(session: AsyncSession, note_id: uuid.UUID) -> list[Addendum]:
    rows = await session.exec(
        select(Addendum).where(Addendum.note_id == note_id).order_by(col(Addendum.created_at))
    )
    return list(rows.all())


def _credit(part: GroupNote | MemberEntry, principal: Principal) -> None:
    if principal.user_id not in part.author_ids:
        part.author_ids = [*part.author_ids, principal.user_id]
    part.last_editor_id = principal.user_id
    part.version += 1


async def update_shared(
    session: AsyncSession, actor: Actor, principal: Principal, note: GroupNote, data: SharedUpdate
) -> GroupNote:
    lifecycle.refuse_if_signed(note)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(note, field, value)
    _credit(note, principal)
    session.add(note)
    await record(session, actor, "update", "group_note", entity_id=note.id)
    return note


async def update_entry(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    note: GroupNote,
    entry: MemberEntry,
    data: EntryUpdate,
) -> MemberEntry:
    lifecycle.refuse_if_signed(note)
    changes = data.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    if entry.attendance in ABSENT and any(f in changes for f in CLINICAL_FIELDS):
        raise Problem(
            422,
            "This member was absent: the note keeps their attendance only.",
            errors=[{"field": "attendance", "message": entry.attendance or ""}],
        )
    if "objective_ratings" in changes:
        allowed = await points.rated_objectives(session, [entry.patient_id])
        _check_ratings(allowed, entry.patient_id, changes["objective_ratings"])
    for field, value in changes.items():
        setattr(entry, field, value)
    _credit(entry, principal)
    session.add(entry)
    await record(
        session, actor, "update", "member_entry", entity_id=entry.id, patient_id=entry.patient_id
    )
    return entry


def _check_ratings(
    allowed: dict[uuid.UUID, list[Objective]],
    patient_id: uuid.UUID,
    ratings: list[dict[str, Any]],
) -> None:
    """Ratings only for this member's active 0–10 objectives: they become progress points."""
    known = {str(o.id) for o in allowed.get(patient_id, [])}
    unknown = [str(r["objective_id"]) for r in ratings if str(r["objective_id"]) not in known]
    if unknown:
        raise Problem(
            422,
            "objective_ratings: not a rating objective of this member's active plan.",
            errors=[
                {"field": f"entries.{patient_id}.objective_ratings", "message": f"unknown {u}"}
                for u in unknown
            ],
        )


def document(note: GroupNote, rows: list[tuple[MemberEntry, Patient]]) -> dict[str, Any]:
    """Everything the signature covers, in a stable shape."""
    return {
        "note": {
            k: getattr(note, k)
            for k in (
                "id",
                "session_id",
                "topic",
                "interventions",
                "group_process",
                "signed_by",
                "signed_at",
            )
        },
        "entries": [
            {
                k: getattr(e, k)
                for k in (
                    "patient_id",
                    "attendance",
                    "participation",
                    "affect",
                    "behaviour",
                    "narrative",
                    "risk",
                    "objective_ratings",
                )
            }
            for e, _ in rows
        ],
    }


async def sign(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    note: GroupNote,
    late_after: timedelta,
) -> GroupNote:
    lifecycle.refuse_if_signed(note)
    row = await session.get(Session, note.session_id)
    assert row is not None
    group = await session.get(Group, row.group_id)
    assert group is not None
    attendance = await readiness.follow_sign_in_sheet(session, note, row)
    rows = await entries(session, note.id)
    readiness.refuse_unless_ready(note, row, group, attendance, rows)
    await leak_guard.guard_note(session, note, rows)
    lifecycle.sign(
        note,
        principal,
        service_ended=row.ends_at,
        late_after=late_after,
        document=lambda: document(note, rows),
    )
    session.add(note)
    ratings = [
        (
            entry.patient_id,
            points.Point(
                uuid.UUID(str(r["objective_id"])), r["rating"], row.starts_at, "group_note", note.id
            ),
        )
        for entry, _ in rows
        for r in entry.objective_ratings
    ]
    await points.record_many(session, ratings, principal.user_id)
    await capture.group_note_signed(session, note.id, row, group, principal.user_id)
    await record(
        session,
        actor,
        "sign",
        "group_note",
        entity_id=note.id,
        detail={"hash": note.content_hash, "late": note.late_entry},
    )
    return note


async def verify(session: AsyncSession, note: GroupNote) -> bool:
    rows = await entries(session, note.id)
    return note.content_hash == rules.content_hash(document(note, rows))


async def add_addendum(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    note: GroupNote,
    reason: str,
    text: str,
    patient_id: uuid.UUID | None,
) -> Addendum:
    lifecycle.refuse_addendum_on_draft(note)
    await leak_guard.guard_text(
        session, note, patient_id, leak_guard.addendum_fields(patient_id, reason, text)
    )
    addendum = Addendum(
        note_id=note.id,
        patient_id=patient_id,
        author_id=principal.user_id,
        reason=reason,
        text=text,
    )
    session.add(addendum)
    await session.flush()
    await record(session, actor, "addendum", "group_note", entity_id=note.id, patient_id=patient_id)
    return addendum


async def member_notes(
    session: AsyncSession, patient_id: uuid.UUID
) -> list[tuple[GroupNote, MemberEntry, Patient, Session]]:
    rows = await session.exec(
        select(GroupNote, MemberEntry, Patient, Session)
        .join(MemberEntry, col(MemberEntry.note_id) == col(GroupNote.id))
        .join(Patient, col(Patient.id) == col(MemberEntry.patient_id))
        .join(Session, col(Session.id) == col(GroupNote.session_id))
        .where(MemberEntry.patient_id == patient_id, GroupNote.status == "signed")
        .order_by(col(Session.starts_at).desc())
    )
    return [(n, e, p, s) for n, e, p, s in rows.all()]


ENTRY_COLUMNS = ("participation", "affect", "behaviour", "narrative", "risk", "objective_ratings")


async def save(
    session: AsyncSession, actor: Actor, principal: Principal, note: GroupNote, data: NoteSave
) -> None:
    """Shared section and any number of entries in a fixed number of statements: one read
    of the entries, one batched update, one note update, three audit statements."""
    lifecycle.refuse_if_signed(note)
    current = {
        e.patient_id: e
        for e in (
            await session.exec(
                select(MemberEntry).where(MemberEntry.note_id == note.id).with_for_update()
            )
        ).all()
    }
    stale = [
        str(e.patient_id)
        for e in data.entries
        if e.patient_id in current and current[e.patient_id].version != e.version
    ]
    if data.shared is not None and note.version != data.version:
        stale.append("shared")
    missing = [str(e.patient_id) for e in data.entries if e.patient_id not in current]
    if missing:
        raise Problem(
            422,
            "entries: a client without an entry in this note.",
            errors=[{"field": "entries", "message": f"unknown {missing[0]}"}],
        )
    if stale:
        raise Problem(
            412, "Parts of this note changed since you read them: reload them.", stale=stale
        )
    rated = [e for e in data.entries if e.objective_ratings]
    allowed = await points.rated_objectives(session, [e.patient_id for e in rated]) if rated else {}
    for change in rated:
        ratings = [r.model_dump(mode="json") for r in change.objective_ratings or []]
        _check_ratings(allowed, change.patient_id, ratings)
    rows, events = [], []
    for change in data.entries:
        entry = current[change.patient_id]
        values = change.model_dump(
            mode="json", exclude_unset=True, exclude_none=True, exclude={"patient_id", "version"}
        )
        if not values:
            continue
        if entry.attendance in ABSENT:
            raise Problem(
                422,
                "This member was absent: the note keeps their attendance only.",
                errors=[{"field": f"entries.{change.patient_id}", "message": "absent"}],
            )
        merged = {c: values.get(c, getattr(entry, c)) for c in ENTRY_COLUMNS}
        authors = (
            entry.author_ids
            if principal.user_id in entry.author_ids
            else [*entry.author_ids, principal.user_id]
        )
        rows.append(
            {
                "id": entry.id,
                **merged,
                "author_ids": authors,
                "last_editor_id": principal.user_id,
                "version": entry.version + 1,
            }
        )
        events.append(Event("update", "member_entry", entry.id, entry.patient_id))
    if rows:
        await session.execute(update(MemberEntry), rows)
    if data.shared is not None:
        for field, value in data.shared.model_dump(exclude_unset=True, exclude_none=True).items():
            setattr(note, field, value)
        _credit(note, principal)
        session.add(note)
        events.append(Event("update", "group_note", note.id))
    if events:
        await record_many(session, actor, events)
    session.expire_all()


async def cosign(
    session: AsyncSession, actor: Actor, principal: Principal, note: GroupNote
) -> GroupNote:
    lifecycle.cosign(note, principal)
    session.add(note)
    await record(session, actor, "cosign", "group_note", entity_id=note.id)
    return note


async def cosign_queue(session: AsyncSession) -> list[GroupNote]:
    rows = await session.exec(
        select(GroupNote)
        .where(col(GroupNote.cosign_required).is_(True), col(GroupNote.cosigned_by).is_(None))
        .order_by(col(GroupNote.signed_at))
    )
    return list(rows.all())


async def unsigned_for(session: AsyncSession, user_id: uuid.UUID) -> list[GroupNote]:
    """Drafts of sessions this user facilitates or notes they have written in."""
    mine = col(Session.facilitator_ids).contains([user_id]) | col(GroupNote.author_ids).contains(
        [user_id]
    )
    rows = await session.exec(
        select(GroupNote)
        .join(Session, col(Session.id) == col(GroupNote.session_id))
        .where(GroupNote.status == "draft")
        .where(mine)
        .order_by(col(Session.starts_at))
    )
    return list(rows.all())
