"""Documenting a group session on a tablet: shared narrative, then one card per member.
Every field saves when it loses focus, with that part's version: a colleague's newer save
is never overwritten; the card says "conflict" and reloads."""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.notes import (
    AddendumCreate,
    EntryRead,
    EntryUpdate,
    LeakConfirmationCreate,
    NoteRead,
    ObjectiveRating,
    SharedUpdate,
)
from shared.schemas.scheduling import AttendanceStatus, AttendanceWrite

ATTENDANCE_MISSING = "Attendance not recorded: choose how this member attended."
NOT_STARTED = "The session has not started yet: sign once it has taken place."


def _unmet_text(fields: list[str]) -> str:
    """What a member's row says after a refused signature (see NoteState.sign)."""
    if "attendance" in fields:
        return ATTENDANCE_MISSING
    return f"Required before signing: {', '.join(fields)}." if fields else ""


def _entry(e: EntryRead, unmet: list[str]) -> dict[str, Any]:
    ratings = {r.objective_id: r.rating for r in e.objective_ratings}
    return {
        "objectives": [
            {
                "id": str(o.id),
                "text": o.text,
                "rating": ratings.get(o.id, -1),
                "position": ratings.get(o.id, 0),
                "label": str(ratings[o.id]) if o.id in ratings else "not rated",
            }
            for o in e.objectives
        ],
        "patient_id": str(e.patient_id),
        "name": e.patient_name,
        "attendance": e.attendance or "",
        "participation": e.participation,
        "affect": e.affect,
        "narrative": e.narrative,
        "risk": e.risk,
        "version": e.version,
        "absent": e.attendance in ("absent", "excused"),
        "unmet": _unmet_text(unmet),
    }


def _label(field: str, names: dict[str, str]) -> str:
    """Where a flagged span is: "Group process", "Ana Ruiz · narrative", "Addendum text"."""
    parts = field.split(".")
    if parts[0] == "shared":
        return parts[-1].replace("_", " ").capitalize()
    where = "Addendum" if parts[0] == "addenda" else ""
    member = names.get(parts[1], "") if len(parts) == 3 else ""
    return " · ".join(p for p in (member, f"{where} {parts[-1]}".strip()) if p).capitalize()


