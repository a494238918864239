"""Finding and registering patients."""

from __future__ import annotations

from datetime import date
from typing import Any

import reflex as rx
from pydantic import ValidationError

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.patients import PatientCreate, PatientListItem

REGISTER_FIELDS = [
    "given_name",
    "family_name",
    "birth_date",
    "preferred_name",
    "pronouns",
    "sex_at_birth",
    "gender_identity",
    "email",
    "phone",
]


def _row(p: PatientListItem) -> dict[str, str]:
    return {
        "id": str(p.id),
        "mrn": p.mrn,
        "name": f"{p.family_name}, {p.given_name}",
        "preferred": p.preferred_name,
        "birth_date": p.birth_date.isoformat(),
        "status": p.status.value,
    }


@clear_on_sign_out
class PatientsState(rx.State):
    rows: list[dict[str, str]] = []
    next_cursor: str = ""
    error: str = ""
    searched: bool = False
    _filters: dict[str, str] = {}

    @rx.event
    async def search(self, form: dict[str, Any] | None = None) -> None:
        if form is not None:
            self._filters = {k: str(v).strip() for k, v in form.items() if str(v).strip()}
        self.error, self.next_cursor = "", ""
        await self._fetch(append=False)

    @rx.event
    async def more(self) -> None:
        await self._fetch(append=True)

    async def _fetch(self, append: bool) -> None:
        auth = await self.get_state(AuthState)
        cursor = self.next_cursor if append else None
        try:
            page = await auth.call(lambda c: c.search_patients(**self._filters, cursor=cursor))
        except ApiError as error:
            self.error = error.detail
            return
        rows = [_row(p) for p in page.items]
        self.rows = self.rows + rows if append else rows
        self.next_cursor = page.next_cursor or ""
        self.searched = True


def _field_errors(error: ValidationError) -> dict[str, str]:
    messages: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "form"
        field = "phone" if field == "phones" else field
        messages.setdefault(field, str(item["msg"]).removeprefix("Value error, "))
    return messages


@clear_on_sign_out
class RegisterState(rx.State):
    errors: dict[str, str] = {}
    error: str = ""
    candidates: list[dict[str, str]] = []
    _pending: dict[str, Any] = {}

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        return await self._register(form, allow_duplicate=False)

    @rx.event
    async def register_anyway(self) -> Any:
        return await self._register(self._pending, allow_duplicate=True)

    async def _register(self, form: dict[str, Any], allow_duplicate: bool) -> Any:
        self.errors, self.error, self.candidates = {}, "", []
        values = {k: str(form.get(k, "")).strip() for k in REGISTER_FIELDS}
        phone = values.pop("phone")
        body: dict[str, Any] = {k: v for k, v in values.items() if v}
        if phone:
            body["phones"] = [{"kind": "mobile", "number": phone}]
        try:
            data = PatientCreate(**body, allow_duplicate=allow_duplicate)
        except ValidationError as error:
            self.errors = _field_errors(error)
            return None
        self._pending = form
        auth = await self.get_state(AuthState)
        try:
            patient = await auth.call(lambda c: c.register_patient(data))
        except ApiError as error:
            self.error = error.detail
            self.errors = {
                e["field"].split(".")[0]: e["message"] for e in error.problem.get("errors", [])
            }
            self.candidates = [
                {
                    "id": c["id"],
                    "label": f"{c['family_name']}, {c['given_name']} · "
                    f"{c['birth_date']} · {c['mrn']}",
                }
                for c in error.problem.get("candidates", [])
            ]
            return None
        self._pending = {}
        return rx.redirect(f"/patients/{patient.id}")

    @rx.var
    def today(self) -> str:
        return date.today().isoformat()
