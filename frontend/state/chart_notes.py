"""The notes part of a chart: the client's rendered group notes (their own entry only),
their progress notes, a new progress note, and the PDF of everything signed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.notes import MemberNote
from shared.schemas.progress_notes import NoteFormat, ProgressNoteCreate, ProgressNoteRead


def _group(n: MemberNote) -> dict[str, Any]:
    e = n.entry
    facts = [e.attendance or "", e.participation, e.affect, e.risk and f"risk {e.risk}"]
    return {
        "id": str(n.note_id),
        "title": f"{n.group_name} · {n.starts_at:%a %d %b %Y %H:%M}",
        "topic": n.topic,
        "process": n.group_process,
        "facts": " · ".join(f for f in facts if f),
        "narrative": e.narrative,
        "signed": f"Signed by {n.signed_by_name}",
        "addenda": [f"Addendum ({a.reason}): {a.text}" for a in n.addenda],
    }


def _progress(n: ProgressNoteRead, zone: ZoneInfo) -> dict[str, str]:
    return {
        "id": str(n.id),
        "title": f"{n.format.value.upper()} · {n.service_start.astimezone(zone):%a %d %b %Y %H:%M}",
        "status": n.status,
        "author": n.author_name,
    }


@clear_on_sign_out
class ChartNotesState(rx.State):
    patient_id: str = ""
    group_notes: list[dict[str, Any]] = []
    progress_notes: list[dict[str, str]] = []
    error: str = ""
    hidden: bool = False

    @rx.event
    async def load(self) -> None:
        self.patient_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error, self.hidden = "", False
        auth = await self.get_state(AuthState)
        zone = ZoneInfo(get_settings().timezone)
        try:
            group = await auth.call(lambda c: c.member_notes(self.patient_id))
            individual = await auth.call(lambda c: c.progress_notes(self.patient_id))
        except ApiError as error:
            self.group_notes, self.progress_notes = [], []
            self.hidden = error.status == 403
            self.error = "" if self.hidden else error.detail
            return
        self.group_notes = [_group(n) for n in group]
        self.progress_notes = [_progress(n, zone) for n in individual]

    @rx.event
    async def new_progress_note(self, form: dict[str, Any]) -> Any:
        zone = ZoneInfo(get_settings().timezone)
        self.error = ""
        try:
            start = datetime.fromisoformat(str(form.get("start", ""))).replace(tzinfo=zone)
            minutes = int(form.get("minutes") or 50)
            data = ProgressNoteCreate(
                format=NoteFormat(str(form.get("format", ""))),
                service_start=start,
                service_end=start + timedelta(minutes=minutes),
            )
        except (ValueError, ValidationError):
            self.error = "Choose a template, the session's start and its length in minutes."
            return None
        auth = await self.get_state(AuthState)
        try:
            note = await auth.call(lambda c: c.create_progress_note(self.patient_id, data))
        except ApiError as error:
            self.error = error.detail
            return None
        return rx.redirect(f"/progress/{note.id}")

    @rx.event
    async def download_pdf(self) -> Any:
        auth = await self.get_state(AuthState)
        try:
            pdf = await auth.call(lambda c: c.notes_pdf(self.patient_id))
        except ApiError as error:
            self.error = error.detail
            return None
        return rx.download(data=pdf, filename=f"notes-{self.patient_id[:8]}.pdf")
