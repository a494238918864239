"""Writing one individual progress note: a section per template heading, each saved when
it loses focus with the note's version (a colleague's newer save is never overwritten);
sign when every section is filled; addenda after signing."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.notes import AddendumCreate
from shared.schemas.progress_notes import SECTIONS, ProgressNoteRead


@clear_on_sign_out
class ProgressState(rx.State):
    note_id: str = ""
    patient_id: str = ""
    title: str = ""
    status: str = ""
    version: int = 0
    sections: list[dict[str, str]] = []
    addenda: list[str] = []
    signed: str = ""
    awaiting_cosign: bool = False
    saved: str = ""
    error: str = ""
    problems: list[str] = []

    def _apply(self, note: ProgressNoteRead) -> None:
        zone = ZoneInfo(get_settings().timezone)
        self.patient_id, self.status, self.version = str(note.patient_id), note.status, note.version
        start = note.service_start.astimezone(zone)
        self.title = f"{note.format.value.upper()} progress note · {start:%a %d %b %Y %H:%M}"
        self.sections = [
            {"key": key, "heading": heading, "prompt": prompt, "text": note.sections.get(key, "")}
            for key, heading, prompt in SECTIONS[note.format]
        ]
        self.addenda = [f"{a.created_at:%d %b %H:%M} · {a.reason}: {a.text}" for a in note.addenda]
        self.signed = (
            f"Signed by {note.signed_by_name} · {note.signed_at.astimezone(zone):%d %b %Y %H:%M}"
            + (" · late entry" if note.late_entry else "")
            if note.signed_at
            else ""
        )
        self.awaiting_cosign = note.cosign_required and note.cosigned_by is None

    @rx.event
    async def load(self) -> None:
        self.note_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error, self.saved, self.problems = "", "", []
        auth = await self.get_state(AuthState)
        try:
            self._apply(await auth.call(lambda c: c.progress_note(self.note_id)))
        except ApiError as error:
            self.error = error.detail

    @rx.event
    async def save(self, key: str, text: str) -> None:
        current = next((s for s in self.sections if s["key"] == key), None)
        if current is None or current["text"] == text:
            return
        auth = await self.get_state(AuthState)
        try:
            note = await auth.call(
                lambda c: c.save_progress_note(self.note_id, {key: text}, self.version)
            )
        except ApiError as error:
            if error.status == 412:
                await self.load()
                self.saved = "Conflict: a colleague saved first; their version is shown"
                return
            self.error, self.saved = error.detail, ""
            return
        self._apply(note)
        self.saved, self.error = "Saved", ""

    @rx.event
    async def act(self, action: str) -> None:
        self.error, self.problems = "", []
        auth = await self.get_state(AuthState)
        try:
            self._apply(await auth.call(lambda c: c.progress_action(self.note_id, action)))
        except ApiError as error:
            self.error = error.detail
            self.problems = [e.get("field", "") for e in error.problem.get("errors", [])]
            return
        self.saved = "Signed and locked" if action == "sign" else "Co-signed"

    @rx.event
    async def addendum(self, form: dict[str, Any]) -> None:
        auth = await self.get_state(AuthState)
        data = AddendumCreate(reason=str(form.get("reason", "")), text=str(form.get("text", "")))
        try:
            await auth.call(lambda c: c.add_progress_addendum(self.note_id, data))
            self._apply(await auth.call(lambda c: c.progress_note(self.note_id)))
        except ApiError as error:
            self.error = error.detail
            return
        self.saved = "Addendum added"
