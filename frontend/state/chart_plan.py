"""The chart's treatment-plan card: the active version, each objective's status and points
(from group notes, assessments, progress notes or entered by hand), and a manual point."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.plans import ObjectiveProgress, PlanRead, ProgressPointCreate


def _objective(progress: ObjectiveProgress, zone: ZoneInfo) -> dict[str, Any]:
    o = progress.objective
    unit = f" {o.unit}" if o.unit else ""
    return {
        "id": str(o.id),
        "text": o.text,
        "goal": progress.goal,
        "status": progress.status.value,
        "range": f"{o.baseline:g} → {o.target:g}{unit} ({o.direction.value}) by {o.target_date}",
        "target": o.target,
        "points": [
            {
                "date": f"{p.recorded_at.astimezone(zone):%d %b}",
                "value": p.value,
                "label": f"{p.value:g} · {p.source.replace('_', ' ')}"
                f" · {p.recorded_at.astimezone(zone):%d %b %Y}",
            }
            for p in progress.points
        ],
    }


def _summary(versions: list[PlanRead]) -> str:
    active = next((p for p in versions if p.status == "active"), None)
    draft = next((p for p in versions if p.status == "draft"), None)
    parts = [
        f"Version {active.number} · review due {active.review_due}" if active else "No active plan"
    ]
    if draft is not None:
        parts.append(f"draft version {draft.number} in progress")
    return " · ".join(parts)


@clear_on_sign_out
class ChartPlanState(rx.State):
    patient_id: str = ""
    summary: str = ""
    objectives: list[dict[str, Any]] = []
    error: str = ""
    hidden: bool = False

    @rx.event
    async def load(self) -> None:
        self.patient_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error, self.hidden = "", False
        await self._refresh()

    async def _refresh(self) -> None:
        auth = await self.get_state(AuthState)
        zone = ZoneInfo(get_settings().timezone)
        try:
            versions = await auth.call(lambda c: c.plans(self.patient_id))
            progress = await auth.call(lambda c: c.objectives(self.patient_id))
        except ApiError as error:
            self.objectives = []
            self.hidden = error.status == 403
            self.error = "" if self.hidden else error.detail
            return
        self.summary = _summary(versions)
        self.objectives = [_objective(p, zone) for p in progress]

    @rx.event
    async def add_point(self, form: dict[str, Any]) -> None:
        self.error = ""
        objective_id = str(form.get("objective", ""))
        try:
            data = ProgressPointCreate(value=float(str(form.get("value", "")).strip()))
        except ValueError:
            self.error = "Enter the measurement as a number."
            return
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.add_progress_point(self.patient_id, objective_id, data))
        except ApiError as error:
            self.error = error.detail
            return
        await self._refresh()
