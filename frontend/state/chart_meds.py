"""The medications part of a chart: the list (active first, then past), the client's
prescriptions and what can be done with each, a new prescription checked against the
recorded allergies, and medications the client reports.

The prescription form is not reset when it is refused: what was typed stays, the API's
field errors show next to their fields, and an allergy conflict asks for an override
reason before the same drug is sent again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError

from backend.config import get_settings
from backend.medications import rules
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError, EmrClient
from shared.schemas.medications import (
    MedicationCreate,
    MedicationRead,
    MedicationStop,
    PrescriptionCreate,
    PrescriptionDiscontinue,
    PrescriptionRead,
)

SOURCES = {
    "prescribed_here": "prescribed here",
    "client_reported": "client reported",
    "other_prescriber": "other prescriber",
}
DOSE_UNITS = sorted(rules.DOSE_UNITS)
ROUTES = sorted(rules.ROUTES)
FREQUENCIES = list(rules.FREQUENCIES)
QUANTITY_UNITS = sorted(rules.QUANTITY_UNITS)
NOT_CONTROLLED = "not controlled"
SCHEDULES = [NOT_CONTROLLED, *sorted(rules.SCHEDULES)]
PRESCRIBING_ROLES = {"clinician", "supervisor"}
FORM_ID = "prescribe-form"


def _text(form: dict[str, Any], key: str) -> str:
    return str(form.get(key) or "").strip()


def prescription_from(form: dict[str, Any]) -> PrescriptionCreate:
    """The prescription form as the API's schema; times are typed "09:00, 21:00"."""
    times = [t.strip() for t in _text(form, "times").split(",") if t.strip()]
    schedule = _text(form, "schedule")
    return PrescriptionCreate.model_validate(
        {
            **{
                k: _text(form, k)
                for k in (
                    "drug_name",
                    "strength",
                    "dose_form",
                    "dose_unit",
                    "route",
                    "frequency",
                    "prn_indication",
                    "quantity_unit",
                    "allergy_override_reason",
                )
            },
            "dose_amount": _text(form, "dose_amount") or None,
            "quantity": _text(form, "quantity") or None,
            "refills": _text(form, "refills") or 0,
            "times": times or None,
            "prn": bool(form.get("prn")),
            "schedule": schedule if schedule in rules.SCHEDULES else None,
        }
    )


def invalid_fields(error: ValidationError) -> dict[str, str]:
    return {str(e["loc"][0]): e["msg"] for e in reversed(error.errors()) if e["loc"]}


def refused_fields(error: ApiError) -> dict[str, str]:
    """The problem's ``errors`` by field; "times[1]" is reported on "times"."""
    fields: dict[str, str] = {}
    for item in error.problem.get("errors") or []:
        field = str(item.get("field", "")).split("[")[0]
        fields.setdefault(field, str(item.get("message", "")))
    return fields


def _prescription(rx_: PrescriptionRead, zone: ZoneInfo) -> dict[str, str]:
    supply = f"#{rx_.quantity:g} {rx_.quantity_unit} · {rx_.refills} refill(s)"
    if rx_.status == "signed" and rx_.signed_at:
        state = f"Signed {rx_.signed_at.astimezone(zone):%d %b %Y %H:%M} · {rx_.transmission}"
    elif rx_.status == "discontinued" and rx_.discontinued_at:
        when = rx_.discontinued_at.astimezone(zone)
        state = f"Discontinued {when:%d %b %Y %H:%M}: {rx_.discontinue_reason}"
    else:
        state = "Draft: not active until signed"
    override = f"Allergy override: {rx_.allergy_override_reason}"
    return {
        "id": str(rx_.id),
        "title": f"{rx_.drug_name} {rx_.strength} {rx_.dose_form}",
        "sig": f"{rx_.sig} · {supply}" + (f" · C-{rx_.schedule}" if rx_.schedule else ""),
        "status": rx_.status,
        "state": state,
        "override": override if rx_.allergy_override_reason else "",
    }


def _medication(m: MedicationRead, sigs: dict[str, str]) -> dict[str, str]:
    return {
        "id": str(m.id),
        "name": m.name,
        "strength": " ".join(p for p in (m.strength, m.dose_form) if p),
        "sig": sigs.get(str(m.prescription_id), ""),
        "source": SOURCES.get(m.source, m.source),
        "start": f"since {m.start_date:%d %b %Y}" if m.start_date else "",
        "stopped": f"stopped {m.stop_date:%d %b %Y}: {m.stop_reason}" if m.stop_date else "",
        "reported": "yes" if m.prescription_id is None else "",
    }