@clear_on_sign_out
class NoteState(rx.State):
    session_id: str = ""
    note_id: str = ""
    title: str = ""
    status: str = ""
    topic: str = ""
    interventions: str = ""
    group_process: str = ""
    version: int = 0
    entries: list[dict[str, Any]] = []
    leaks: list[dict[str, str]] = []  # field, label, text, severity
    pending_addendum: dict[str, str] = {}
    saved: str = ""
    error: str = ""
    content_hash: str = ""
    awaiting_cosign: bool = False
    addenda: list[str] = []
    # Why the last signature was refused, shown where each item is fixed: by member (the
    # missing attendance or entry fields), in the shared section, and by the Sign button.
    unmet: dict[str, list[str]] = {}
    shared_unmet: str = ""
    start_unmet: str = ""
    minutes: dict[str, str] = {}
    chosen: dict[str, str] = {}

    def _apply(self, note: NoteRead) -> None:
        self.note_id, self.status, self.version = str(note.id), note.status, note.version
        self.topic, self.interventions, self.group_process = (
            note.topic,
            note.interventions,
            note.group_process,
        )
        self.title = f"{note.group_name} · {note.starts_at:%a %d %b %H:%M}"
        self.entries = [_entry(e, self.unmet.get(str(e.patient_id), [])) for e in note.entries]
        self.content_hash = note.content_hash or ""
        self.addenda = [f"{a.created_at:%d %b %H:%M} · {a.reason}: {a.text}" for a in note.addenda]
        self.awaiting_cosign = note.cosign_required and note.cosigned_by is None

    @rx.event
    async def load(self) -> None:
        self.session_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error, self.saved, self.leaks = "", "", []
        auth = await self.get_state(AuthState)
        try:
            self._apply(await auth.call(lambda c: c.open_note(self.session_id)))
        except ApiError as error:
            self.error = error.detail

    @rx.event
    async def save_shared(self, field: str, value: str) -> None:
        if getattr(self, field) == value:
            return
        auth = await self.get_state(AuthState)
        data = SharedUpdate(**{field: value})
        try:
            self._apply(await auth.call(lambda c: c.save_shared(self.note_id, data, self.version)))
        except ApiError as error:
            await self._conflict(error)
            return
        self.saved = "Saved"

    @rx.event
    async def save_entry(self, patient_id: str, field: str, value: str) -> None:
        entry = next((e for e in self.entries if e["patient_id"] == patient_id), None)
        if entry is None or entry[field] == value:
            return
        auth = await self.get_state(AuthState)
        data = EntryUpdate(**{field: value or None})
        try:
            saved = await auth.call(
                lambda c: c.save_entry(self.note_id, patient_id, data, entry["version"])
            )
        except ApiError as error:
            await self._conflict(error)
            return
        self._met(patient_id, field)
        self.entries = [
            _entry(saved, self.unmet.get(patient_id, [])) if e["patient_id"] == patient_id else e
            for e in self.entries
        ]
        self.saved = "Saved"

    def _met(self, patient_id: str, field: str) -> None:
        left = [f for f in self.unmet.get(patient_id, []) if f != field]
        self.unmet = {**self.unmet, patient_id: left}

    @rx.event
    async def set_minutes(self, patient_id: str, value: str) -> None:
        """Minutes for a member who came late or left early; typed after choosing that
        status, they record it."""
        self.minutes = {**self.minutes, patient_id: value.strip()}
        status = self.chosen.get(patient_id, "")
        if status in ("late", "left_early") and "attendance" in self.unmet.get(patient_id, []):
            await self.attend(patient_id, status)

    @rx.event
    async def attend(self, patient_id: str, status: str) -> None:
        """Record a member's attendance from their row (late or left early take the
        minutes typed beside it), then reload the note, whose entries follow it."""
        if not status:
            return
        self.chosen = {**self.chosen, patient_id: status}
        typed = self.minutes.get(patient_id, "")
        minutes = int(typed) if typed.isdigit() and status in ("late", "left_early") else None
        body = AttendanceWrite(status=AttendanceStatus(status), minutes=minutes)
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.attend(self.session_id, patient_id, body))
            note = await auth.call(lambda c: c.open_note(self.session_id))
        except ApiError as error:
            self.unmet = {**self.unmet, patient_id: ["attendance"]}
            self._apply_unmet(patient_id, error.detail)
            return
        self._met(patient_id, "attendance")
        self._apply(note)
        self.saved = "Attendance recorded"

    def _apply_unmet(self, patient_id: str, message: str) -> None:
        self.entries = [
            {**e, "unmet": message} if e["patient_id"] == patient_id else e for e in self.entries
        ]

    @rx.event
    async def save_rating(self, patient_id: str, objective_id: str, value: list[float]) -> None:
        """One slider per objective: the member's ratings are saved together, with the
        entry's version."""
        entry = next((e for e in self.entries if e["patient_id"] == patient_id), None)
        if entry is None or not value:
            return
        ratings = [
            ObjectiveRating(
                objective_id=o["id"],
                rating=int(value[0]) if o["id"] == objective_id else o["rating"],
            )
            for o in entry["objectives"]
            if o["id"] == objective_id or o["rating"] >= 0
        ]
        auth = await self.get_state(AuthState)
        data = EntryUpdate(objective_ratings=ratings)
        try:
            saved = await auth.call(
                lambda c: c.save_entry(self.note_id, patient_id, data, entry["version"])
            )
        except ApiError as error:
            await self._conflict(error)
            return
        self._met(patient_id, "objective_ratings")
        self.entries = [
            _entry(saved, self.unmet.get(patient_id, [])) if e["patient_id"] == patient_id else e
            for e in self.entries
        ]
        self.saved = "Saved"

    async def _conflict(self, error: ApiError) -> None:
        if error.status == 412:
            self.saved = "Conflict: a colleague saved first; their version is shown"
            await self.load()
            return
        self.error, self.saved = error.detail, ""

    @rx.event
    async def sign(self) -> None:
        self.error, self.leaks = "", []
        self.unmet, self.shared_unmet, self.start_unmet = {}, "", ""
        auth = await self.get_state(AuthState)
        try:
            note = await auth.call(lambda c: c.sign_note(self.note_id))
        except ApiError as error:
            self._refused(error)
            self._unready(error.problem.get("errors", []))
            return
        self._apply(note)
        self.saved = "Signed and locked"

    def _refused(self, error: ApiError) -> None:
        """The error, and each span the name-leak check flagged, at the field to fix."""
        self.error = error.detail
        names = {e["patient_id"]: e["name"] for e in self.entries}
        self.leaks = [
            {
                "field": leak["field"],
                "label": _label(leak["field"], names),
                "text": leak["text"],
                "severity": leak["severity"],
            }
            for leak in error.problem.get("leaks", [])
        ]

    def _unready(self, errors: list[dict[str, str]]) -> None:
        """Place each missing item of a refused signature where it is fixed."""
        unmet: dict[str, list[str]] = {}
        shared = []
        for item in errors:
            parts = str(item.get("field", "")).split(".")
            if parts == ["session", "starts_at"]:
                self.start_unmet = NOT_STARTED
            elif parts[0] == "entries" and len(parts) == 3:
                unmet.setdefault(parts[1], []).append(parts[2])
            else:
                shared.append(parts[-1])
        if shared:
            self.shared_unmet = f"Required before signing: {', '.join(shared)}."
        if errors:
            self.error = "Not ready to sign: see the highlighted items below."
        self.unmet = unmet
        self.entries = [
            {**e, "unmet": _unmet_text(unmet.get(e["patient_id"], []))} for e in self.entries
        ]

    @rx.event
    async def addendum(self, form: dict[str, Any]) -> None:
        self.pending_addendum = {k: str(form.get(k, "")) for k in ("reason", "text")}
        await self._send_addendum()

    async def _send_addendum(self) -> None:
        """Kept until it is stored, so that confirming a flagged word can send it again."""
        self.error, self.leaks = "", []
        auth = await self.get_state(AuthState)
        data = AddendumCreate(**self.pending_addendum)
        try:
            await auth.call(lambda c: c.add_addendum(self.note_id, data))
            self._apply(await auth.call(lambda c: c.open_note(self.session_id)))
        except ApiError as error:
            self._refused(error)
            return
        self.pending_addendum, self.saved = {}, "Addendum added"

    @rx.event
    async def confirm_leak(self, field: str, text: str) -> None:
        """ "Not this person": the flagged everyday word is not a co-member. Once nothing
        else is flagged, an addendum that was refused for it is sent again."""
        auth = await self.get_state(AuthState)
        data = LeakConfirmationCreate(field=field, text=text)
        try:
            await auth.call(lambda c: c.confirm_leak(self.note_id, data))
        except ApiError as error:
            self.error = error.detail
            return
        self.leaks = [
            leak
            for leak in self.leaks
            if (leak["field"], leak["text"].casefold()) != (field, text.casefold())
        ]
        self.error, self.saved = "", "Confirmed: not a member of this group"
        if not self.leaks and self.pending_addendum:
            await self._send_addendum()

    @rx.event
    async def cosign(self) -> None:
        auth = await self.get_state(AuthState)
        try:
            self._apply(await auth.call(lambda c: c.cosign(self.note_id)))
        except ApiError as error:
            self.error = error.detail
            return
        self.saved = "Co-signed"
