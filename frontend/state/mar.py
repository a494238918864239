"""The MAR for one shift: rows per client and medication, one cell per scheduled dose time,
each recorded with a tap (a note first when refused or held); PRN rows give a dose on
request and record its effect later.

A night shift belongs to the date it starts (23:00 that day to 07:00 the next), so it
reads two days of the API's MAR; the page opens on the shift under way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError, EmrClient
from shared.schemas.medications import DoseRead, DoseRecord, DoseStatus, MarRow, PrnEffect, PrnGive

SHIFTS = {
    "day": (time(7), timedelta(hours=8)),
    "evening": (time(15), timedelta(hours=8)),
    "night": (time(23), timedelta(hours=8)),
    "all": (time(0), timedelta(days=1)),
}
SHIFT_LABELS = {
    "day": "Day 07:00–15:00",
    "evening": "Evening 15:00–23:00",
    "night": "Night 23:00–07:00",
    "all": "Whole day",
}
NEEDS_NOTE = {DoseStatus.REFUSED.value, DoseStatus.HELD.value}
CELL_KEYS = ("id", "time", "status", "recorded", "by", "note", "reason", "effect")


def shift_under_way(now: datetime) -> tuple[date, str]:
    """The shift ``now`` falls in, with the date it started on."""
    if now.hour < 7:
        return now.date() - timedelta(days=1), "night"
    if now.hour < 15:
        return now.date(), "day"
    return now.date(), "evening" if now.hour < 23 else "night"


def shift_window(on: date, shift: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    starts, length = SHIFTS[shift]
    start = datetime.combine(on, starts, tzinfo=zone)
    return start, start + length


def initials(name: str) -> str:
    return "".join(part[0] for part in name.split() if part).upper()


def _cell(dose: DoseRead | None, zone: ZoneInfo, staff: dict[str, str]) -> dict[str, str]:
    if dose is None:
        return dict.fromkeys(CELL_KEYS, "")
    return {
        "id": str(dose.id),
        "time": f"{dose.scheduled_at.astimezone(zone):%H:%M}",
        "status": dose.status,
        "recorded": f"{dose.recorded_at.astimezone(zone):%H:%M}" if dose.recorded_at else "",
        "by": staff.get(str(dose.recorded_by), ""),
        "note": dose.note,
        "reason": dose.prn_reason,
        "effect": dose.prn_effect,
    }


def grid(
    rows: list[MarRow], start: datetime, end: datetime, zone: ZoneInfo, staff: dict[str, str]
) -> tuple[list[str], list[dict[str, Any]]]:
    """The shift's time columns, and each row's cells aligned to them (empty where the
    medication has no dose at that time). PRN rows list the doses given instead."""
    within = {
        r.prescription_id: [d for d in r.doses if start <= d.scheduled_at < end] for r in rows
    }
    times = sorted({d.scheduled_at for r in rows if not r.prn for d in within[r.prescription_id]})
    columns = list(dict.fromkeys(f"{t.astimezone(zone):%H:%M}" for t in times))
    result = []
    for row in rows:
        doses = within[row.prescription_id]
        if not doses and not row.prn:
            continue
        at = {f"{d.scheduled_at.astimezone(zone):%H:%M}": d for d in doses}
        result.append(
            {
                "prescription_id": str(row.prescription_id),
                "patient": row.patient_name,
                "medication": row.medication,
                "sig": row.sig,
                "prn": row.prn,
                "cells": [] if row.prn else [_cell(at.get(c), zone, staff) for c in columns],
                "given": [_cell(d, zone, staff) for d in doses] if row.prn else [],
            }
        )
    return columns, result


async def _rows_on(client: EmrClient, days: list[date]) -> list[MarRow]:
    return [row for on in days for row in await client.mar(on)]


def _merge(rows: list[MarRow]) -> list[MarRow]:
    """One row per prescription across the days a shift spans."""
    merged: dict[Any, MarRow] = {}
    for row in rows:
        if row.prescription_id in merged:
            merged[row.prescription_id].doses.extend(row.doses)
        else:
            merged[row.prescription_id] = row.model_copy(deep=True)
    return list(merged.values())


@clear_on_sign_out
class MarState(rx.State):
    day: str = ""
    shift: str = ""
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    pending_id: str = ""
    pending_status: str = ""
    error: str = ""
    loaded: bool = False
    _versions: dict[str, int] = {}

    @rx.var
    def span(self) -> int:
        return max(1, len(self.columns))

    @rx.event
    async def load(self) -> None:
        if not self.day:
            on, shift = shift_under_way(datetime.now(ZoneInfo(get_settings().timezone)))
            self.day, self.shift = on.isoformat(), shift
        await self._refresh()

    @rx.event
    async def set_day(self, value: str) -> None:
        try:
            date.fromisoformat(value)
        except ValueError:
            return
        self.day = value
        await self._refresh()

    @rx.event
    async def set_shift(self, value: str) -> None:
        self.shift = value if value in SHIFTS else "all"
        await self._refresh()

    async def _refresh(self) -> None:
        self.pending_id = self.pending_status = ""
        zone = ZoneInfo(get_settings().timezone)
        start, end = shift_window(date.fromisoformat(self.day), self.shift, zone)
        days = sorted({start.date(), (end - timedelta(microseconds=1)).date()})
        auth = await self.get_state(AuthState)
        try:
            found = await auth.call(lambda c: _rows_on(c, days))
            staff = await auth.call(lambda c: c.staff())
        except ApiError as error:
            self.error, self.rows, self.columns = error.detail, [], []
            return
        rows = _merge(found)
        names = {str(s.id): initials(s.full_name or s.username) for s in staff}
        self.columns, self.rows = grid(rows, start, end, zone, names)
        self._versions = {str(d.id): d.version for r in rows for d in r.doses}
        self.error, self.loaded = "", True

    async def _run(self, action: Callable[[EmrClient], Awaitable[Any]]) -> None:
        auth = await self.get_state(AuthState)
        try:
            await auth.call(action)
        except ApiError as error:
            await self._refresh()
            self.error = error.detail
            return
        await self._refresh()

    @rx.event
    async def record(self, dose_id: str, status: str) -> None:
        """Given and missed are recorded at once; refused and held ask for a note first."""
        if status in NEEDS_NOTE:
            self.pending_id, self.pending_status = dose_id, status
            return
        await self._record(dose_id, status, "")

    @rx.event
    async def record_with_note(self, form: dict[str, Any]) -> None:
        note = str(form.get("note") or "").strip()
        if not note:
            self.error = f"Say why the dose was {self.pending_status}."
            return
        await self._record(self.pending_id, self.pending_status, note)

    @rx.event
    def cancel_note(self) -> None:
        self.pending_id = self.pending_status = ""

    async def _record(self, dose_id: str, status: str, note: str) -> None:
        self.error = ""
        data = DoseRecord(status=DoseStatus(status), note=note)
        version = self._versions.get(dose_id, 0)
        await self._run(lambda c: c.record_dose(dose_id, data, version))

    @rx.event
    async def give_prn(self, form: dict[str, Any]) -> None:
        self.error = ""
        try:
            data = PrnGive(reason=str(form.get("reason") or "").strip())
        except ValidationError:
            self.error = "Say why the as-needed dose is given."
            return
        rx_id = str(form.get("prescription") or "")
        await self._run(lambda c: c.give_prn(rx_id, data))

    @rx.event
    async def record_effect(self, form: dict[str, Any]) -> None:
        self.error = ""
        try:
            data = PrnEffect(effect=str(form.get("effect") or "").strip())
        except ValidationError:
            self.error = "Describe the effect of the as-needed dose."
            return
        dose_id = str(form.get("dose") or "")
        await self._run(lambda c: c.prn_effect(dose_id, data))
