"""The lifecycle every clinical note shares (group notes and individual progress notes):
draft → signed (locked, hashed, late-entry flag) → co-signed where the signer's role
requires it; after signing, corrections are addenda."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from backend.db.base import utcnow
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.notes import rules
from shared.enums import Role

# Notes signed by staff without these roles (e.g. peer facilitators) need a co-signature.
LICENSED = frozenset({Role.CLINICIAN, Role.SUPERVISOR})


class Signable(Protocol):
    status: str
    signed_by: uuid.UUID | None
    signed_at: datetime | None
    content_hash: str | None
    cosign_required: bool
    cosigned_by: uuid.UUID | None
    cosigned_at: datetime | None
    late_entry: bool
    version: int


def refuse_if_signed(note: Signable) -> None:
    if note.status != "draft":
        raise Problem(
            409, "This note is signed and locked: add an addendum instead.", slug="note-signed"
        )


def refuse_addendum_on_draft(note: Signable) -> None:
    if note.status == "draft":
        raise Problem(409, "The note is still a draft: edit it directly.")


def sign(
    note: Signable,
    principal: Principal,
    *,
    service_ended: datetime,
    late_after: timedelta,
    document: Callable[[], Mapping[str, Any]],
) -> None:
    """Lock the note: signer and time, late-entry flag, co-sign need, then the SHA-256 of
    ``document()`` (built after the signer and time are set, so the hash covers them)."""
    refuse_if_signed(note)
    now = utcnow()
    note.status, note.signed_by, note.signed_at = "signed", principal.user_id, now
    note.cosign_required = not principal.roles & LICENSED
    note.late_entry = now - service_ended > late_after
    note.content_hash = rules.content_hash(document())
    note.version += 1


def cosign(note: Signable, principal: Principal) -> None:
    if note.status != "signed" or not note.cosign_required:
        raise Problem(409, "This note is not waiting for a co-signature.")
    if note.cosigned_by is not None:
        raise Problem(409, "This note is already co-signed.")
    if note.signed_by == principal.user_id:
        raise Problem(403, "A note cannot be co-signed by its signer.")
    note.cosigned_by, note.cosigned_at = principal.user_id, utcnow()
    note.version += 1


def blank_fields(values: Mapping[str, Any], required: list[str]) -> list[dict[str, str]]:
    return [
        {"field": field, "message": "required"}
        for field in required
        if not str(values.get(field) or "").strip()
    ]


def refuse_unmet(unmet: list[dict[str, str]]) -> None:
    """Refuse signing while anything is missing, naming every item at once."""
    if unmet:
        listed = "; ".join(f"{u['field']}: {u['message']}" for u in unmet)
        raise Problem(422, f"Not ready to sign: {listed}.", errors=unmet)
