"""Group rosters and enrolment, and the tablet attendance check-in."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import reflex as rx

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.progress_notes import NoteFormat, ProgressNoteCreate
from shared.schemas.scheduling import (
    AttendanceStatus,
    AttendanceWrite,
    EnrollmentCreate,
    EnrollmentEnd,
    SessionUpdate,
)


@clear_on_sign_out
class RosterState(rx.State):
    groups: list[dict[str, str]] = []
    group_id: str = ""
    rows: list[dict[str, str]] = []
    matches: list[dict[str, str]] = []
    from_date: str = ""
    error: str = ""
    message: str = ""

    @rx.event
    async def load(self) -> None:
        self.from_date = self.from_date or date.today().isoformat()
        auth = await self.get_state(AuthState)
        try:
            groups = await auth.call(lambda c: c.groups())
        except ApiError as error:
            self.error = error.detail
            return
        self.groups = [
            {"id": str(g.id), "name": g.name, "capacity": str(g.capacity)}
            for g in groups
            if g.kind == "group"
        ]
        if not self.group_id and self.groups:
            self.group_id = self.groups[0]["id"]
        await self._roster()

    async def _roster(self) -> None:
        if not self.group_id:
            return
        auth = await self.get_state(AuthState)
        try:
            rows = await auth.call(lambda c: c.roster(self.group_id))
        except ApiError as error:
            self.error = error.detail
            return
        self.rows = [
            {
                "id": str(r.id),
                "name": r.patient_name,
                "from": r.from_date.isoformat(),
                "to": r.to_date.isoformat() if r.to_date else "",
                "status": r.status,
            }
            for r in rows
        ]

    @rx.event
    async def choose_group(self, group_id: str) -> None:
        self.group_id, self.matches, self.message, self.error = group_id, [], "", ""
        await self._roster()

    @rx.event
    async def find(self, form: dict[str, Any]) -> None:
        self.from_date = str(form.get("from_date") or self.from_date)
        auth = await self.get_state(AuthState)
        try:
            page = await auth.call(lambda c: c.search_patients(q=str(form.get("q", ""))))
        except ApiError as error:
            self.error = error.detail
            return
        self.matches = [
            {"id": str(p.id), "label": f"{p.family_name}, {p.given_name} · {p.birth_date}"}
            for p in page.items
        ]

    async def _act(self, action: Any, done: str) -> None:
        self.error, self.message = "", ""
        auth = await self.get_state(AuthState)
        try:
            result = await auth.call(action)
        except ApiError as error:
            self.error = error.detail
            return
        self.message = done.format(status=getattr(result, "status", ""))
        self.matches = []
        await self._roster()

    @rx.event
    async def enroll(self, patient_id: str) -> None:
        body = EnrollmentCreate(patient_id=patient_id, from_date=date.fromisoformat(self.from_date))
        await self._act(lambda c: c.enroll(self.group_id, body), "Enrolled: {status}.")

    @rx.event
    async def end(self, enrollment_id: str) -> None:
        body = EnrollmentEnd(to_date=date.today())
        await self._act(lambda c: c.end_enrollment(enrollment_id, body), "Enrolment ended.")

    @rx.event
    async def accept(self, enrollment_id: str) -> None:
        body = EnrollmentEnd(to_date=date.today())
        await self._act(lambda c: c.accept_offer(enrollment_id, body), "Offer accepted: {status}.")


PARTIAL = (AttendanceStatus.LATE.value, AttendanceStatus.LEFT_EARLY.value)


@clear_on_sign_out
class CheckInState(rx.State):
    session_id: str = ""
    title: str = ""
    status: str = ""
    start_local: str = ""
    version: int = 0
    message: str = ""
    rows: list[dict[str, str]] = []
    error: str = ""
    individual: bool = False

    @rx.event
    async def load(self) -> None:
        self.session_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        await self._sheet()

    async def _sheet(self) -> None:
        auth = await self.get_state(AuthState)
        try:
            sheet = await auth.call(lambda c: c.sign_in_sheet(self.session_id))
        except ApiError as error:
            self.error = error.detail
            return
        s = sheet.session
        self.title = f"{s.group_name} · {s.starts_at:%a %d %b %H:%M}–{s.ends_at:%H:%M}"
        self.status, self.version = s.status, s.version
        self.individual = sheet.group_kind == "individual"
        self.start_local = f"{s.starts_at:%Y-%m-%dT%H:%M}"
        self.rows = [
            {
                "id": str(r.patient_id),
                "name": r.patient_name,
                "status": r.status.value if r.status else "",
                "minutes": "" if r.minutes is None else str(r.minutes),
            }
            for r in sheet.rows
        ]

    @rx.event
    async def set_minutes(self, patient_id: str, value: str) -> None:
        row = next((r for r in self.rows if r["id"] == patient_id), None)
        if row is None or value == row["minutes"]:
            return
        if not value.isdigit():
            self.error = "Minutes attended is a whole number."
            return
        await self._save(patient_id, row["status"] or AttendanceStatus.PRESENT.value, int(value))

    @rx.event
    async def mark(self, patient_id: str, status: str) -> None:
        """Present takes the whole session and absent or excused none (the API decides);
        late or left early keep minutes already given for one of them, else the row waits
        for the minutes attended before anything is recorded."""
        row = next((r for r in self.rows if r["id"] == patient_id), None)
        if row is None:
            return
        if status not in PARTIAL:
            await self._save(patient_id, status, None)
            return
        if row["status"] in PARTIAL and row["minutes"]:
            await self._save(patient_id, status, int(row["minutes"]))
            return
        self.error = ""
        self.message = f"{row['name']}: enter the minutes attended to record {status}."
        self.rows = [
            r | {"status": status, "minutes": ""} if r["id"] == patient_id else r for r in self.rows
        ]

    async def _save(self, patient_id: str, status: str, minutes: int | None) -> None:
        self.error, self.message = "", ""
        body = AttendanceWrite(status=AttendanceStatus(status), minutes=minutes)
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.attend(self.session_id, patient_id, body))
        except ApiError as error:
            self.error = error.detail
            return
        await self._sheet()

    @rx.event
    async def move(self, form: dict[str, Any]) -> None:
        await self._change(
            lambda c: c.move_session(
                self.session_id,
                SessionUpdate(start_local=str(form.get("start_local", ""))[:16]),
                self.version,
            ),
            "Moved.",
        )

    @rx.event
    async def cancel(self, form: dict[str, Any]) -> None:
        reason = str(form.get("reason", "")).strip()
        await self._change(lambda c: c.cancel_session(self.session_id, reason), "Cancelled.")

    async def _change(self, action: Any, done: str) -> None:
        self.error, self.message = "", ""
        auth = await self.get_state(AuthState)
        try:
            await auth.call(action)
        except ApiError as error:
            self.error = error.detail
            return
        self.message = done
        await self._sheet()

    @rx.event
    async def progress_note(self, form: dict[str, Any]) -> Any:
        """Individual sessions are documented with a progress note for their one client."""
        if not self.rows:
            self.error = "Nobody is booked into this session."
            return None
        patient_id = self.rows[0]["id"]
        try:
            data = ProgressNoteCreate(
                format=NoteFormat(str(form.get("format") or "soap")),
                session_id=uuid.UUID(self.session_id),
            )
        except ValueError:
            self.error = "Choose a template."
            return None
        auth = await self.get_state(AuthState)
        try:
            note = await auth.call(lambda c: c.create_progress_note(patient_id, data))
        except ApiError as error:
            if error.status == 409 and error.problem.get("existing_id"):
                return rx.redirect(f"/progress/{error.problem['existing_id']}")
            self.error = error.detail
            return None
        return rx.redirect(f"/progress/{note.id}")
