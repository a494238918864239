"""The dashboard: the numbers each of the signed-in user's roles starts the day with, from
the reports API (clinicians' reports come back limited to their own clients and notes)."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError, EmrClient
from shared.schemas.reports import (
    AttendanceRow,
    CensusRow,
    ChargeStatusRow,
    OutcomeRow,
    PlansDueRow,
    ReportName,
    UnsignedNotesRow,
)

ATTENDANCE_DAYS = 30
INSTRUMENT_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7"}


def _percent(share: float | None) -> float:
    return round((share or 0) * 100, 1)


def _outcomes(rows: list[OutcomeRow]) -> list[dict[str, Any]]:
    return [
        {
            "label": f"{r.program_name} · {INSTRUMENT_NAMES.get(r.instrument, r.instrument)}",
            "mean_change": r.mean_change or 0,
            "improved": _percent(r.share_improved),
            "clients": r.clients_measured,
        }
        for r in rows
    ]


@clear_on_sign_out
class DashboardState(rx.State):
    coordinator: bool = False
    clinician: bool = False
    supervisor: bool = False
    biller: bool = False
    sessions_today: int = 0
    attendance: list[dict[str, Any]] = []
    census: list[dict[str, Any]] = []
    unsigned: int = 0
    plans_due: int = 0
    caseload_outcomes: list[dict[str, Any]] = []
    cosign: int = 0
    team_outcomes: list[dict[str, Any]] = []
    charges: list[dict[str, Any]] = []
    error: str = ""
    roles_read: bool = False

    @rx.var
    def no_section(self) -> bool:
        sections = (self.coordinator, self.clinician, self.supervisor, self.biller)
        return self.roles_read and not any(sections)

    @rx.event
    async def load(self) -> None:
        auth = await self.get_state(AuthState)
        if not auth.username:
            return
        roles = set(auth.roles)
        self.coordinator = bool(roles & {"coordinator", "admin"})
        self.clinician = bool(roles & {"clinician", "facilitator"})
        self.supervisor = "supervisor" in roles
        self.biller = "biller" in roles
        self.roles_read = True
        self.error = ""
        try:
            if self.coordinator:
                await auth.call(self._coordinator_numbers)
            if self.clinician:
                await auth.call(lambda c: self._clinician_numbers(c, auth.user_id))
            if self.supervisor:
                await auth.call(self._supervisor_numbers)
            if self.biller:
                await auth.call(self._biller_numbers)
        except ApiError as error:
            self.error = error.detail

    async def _coordinator_numbers(self, client: EmrClient) -> None:
        zone = ZoneInfo(get_settings().timezone)
        today = datetime.now(zone).date()
        start = datetime.combine(today, time.min, tzinfo=zone)
        window = {"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()}
        since = {"from": (today - timedelta(days=ATTENDANCE_DAYS)).isoformat()}
        sessions, attendance, census = await asyncio.gather(
            client.sessions(**window),
            client.report(ReportName.ATTENDANCE, AttendanceRow, **since),
            client.report(ReportName.CENSUS, CensusRow),
        )
        self.sessions_today = sum(1 for s in sessions if s.status != "cancelled")
        self.attendance = [{"group": r.name, "rate": _percent(r.rate)} for r in attendance]
        self.census = [{"level": r.level_of_care.upper(), "clients": r.clients} for r in census]

    async def _clinician_numbers(self, client: EmrClient, user_id: str) -> None:
        mine = {"clinician_id": user_id}
        notes, plans, outcomes = await asyncio.gather(
            client.report(ReportName.UNSIGNED_NOTES, UnsignedNotesRow, **mine),
            client.report(ReportName.PLANS_DUE, PlansDueRow, **mine),
            client.report(ReportName.OUTCOMES, OutcomeRow, **mine),
        )
        self.unsigned = sum(r.unsigned for r in notes)
        self.plans_due = sum(r.due_soon + r.overdue for r in plans)
        self.caseload_outcomes = _outcomes(outcomes)

    async def _supervisor_numbers(self, client: EmrClient) -> None:
        queue, outcomes = await asyncio.gather(
            client.cosign_queue(), client.report(ReportName.OUTCOMES, OutcomeRow)
        )
        self.cosign = len(queue)
        self.team_outcomes = _outcomes(outcomes)

    async def _biller_numbers(self, client: EmrClient) -> None:
        rows = await client.report(ReportName.CHARGES_BY_STATUS, ChargeStatusRow)
        self.charges = [
            {"status": r.status, "charges": r.charges, "amount": f"{r.amount:,.2f}"} for r in rows
        ]
