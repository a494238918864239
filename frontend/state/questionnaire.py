"""Hand-to-client mode: one questionnaire, nothing else of the chart, answered by the client
on the tablet and submitted as ``client_tablet``. Leaving needs the clinician's password
(``AuthState.unlock``); ``AuthState.require_sign_in`` brings every other page back here."""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.measures import AssessmentCreate, AssessmentVia

UNANSWERED = -1


@clear_on_sign_out
class QuestionnaireState(rx.State):
    patient_id: str = ""
    first_name: str = ""
    title: str = ""
    prompt: str = ""
    items: list[dict[str, Any]] = []
    answers: list[int] = []
    error: str = ""
    submitted: bool = False

    @rx.event
    async def load(self) -> Any:
        auth = await self.get_state(AuthState)
        patient_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        if auth.handoff_patient_id != patient_id:
            return rx.redirect(f"/patients/{patient_id}")
        if self.submitted or self.items:
            return None
        self.patient_id, self.error = patient_id, ""
        try:
            definitions = await auth.call(lambda c: c.instruments(), during_handoff=True)
        except ApiError as error:
            self.error = error.detail
            return None
        found = next((i for i in definitions if i.key == auth.handoff_instrument), None)
        if found is None:
            self.error = f"Unknown questionnaire {auth.handoff_instrument!r}."
            return None
        self.title, self.prompt = found.title, found.prompt
        self.items = [
            {
                "index": n,
                "text": f"{n + 1}. {item.text}",
                "choices": [{"value": c.value, "label": c.label} for c in item.choices],
            }
            for n, item in enumerate(found.items)
        ]
        self.answers = [UNANSWERED] * len(found.items)
        return None

    @rx.event
    def answer(self, index: int, value: int) -> None:
        self.answers[index] = value
        self.error = ""

    @rx.event
    async def submit(self) -> None:
        if self.submitted:
            return
        missing = [str(n + 1) for n, value in enumerate(self.answers) if value == UNANSWERED]
        if missing:
            self.error = f"Please answer every question (still open: {', '.join(missing)})."
            return
        auth = await self.get_state(AuthState)
        data = AssessmentCreate(
            instrument=auth.handoff_instrument,
            answers=list(self.answers),
            via=AssessmentVia.CLIENT_TABLET,
        )
        try:
            await auth.call(lambda c: c.administer(self.patient_id, data), during_handoff=True)
        except ApiError as error:
            self.error = error.detail
            return
        # The client's answers leave the tablet's memory with the submission.
        self.items, self.answers, self.submitted, self.error = [], [], True, ""
