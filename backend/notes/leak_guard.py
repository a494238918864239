"""The one gate every text bound for a member's rendered group note passes before it is
stored or signed: the shared section and entries at signing, addenda (to the whole note
or to one member) when they are written. A refusal lists the spans to fix and never says
whom they name; everyday words that may be a name can be confirmed "not this person"."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, record
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.notes import leaks, rules
from backend.notes.models import GroupNote, LeakConfirmation, MemberEntry
from backend.patients.models import Patient
from backend.patients.service import mrn

SHARED_FIELDS = ("topic", "interventions", "group_process")
ENTRY_FIELDS = ("affect", "behaviour", "narrative")
ADDENDUM_FIELDS = ("reason", "text")


def identity(patient: Patient) -> leaks.Identity:
    """Every identifier the chart holds for the client."""
    return leaks.Identity(
        given=patient.given_name,
        family=patient.family_name,
        middle=patient.middle_name,
        preferred=patient.preferred_name,
        mrn=mrn(patient),
        birth_date=patient.birth_date,
        phones=tuple(str(p.get("number", "")) for p in patient.phones),
        email=patient.email,
    )


def member(patient: Patient) -> rules.Member:
    return rules.Member(str(patient.id), identity(patient))


async def members(session: AsyncSession, note_id: uuid.UUID) -> list[rules.Member]:
    rows = await session.exec(
        select(Patient)
        .join(MemberEntry, col(MemberEntry.patient_id) == col(Patient.id))
        .where(MemberEntry.note_id == note_id)
    )
    return [member(p) for p in rows.all()]


async def confirmed(session: AsyncSession, note_id: uuid.UUID) -> set[tuple[str, str]]:
    rows = await session.exec(
        select(LeakConfirmation.field, LeakConfirmation.text).where(
            LeakConfirmation.note_id == note_id
        )
    )
    return {(field, text) for field, text in rows.all()}


def refuse(found: list[rules.Leak]) -> None:
    if found:
        raise Problem(
            422,
            f"{len(found)} mention(s) of other group members: remove them, or confirm that "
            "a flagged everyday word is not the person.",
            slug="name-leak",
            leaks=[
                {
                    "field": leak.field,
                    "start": leak.start,
                    "end": leak.end,
                    "text": leak.text,
                    "severity": leak.severity,
                }
                for leak in found
            ],
        )


async def guard_note(
    session: AsyncSession, note: GroupNote, rows: list[tuple[MemberEntry, Patient]]
) -> None:
    """Signing: the shared section names nobody, each entry names only its member."""
    shared = {k: getattr(note, k) for k in SHARED_FIELDS}
    entries = {str(e.patient_id): {k: getattr(e, k) for k in ENTRY_FIELDS} for e, _ in rows}
    found = rules.check_note(shared, entries, [member(p) for _, p in rows])
    refuse(rules.unconfirmed(found, await confirmed(session, note.id)))


def addendum_fields(patient_id: uuid.UUID | None, reason: str, text: str) -> dict[str, str]:
    """The field names an addendum's texts are checked (and confirmed) under."""
    prefix = f"addenda.{patient_id}" if patient_id else "addenda"
    return {f"{prefix}.reason": reason, f"{prefix}.text": text}


async def guard_text(
    session: AsyncSession,
    note: GroupNote,
    patient_id: uuid.UUID | None,
    fields: Mapping[str, str],
) -> None:
    """Refuse text meant for everyone (``patient_id`` None) or for one member's chart that
    names anyone else in the note."""
    found = rules.find_in_part(
        fields, await members(session, note.id), str(patient_id) if patient_id else None
    )
    refuse(rules.unconfirmed(found, await confirmed(session, note.id)))


def fields_of(patient_ids: list[str]) -> dict[str, str | None]:
    """Every checked field of a note, with the member whose part it is (None: shared)."""
    result: dict[str, str | None] = {f"shared.{f}": None for f in SHARED_FIELDS}
    result |= {f"addenda.{f}": None for f in ADDENDUM_FIELDS}
    for pid in patient_ids:
        result |= {f"entries.{pid}.{f}": pid for f in ENTRY_FIELDS}
        result |= {f"addenda.{pid}.{f}": pid for f in ADDENDUM_FIELDS}
    return result


async def confirm(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    note: GroupNote,
    field: str,
    text: str,
) -> LeakConfirmation:
    """Record that ``text`` in ``field`` is not a co-member. Only a word the check asks to
    confirm qualifies: anything that also matches as a block (a full name, an MRN, a
    birth date …) or nothing at all is refused."""
    everyone = await members(session, note.id)
    parts = fields_of([m.patient_id for m in everyone])
    if field not in parts:
        raise Problem(
            422,
            "field: not a checked field of this note.",
            errors=[{"field": "field", "message": f"unknown {field}"}],
        )
    found = rules.find_in_part({field: text}, everyone, parts[field])
    covers = [leak for leak in found if leak.start == 0 and leak.end == len(text)]
    if not covers or any(leak.severity == "block" for leak in found):
        raise Problem(
            422,
            "Only a word the name-leak check asks to confirm can be confirmed.",
            errors=[{"field": "text", "message": "not a word awaiting confirmation"}],
        )
    folded = leaks.fold(text)
    existing = (
        await session.exec(
            select(LeakConfirmation).where(
                LeakConfirmation.note_id == note.id,
                LeakConfirmation.field == field,
                LeakConfirmation.text == folded,
            )
        )
    ).first()
    if existing is not None:
        return existing
    row = LeakConfirmation(
        note_id=note.id, field=field, text=folded, confirmed_by=principal.user_id
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        actor,
        "confirm-not-member",
        "group_note",
        entity_id=note.id,
        detail={"field": field, "text": folded},
    )
    return row
