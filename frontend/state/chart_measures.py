"""The measures part of a chart: recent assessments, the instruments to hand to the client,
and the recurring schedules that feed the due list on Today."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from frontend.state.chart import ChartState
from frontend.state.questionnaire import QuestionnaireState
from shared.client import ApiError
from shared.schemas.measures import AssessmentRead, ScheduleCreate, ScheduleRead


def _assessment(a: AssessmentRead, names: dict[str, str], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "instrument": names.get(a.instrument, a.instrument),
        "on": f"{a.administered_at.astimezone(zone):%d %b %Y %H:%M}",
        "total": str(a.total),
        "severity": a.severity,
        "flags": ", ".join(f.replace("_", " ") for f in a.flags),
        "via": "client" if a.via == "client_tablet" else "clinician",
    }


def _schedule(s: ScheduleRead, names: dict[str, str]) -> dict[str, str]:
    return {
        "id": str(s.id),
        "label": f"{names.get(s.instrument, s.instrument)} every {s.every_days} days",
        "due": f"next {s.due_on:%d %b %Y}" if s.due_on else "",
    }


@clear_on_sign_out
class ChartMeasuresState(rx.State):
    patient_id: str = ""
    assessments: list[dict[str, Any]] = []
    schedules: list[dict[str, str]] = []
    instruments: list[dict[str, str]] = []
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
            definitions = await auth.call(lambda c: c.instruments())
            given = await auth.call(lambda c: c.assessments(self.patient_id))
            schedules = await auth.call(lambda c: c.assessment_schedules(self.patient_id))
        except ApiError as error:
            self.assessments, self.schedules = [], []
            self.hidden = error.status == 403
            self.error = "" if self.hidden else error.detail
            return
        names = {i.key: i.name for i in definitions}
        self.instruments = [{"id": i.key, "name": i.name} for i in definitions]
        self.assessments = [_assessment(a, names, zone) for a in given[:20]]
        self.schedules = [_schedule(s, names) for s in schedules]

    @rx.event
    async def hand_to_client(self, instrument: str) -> Any:
        """Clear the screen of the chart and lock the tablet to this questionnaire."""
        chart = await self.get_state(ChartState)
        first_name = chart.preferred or chart.name.split(" ")[0]
        patient_id = self.patient_id
        auth = await self.get_state(AuthState)
        await auth.hand_off(patient_id, instrument)
        questionnaire = await self.get_state(QuestionnaireState)
        questionnaire.first_name = first_name
        return rx.redirect(f"/questionnaire/{patient_id}")

    @rx.event
    async def add_schedule(self, form: dict[str, Any]) -> None:
        self.error = ""
        try:
            data = ScheduleCreate.model_validate(
                {
                    "instrument": form.get("instrument", ""),
                    "every_days": form.get("every_days") or 0,
                    "start_on": form.get("start_on", ""),
                }
            )
        except ValidationError:
            self.error = "Choose an instrument, every how many days (1-365) and a first date."
            return
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.schedule_assessment(self.patient_id, data))
        except ApiError as error:
            self.error = error.detail
            return
        await self._refresh()

    @rx.event
    async def end_schedule(self, schedule_id: str) -> None:
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.end_assessment_schedule(schedule_id))
        except ApiError as error:
            self.error = error.detail
            return
        await self._refresh()