@clear_on_sign_out
class ChartMedsState(rx.State):
    patient_id: str = ""
    active: list[dict[str, str]] = []
    past: list[dict[str, str]] = []
    prescriptions: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    conflicts: list[str] = []
    notice: str = ""
    error: str = ""
    hidden: bool = False
    can_prescribe: bool = False
    _versions: dict[str, int] = {}
    _conflict_drug: str = ""

    @rx.event
    async def load(self) -> None:
        self.patient_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error, self.notice, self.hidden = "", "", False
        self.field_errors, self.conflicts, self._conflict_drug = {}, [], ""
        auth = await self.get_state(AuthState)
        self.can_prescribe = bool(PRESCRIBING_ROLES & set(auth.roles))
        await self._refresh()

    async def _refresh(self) -> None:
        auth = await self.get_state(AuthState)
        zone = ZoneInfo(get_settings().timezone)
        try:
            medications = await auth.call(lambda c: c.medications(self.patient_id))
            written = await auth.call(lambda c: c.prescriptions(self.patient_id))
        except ApiError as error:
            self.active, self.past, self.prescriptions = [], [], []
            self.hidden = error.status == 403
            self.error = "" if self.hidden else error.detail
            return
        sigs = {str(p.id): p.sig for p in written}
        rows = [_medication(m, sigs) for m in medications]
        self.active = [r for r, m in zip(rows, medications, strict=True) if m.status == "active"]
        self.past = [r for r, m in zip(rows, medications, strict=True) if m.status != "active"]
        self.prescriptions = [_prescription(p, zone) for p in written]
        self._versions = {str(p.id): p.version for p in written}

    async def _run(self, action: Callable[[EmrClient], Awaitable[Any]]) -> bool:
        """Call the API and reload the card; a refusal is shown, never swallowed."""
        self.error = self.notice = ""
        auth = await self.get_state(AuthState)
        try:
            await auth.call(action)
        except ApiError as error:
            self.error = error.detail
            return False
        await self._refresh()
        return True

    @rx.event
    async def prescribe(self, form: dict[str, Any]) -> Any:
        self.error, self.notice, self.field_errors = "", "", {}
        try:
            data = prescription_from(form)
        except ValidationError as error:
            self.field_errors = invalid_fields(error)
            return None
        if data.drug_name == self._conflict_drug and not data.allergy_override_reason:
            self.field_errors = {
                "allergy_override_reason": "Give the reason to prescribe despite the allergy."
            }
            return None
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.prescribe(self.patient_id, data))
        except ApiError as error:
            found = error.problem.get("conflicts") or []
            self.conflicts = [f"Recorded allergy “{c['allergy']}”: {c['reason']}." for c in found]
            self._conflict_drug = data.drug_name if found else ""
            self.field_errors = refused_fields(error)
            self.error = "" if self.field_errors else error.detail
            return None
        self.conflicts, self._conflict_drug = [], ""
        await self._refresh()
        return rx.call_script(f"document.getElementById('{FORM_ID}').reset()")

    @rx.event
    async def sign(self, rx_id: str) -> None:
        version = self._versions.get(rx_id, 0)
        await self._run(lambda c: c.sign_prescription(rx_id, version))

    @rx.event
    async def discontinue(self, form: dict[str, Any]) -> None:
        try:
            data = PrescriptionDiscontinue(reason=_text(form, "reason"))
        except ValidationError:
            self.error = "Say why the prescription is discontinued (at least 3 characters)."
            return
        rx_id = _text(form, "prescription")
        await self._run(lambda c: c.discontinue_prescription(rx_id, data))

    @rx.event
    async def transmit(self, rx_id: str) -> None:
        """Without a certified network the API refuses (503): its message says to print."""
        self.error = ""
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.transmit_prescription(rx_id))
        except ApiError as error:
            self.notice = error.detail
            return
        self.notice = "Sent to the pharmacy."
        await self._refresh()

    @rx.event
    async def print_prescription(self, rx_id: str) -> Any:
        auth = await self.get_state(AuthState)
        try:
            pdf = await auth.call(lambda c: c.prescription_pdf(rx_id))
        except ApiError as error:
            self.error = error.detail
            return None
        return rx.download(data=pdf, filename=f"prescription-{rx_id[:8]}.pdf")

    @rx.event
    async def add_reported(self, form: dict[str, Any]) -> None:
        try:
            data = MedicationCreate.model_validate(
                {
                    "name": _text(form, "name"),
                    "strength": _text(form, "strength"),
                    "dose_form": _text(form, "dose_form"),
                    "source": _text(form, "source").replace(" ", "_") or "client_reported",
                    "start_date": _text(form, "start_date") or None,
                }
            )
        except ValidationError as error:
            self.error = "; ".join(f"{k}: {m}" for k, m in invalid_fields(error).items())
            return
        await self._run(lambda c: c.add_medication(self.patient_id, data))

    @rx.event
    async def stop_reported(self, form: dict[str, Any]) -> None:
        try:
            data = MedicationStop(reason=_text(form, "reason"))
        except ValidationError:
            self.error = "Say why the medication was stopped (at least 3 characters)."
            return
        medication_id = _text(form, "medication")
        await self._run(lambda c: c.stop_medication(medication_id, data))
