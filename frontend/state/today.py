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
