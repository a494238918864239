"""The coordinator's week: calendar by room or facilitator, and the series wizard."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.scheduling import ClosureCreate, SeriesCreate, SessionRead

WEEKDAYS = [
    ("MO", "Mon"),
    ("TU", "Tue"),
    ("WE", "Wed"),
    ("TH", "Thu"),
    ("FR", "Fri"),
    ("SA", "Sat"),
    ("SU", "Sun"),
]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _cell(s: SessionRead, rooms: dict[str, str]) -> dict[str, str]:
    return {
        "id": str(s.id),
        "time": f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}",
        "group": s.group_name,
        "room": rooms.get(str(s.room_id), ""),
        "status": s.status,
    }


@clear_on_sign_out
class ScheduleState(rx.State):
    week_start: str = ""
    span: int = 7  # 7 = week, 1 = day
    view: str = "all"  # all | room:<id> | facilitator:<id>
    days: list[dict[str, Any]] = []
    rooms: list[dict[str, str]] = []
    facilitators: list[dict[str, str]] = []
    groups: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    async def load(self) -> None:
        if not self.week_start:
            self.week_start = _monday(date.today()).isoformat()
        auth = await self.get_state(AuthState)
        try:
            rooms = await auth.call(lambda c: c.rooms())
            groups = await auth.call(lambda c: c.groups())
            staff = await auth.call(lambda c: c.staff())
        except ApiError as error:
            self.error = error.detail
            return
        self.rooms = [{"id": str(r.id), "name": r.name} for r in rooms]
        self.groups = [{"id": str(g.id), "name": g.name} for g in groups if g.kind == "group"]
        self.facilitators = [
            {"id": str(s.id), "name": s.full_name or s.username}
            for s in staff
            if {"facilitator", "clinician"} & {r.value for r in s.roles}
        ]
        await self._week()

    async def _week(self) -> None:
        self.error = ""
        tz = ZoneInfo(get_settings().timezone)
        first = date.fromisoformat(self.week_start)
        start = datetime.combine(first, time.min, tzinfo=tz)
        filters: dict[str, Any] = {
            "from": start.isoformat(),
            "to": (start + timedelta(days=self.span)).isoformat(),
        }
        kind, _, resource = self.view.partition(":")
        if kind in ("room", "facilitator"):
            filters[f"{kind}_id"] = resource
        auth = await self.get_state(AuthState)
        try:
            sessions = await auth.call(lambda c: c.sessions(**filters))
        except ApiError as error:
            self.error = error.detail
            return
        rooms = {r["id"]: r["name"] for r in self.rooms}
        self.days = []
        for offset in range(self.span):
            day = first + timedelta(days=offset)
            cells = [_cell(s, rooms) for s in sessions if s.starts_at.astimezone(tz).date() == day]
            self.days.append(
                {"label": f"{day:%a %d %b}", "date": day.isoformat(), "sessions": cells}
            )

    @rx.event
    async def shift(self, steps: int) -> None:
        moved = date.fromisoformat(self.week_start) + timedelta(days=steps * self.span)
        self.week_start = moved.isoformat()
        await self._week()

    @rx.event
    async def set_span(self, value: str | list[str]) -> None:
        """Day view starts today (or the week's first day if today is outside it)."""
        self.span = 1 if value == "day" else 7
        first = date.fromisoformat(self.week_start)
        today = date.today()
        if self.span == 1 and first <= today < first + timedelta(days=7):
            self.week_start = today.isoformat()
        elif self.span == 7:
            self.week_start = _monday(first).isoformat()
        await self._week()

    @rx.event
    async def set_view(self, value: str) -> None:
        self.view = value
        await self._week()


@clear_on_sign_out
class WizardState(rx.State):
    """Builds an RFC 5545 rule from plain choices and previews it live."""

    group_id: str = ""
    days: list[str] = ["MO", "WE", "FR"]
    start_date: str = ""
    start_time: str = "09:00"
    duration: str = "180"
    weeks: str = "12"
    room_id: str = ""
    facilitator_id: str = ""
    summary: str = ""
    conflicts: list[dict[str, str]] = []
    error: str = ""
    created: str = ""

    def _body(self) -> SeriesCreate:
        days = [code for code, _ in WEEKDAYS if code in self.days]
        count = int(self.weeks or 0) * len(days)
        return SeriesCreate(
            group_id=self.group_id,
            timezone=get_settings().timezone,
            rrule=f"FREQ=WEEKLY;BYDAY={','.join(days)};COUNT={count}",
            start_local=f"{self.start_date}T{self.start_time}",
            duration_minutes=int(self.duration or 0),
            room_id=self.room_id or None,
            facilitator_ids=[self.facilitator_id] if self.facilitator_id else [],
        )

    @rx.event
    async def set_field(self, field: str, value: str) -> None:
        setattr(self, field, value)
        await self.preview()

    @rx.event
    async def toggle_day(self, code: str) -> None:
        self.days = [d for d in self.days if d != code] if code in self.days else [*self.days, code]
        await self.preview()

    @rx.event
    async def preview(self) -> None:
        self.error, self.created, self.summary, self.conflicts = "", "", "", []
        if not (self.group_id and self.start_date and self.days):
            self.summary = "Choose a group, days and a first date."
            return
        try:
            body = self._body()
        except (ValidationError, ValueError) as error:
            self.error = str(error).splitlines()[-1] if str(error) else "Check the values."
            return
        auth = await self.get_state(AuthState)
        try:
            result = await auth.call(lambda c: c.preview_series(body))
        except ApiError as error:
            self.error = error.detail
            return
        self.summary = result.summary
        self.conflicts = [
            {
                "when": f"{c.starts_at:%a %d %b %H:%M}",
                "what": f"{c.resource_kind} {c.resource_name}",
                "other": c.other_group,
            }
            for c in result.conflicts
        ]

    @rx.event
    async def create(self) -> Any:
        auth = await self.get_state(AuthState)
        try:
            body = self._body()
            series = await auth.call(lambda c: c.create_series(body))
        except ApiError as error:
            self.error = error.detail
            return None
        except (ValidationError, ValueError):
            self.error = "Check the values."
            return None
        self.created = f"Created: {series.summary}"
        schedule = await self.get_state(ScheduleState)
        schedule.week_start = _monday(
            series.sessions[0].starts_at.astimezone(UTC).date()
        ).isoformat()
        await schedule.load()
        return None


@clear_on_sign_out
class ClosureState(rx.State):
    """Close a day: first list what it cancels, then confirm."""

    on: str = ""
    name: str = ""
    affected: list[str] = []
    checked: bool = False
    message: str = ""
    error: str = ""

    @rx.event
    async def check(self, form: dict[str, Any]) -> None:
        self.on, self.name = str(form.get("on", "")), str(form.get("name", "")).strip()
        await self._submit(confirm=False)

    @rx.event
    async def confirm(self) -> None:
        await self._submit(confirm=True)
        schedule = await self.get_state(ScheduleState)
        await schedule.load()

    async def _submit(self, confirm: bool) -> None:
        self.error, self.message = "", ""
        try:
            body = ClosureCreate(on=date.fromisoformat(self.on), name=self.name, confirm=confirm)
        except (ValidationError, ValueError):
            self.error = "Give a date and a name (at least 2 characters)."
            return
        auth = await self.get_state(AuthState)
        try:
            result = await auth.call(lambda c: c.close_day(body))
        except ApiError as error:
            self.error = error.detail
            return
        self.affected = [f"{s.starts_at:%H:%M} {s.group_name}" for s in result.affected]
        self.checked = not result.saved
        if result.saved:
            self.message = f"Closed {result.on}: {len(result.affected)} session(s) cancelled."
