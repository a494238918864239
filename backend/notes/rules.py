"""Pure rules of group notes: what must be true before signing, the name-leak check and the
content hash of a signed note."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ATTENDED = frozenset({"present", "late", "left_early"})


@dataclass(frozen=True)
class Member:
    patient_id: str
    names: tuple[str, ...]  # legal first/last, preferred, full
    mrn: str


@dataclass(frozen=True)
class Leak:
    field: str  # e.g. "shared.topic" or "entries.<patient_id>.narrative"
    start: int
    end: int
    text: str
    member_id: str


def identifiers(member: Member) -> list[str]:
    parts = {n.strip() for n in member.names if n and len(n.strip()) >= 2}
    return sorted(parts | {member.mrn}, key=len, reverse=True)


def find_leaks(field: str, text: str, others: Iterable[Member]) -> list[Leak]:
    """Every mention of another member (names or MRN), case-insensitive, whole words."""
    leaks = []
    for member in others:
        for token in identifiers(member):
            pattern = re.compile(rf"(?<!\w){re.escape(token)}(?!\w)", re.IGNORECASE)
            for match in pattern.finditer(text or ""):
                leaks.append(
                    Leak(field, match.start(), match.end(), match.group(0), member.patient_id)
                )
    kept: list[Leak] = []
    for leak in sorted(leaks, key=lambda item: (item.start, -(item.end - item.start))):
        if not kept or leak.start >= kept[-1].end:
            kept.append(leak)  # the longest match wins where matches overlap
    return kept


def check_note(
    shared: Mapping[str, str], entries: Mapping[str, Mapping[str, str]], members: list[Member]
) -> list[Leak]:
    """The shared section may name no member; a member's entry may name only that member."""
    leaks: list[Leak] = []
    for name, text in shared.items():
        leaks += find_leaks(f"shared.{name}", text, members)
    for patient_id, fields in entries.items():
        others = [m for m in members if m.patient_id != patient_id]
        for name, text in fields.items():
            leaks += find_leaks(f"entries.{patient_id}.{name}", text, others)
    return sorted(leaks, key=lambda leak: (leak.field, leak.start))


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
