"""Today: my sessions (or, for coordinators, everyone's), each opening its check-in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.notes import NoteSummary


@clear_on_sign_out
class TodayState(rx.State):
    sessions: list[dict[str, str]] = []
    unsigned: list[dict[str, str]] = []
    cosign: list[dict[str, str]] = []
    alerts: list[dict[str, str]] = []
    due: list[dict[str, str]] = []
    plan_reviews: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    async def load(self) -> None:
        auth = await self.get_state(AuthState)
        if not auth.username:
            return
        start = datetime.combine(date.today(), time.min, tzinfo=ZoneInfo(get_settings().timezone))
        filters: dict[str, Any] = {
            "from": start.isoformat(),
            "to": (start + timedelta(days=1)).isoformat(),
        }
        if not auth.can_schedule:
            filters["facilitator_id"] = auth.user_id
        try:
            rows = await auth.call(lambda c: c.sessions(**filters))
        except ApiError as error:
            self.error = error.detail
            return
        self.sessions = [
            {
                "id": str(s.id),
                "time": f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}",
                "group": s.group_name,
                "status": s.status,
            }
            for s in rows
        ]

    @rx.event
    async def load_notes(self) -> None:
        auth = await self.get_state(AuthState)
        roles = set(auth.roles)
        try:
            unsigned = await auth.call(lambda c: c.unsigned_notes()) if roles & WRITERS else []
            queue = await auth.call(lambda c: c.cosign_queue()) if "supervisor" in roles else []
        except ApiError as error:
            self.error = error.detail
            return
        self.unsigned = [_note(n) for n in unsigned]
        self.cosign = [_note(n) for n in queue]

    @rx.event
    async def load_measures(self) -> None:
        """My unacknowledged safety alerts and the assessments due for my clients."""
        auth = await self.get_state(AuthState)
        if not set(auth.roles) & WRITERS:
            return
        try:
            alerts = await auth.call(lambda c: c.alerts())
            due = await auth.call(lambda c: c.assessments_due())
        except ApiError as error:
            self.error = error.detail
            return
        self.alerts = [
            {
                "id": str(a.id),
                "href": f"/patients/{a.patient_id}",
                "patient": a.patient_name,
                "message": a.message,
            }
            for a in alerts
        ]
        self.due = [
            {
                "href": f"/patients/{d.patient_id}",
                "label": f"{d.patient_name} · {d.instrument_name} · due {d.due_on:%a %d %b}",
                "overdue": "overdue" if d.overdue else "",
            }
            for d in due
        ]

    @rx.event
    async def load_plans(self) -> None:
        """Treatment-plan reviews due within a week (mine; every client's for supervisors)."""
        auth = await self.get_state(AuthState)
        if not {"clinician", "supervisor"} & set(auth.roles):
            return
        try:
            due = await auth.call(lambda c: c.plans_due())
        except ApiError as error:
            self.error = error.detail
            return
        self.plan_reviews = [
            {
                "href": f"/plan/{d.patient_id}",
                "label": f"{d.patient_name} · plan review due {d.review_due:%a %d %b}",
                "overdue": "overdue" if d.overdue else "",
            }
            for d in due
        ]

    @rx.event
    async def acknowledge(self, alert_id: str) -> None:
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.acknowledge_alert(alert_id))
        except ApiError as error:
            self.error = error.detail
            return
        self.alerts = [a for a in self.alerts if a["id"] != alert_id]


WRITERS = {"facilitator", "clinician", "supervisor"}


def _note(n: NoteSummary) -> dict[str, str]:
    zone = ZoneInfo(get_settings().timezone)
    if n.kind == "individual":
        href, who = f"/progress/{n.id}", f" · {n.patient_name}"
    else:
        href, who = f"/document/{n.session_id}", ""
    return {
        "href": href,
        "label": f"{n.group_name}{who} · {n.starts_at.astimezone(zone):%a %d %b %H:%M}",
    }
