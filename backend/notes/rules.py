"""Pure rules of group notes: what must be true before signing, the name-leak check and the
content hash of a signed note."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from backend.notes import leaks
from backend.notes.leaks import Identity, Severity

ATTENDED = frozenset({"present", "late", "left_early"})


@dataclass(frozen=True)
class Member:
    patient_id: str
    identity: Identity


@dataclass(frozen=True)
class Leak:
    field: str  # e.g. "shared.topic" or "entries.<patient_id>.narrative"
    start: int  # span in the text as written
    end: int
    text: str
    severity: Severity  # "block", or "confirm": perhaps an everyday word, ask
    member_id: str  # for the server only: a refusal never says whom a leak names


def find_leaks(
    field: str, text: str, others: Iterable[Member], own: Member | None = None
) -> list[Leak]:
    """Every mention of another member (see ``backend.notes.leaks``). In a member's own
    part, what exactly names that member is theirs to keep, even where a co-member shares
    it (a surname, a birth date)."""
    text = text or ""
    indexed = leaks.index(text)
    mine = leaks.find(indexed, own.identity, fuzzy=False) if own else []
    found = [
        Leak(field, hit.start, hit.end, text[hit.start : hit.end], hit.severity, m.patient_id)
        for m in others
        for hit in leaks.find(indexed, m.identity)
        if not leaks.overlaps(hit, mine)
    ]
    kept: list[Leak] = []
    for leak in sorted(found, key=lambda item: (item.start, -(item.end - item.start))):
        if kept and leak.start < kept[-1].end:
            if leak.severity == "block" and kept[-1].severity == "confirm":
                kept[-1] = replace(kept[-1], severity="block")
            continue
        kept.append(leak)
    return kept


def find_in_part(
    fields: Mapping[str, str], members: list[Member], patient_id: str | None
) -> list[Leak]:
    """Leaks in the fields of one part of a note: the shared part (``patient_id`` None)
    names nobody; a member's part names only that member."""
    own = next((m for m in members if m.patient_id == patient_id), None)
    others = [m for m in members if m.patient_id != patient_id]
    return [leak for f, text in fields.items() for leak in find_leaks(f, text, others, own)]


def check_note(
    shared: Mapping[str, str], entries: Mapping[str, Mapping[str, str]], members: list[Member]
) -> list[Leak]:
    """The shared section may name no member; a member's entry may name only that member."""
    found = find_in_part({f"shared.{k}": v for k, v in shared.items()}, members, None)
    for patient_id, fields in entries.items():
        named = {f"entries.{patient_id}.{k}": v for k, v in fields.items()}
        found += find_in_part(named, members, patient_id)
    return sorted(found, key=lambda leak: (leak.field, leak.start))


def unconfirmed(found: list[Leak], confirmed: set[tuple[str, str]]) -> list[Leak]:
    """What still stops the note: every block, and each confirm not yet confirmed as "not
    this person" for that word (folded) in that field."""
    return [
        leak
        for leak in found
        if leak.severity == "block" or (leak.field, leaks.fold(leak.text)) not in confirmed
    ]


def content_hash(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        document, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _blank(value: Any) -> bool:
    return not str(value or "").strip()


def not_started(starts_at: datetime, now: datetime) -> list[dict[str, str]]:
    """A note documents what happened: none is signed before its session starts."""
    if starts_at > now:
        return [{"field": "session.starts_at", "message": "the session has not started yet"}]
    return []


def unmet_before_signing(
    *,
    starts_at: datetime,
    now: datetime,
    shared: Mapping[str, Any],
    required: Sequence[str],
    attendance: Mapping[str, str | None],
    entries: Mapping[str, Mapping[str, Any]],
    entry_required: Sequence[str],
) -> list[dict[str, str]]:
    """Everything that keeps a group note from being signed, all at once: the session has
    not started; a required shared field is blank; an expected member (a key of
    ``attendance``, by patient id) has no attendance status; a member who came (present,
    late, left early) has a blank ``entry_required`` field in their entry."""
    unmet = not_started(starts_at, now)
    unmet += [{"field": f, "message": "required"} for f in required if _blank(shared.get(f))]
    for patient_id, status in attendance.items():
        if status is None:
            unmet.append({"field": f"entries.{patient_id}.attendance", "message": "required"})
        elif status in ATTENDED:
            fields = entries.get(patient_id, {})
            unmet += [
                {"field": f"entries.{patient_id}.{f}", "message": "required"}
                for f in entry_required
                if _blank(fields.get(f))
            ]
    return unmet
