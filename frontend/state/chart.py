"""One patient's chart: header, timeline, care team, diagnoses, allergies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import reflex as rx
from pydantic import ValidationError

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError, EmrClient
from shared.schemas.patients import (
    AllergyCreate,
    CareTeamCreate,
    ChartSummary,
    DiagnosisCreate,
    DischargeCreate,
    EpisodeCreate,
    PatientUpdate,
    TransitionCreate,
)

LEVEL_NAMES = {
    "detox": "Detox",
    "residential": "Residential",
    "php": "PHP",
    "iop": "IOP",
    "outpatient": "Outpatient",
}


def _timeline(summary: ChartSummary) -> list[dict[str, str]]:
    rows = []
    for entry in summary.timeline:
        level = LEVEL_NAMES[entry.level_of_care.value]
        if entry.kind == "transition":
            title = f"{LEVEL_NAMES[entry.from_level.value] if entry.from_level else ''} → {level}"
        elif entry.kind == "admission":
            title = f"Admitted to {level}"
        else:
            title = f"Discharged from {level}"
        rows.append(
            {
                "on": entry.on.isoformat(),
                "kind": entry.kind,
                "title": title,
                "program": entry.program,
                "detail": entry.detail,
            }
        )
    return rows


@clear_on_sign_out
class ChartState(rx.State):
    patient_id: str = ""
    name: str = ""
    preferred: str = ""
    pronouns: str = ""
    age: int = 0
    birth_date: str = ""
    mrn: str = ""
    status: str = ""
    level: str = ""
    program: str = ""
    episode_id: str = ""
    allergy_banner: str = ""
    timeline: list[dict[str, str]] = []
    care_team: list[dict[str, str]] = []
    diagnoses: list[dict[str, str]] = []
    allergies: list[dict[str, str]] = []
    programs: list[dict[str, str]] = []
    staff: list[dict[str, str]] = []
    email: str = ""
    phone: str = ""
    version: int = 0
    error: str = ""
    saved: str = ""
    loaded: bool = False

    @rx.var
    def today(self) -> str:
        return date.today().isoformat()

    @rx.event
    async def load(self) -> None:
        self.patient_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error, self.loaded = "", False
        await self._refresh()

    async def _refresh(self) -> None:
        auth = await self.get_state(AuthState)
        try:
            summary = await auth.call(lambda c: c.patient_summary(self.patient_id))
            programs = await auth.call(lambda c: c.programs())
            staff = await auth.call(lambda c: c.staff())
        except ApiError as error:
            self.error = error.detail
            return
        patient = summary.patient
        self.name = f"{patient.given_name} {patient.family_name}"
        self.preferred, self.pronouns = patient.preferred_name, patient.pronouns
        self.age, self.birth_date, self.mrn = (
            summary.age,
            patient.birth_date.isoformat(),
            patient.mrn,
        )
        self.status = patient.status.value
        self.email, self.version = patient.email, patient.version
        self.phone = patient.phones[0].number if patient.phones else ""
        current = summary.current_episode
        self.level = LEVEL_NAMES[current.level_of_care.value] if current else ""
        self.program = current.program if current else ""
        self.episode_id = str(current.id) if current else ""
        self.allergy_banner = ", ".join(
            f"{a.substance} ({a.severity.value})" for a in summary.allergies
        )
        self.timeline = _timeline(summary)
        self.care_team = [
            {
                "id": str(m.id),
                "name": m.full_name or m.username,
                "role": m.role.value.replace("_", " "),
            }
            for m in summary.care_team
        ]
        self.diagnoses = [{"code": d.code, "description": d.description} for d in summary.diagnoses]
        self.allergies = [
            {"substance": a.substance, "reaction": a.reaction, "severity": a.severity.value}
            for a in summary.allergies
        ]
        self.programs = [{"id": str(p.id), "name": p.name} for p in programs if p.active]
        self.staff = [
            {"id": str(s.id), "name": f"{s.full_name or s.username} ({s.username})"} for s in staff
        ]
        self.loaded = True

    async def _act(
        self, build: Callable[[], Any], action: Callable[[EmrClient, Any], Awaitable[Any]]
    ) -> None:
        """Validate with the shared schema, call the API, reload; show any problem."""
        self.error = ""
        try:
            data = build()
        except (ValidationError, KeyError, ValueError) as error:
            self.error = _message(error)
            return
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: action(c, data))
        except ApiError as error:
            self.error = error.detail
            return
        await self._refresh()

    @rx.event
    async def admit(self, form: dict[str, Any]) -> None:
        await self._act(
            lambda: EpisodeCreate(program_id=form.get("program") or "", admitted_on=form["on"]),
            lambda c, d: c.admit(self.patient_id, d),
        )

    @rx.event
    async def transition(self, form: dict[str, Any]) -> None:
        await self._act(
            lambda: TransitionCreate(
                occurred_on=form["on"],
                reason=form["reason"],
                to_program_id=form.get("program") or "",
            ),
            lambda c, d: c.transition(self.episode_id, d),
        )

    @rx.event
    async def discharge(self, form: dict[str, Any]) -> None:
        await self._act(
            lambda: DischargeCreate(discharged_on=form["on"], disposition=form["disposition"]),
            lambda c, d: c.discharge(self.episode_id, d),
        )

    @rx.event
    async def add_member(self, form: dict[str, Any]) -> None:
        staff_id = form.get("member") or ""
        await self._act(
            lambda: CareTeamCreate(user_id=staff_id, role=form.get("role") or "clinician"),
            lambda c, d: c.add_care_team(self.patient_id, d),
        )

    @rx.event
    async def remove_member(self, member_id: str) -> None:
        await self._act(lambda: member_id, lambda c, d: c.remove_care_team(self.patient_id, d))

    @rx.event
    async def save_demographics(self, form: dict[str, Any]) -> None:
        """Sends the version this screen was built from: a colleague's newer save wins
        and this one is refused with a message, never silently overwritten."""
        phone = str(form.get("phone", "")).strip()
        version = self.version
        await self._act(
            lambda: PatientUpdate(
                preferred_name=str(form.get("preferred_name", "")).strip(),
                pronouns=str(form.get("pronouns", "")).strip(),
                email=str(form.get("email", "")).strip(),
                phones=[{"kind": "mobile", "number": phone}] if phone else [],
            ),
            lambda c, d: c.update_patient(self.patient_id, d, version),
        )
        self.saved = "" if self.error else "Saved."

    @rx.event
    async def add_diagnosis(self, form: dict[str, Any]) -> None:
        await self._act(
            lambda: DiagnosisCreate(code=form["code"]),
            lambda c, d: c.add_diagnosis(self.patient_id, d),
        )

    @rx.event
    async def add_allergy(self, form: dict[str, Any]) -> None:
        await self._act(
            lambda: AllergyCreate(
                substance=form["substance"],
                reaction=form.get("reaction", ""),
                severity=form.get("severity") or "unknown",
            ),
            lambda c, d: c.add_allergy(self.patient_id, d),
        )


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    if isinstance(error, KeyError):
        return "Fill in every field."
    return str(error)
