"""User administration (admins) and the audit report (auditors)."""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx
from pydantic import ValidationError

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.enums import Role
from shared.schemas.accounts import UserCreate, UserUpdate

ROLE_NAMES = [r.value for r in Role]


@clear_on_sign_out
class UsersState(rx.State):
    users: list[dict[str, Any]] = []
    error: str = ""
    message: str = ""

    @rx.event
    async def load(self) -> None:
        auth = await self.get_state(AuthState)
        try:
            users = await auth.call(lambda c: c.users())
        except ApiError as error:
            self.error = error.detail
            return
        self.users = [
            {
                "id": str(u.id),
                "username": u.username,
                "full_name": u.full_name,
                "roles": ", ".join(u.roles),
                "disabled": u.disabled,
                "mfa": u.mfa_enabled,
                "version": u.version,
            }
            for u in users
        ]

    @rx.event
    async def create(self, form: dict[str, Any]) -> None:
        self.error, self.message = "", ""
        roles = [name for name in ROLE_NAMES if form.get(f"role_{name}")]
        try:
            data = UserCreate(
                username=str(form.get("username", "")).lower(),
                full_name=str(form.get("full_name", "")),
                password=str(form.get("password", "")),
                roles=[Role(r) for r in roles],
            )
        except ValidationError as error:
            self.error = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
            )
            return
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.create_user(data))
        except ApiError as error:
            self.error = error.detail
            return
        self.message = f"Created {data.username}."
        await self.load()

    @rx.event
    async def toggle_disabled(self, user_id: str, disabled: bool, version: int) -> None:
        auth = await self.get_state(AuthState)
        try:
            await auth.call(
                lambda c: c.update_user(
                    uuid.UUID(user_id), UserUpdate(disabled=not disabled), version
                )
            )
        except ApiError as error:
            self.error = error.detail
        await self.load()

    @rx.event
    async def save_roles(self, form: dict[str, Any]) -> None:
        """Roles as typed ("clinician, facilitator"); the API ends the user's sessions."""
        self.error, self.message = "", ""
        names = [r.strip().lower() for r in str(form.get("roles", "")).split(",") if r.strip()]
        unknown = [n for n in names if n not in ROLE_NAMES]
        if unknown or not names:
            self.error = f"Roles are any of: {', '.join(ROLE_NAMES)}."
            return
        data = UserUpdate(roles=[Role(n) for n in names])
        auth = await self.get_state(AuthState)
        try:
            await auth.call(
                lambda c: c.update_user(uuid.UUID(str(form["id"])), data, int(form["version"]))
            )
        except ApiError as error:
            self.error = error.detail
            return
        self.message = "Roles saved; that user signs in again."
        await self.load()


@clear_on_sign_out
class AuditState(rx.State):
    events: list[dict[str, Any]] = []
    total: int = 0
    error: str = ""
    user: str = ""
    action: str = ""
    patient_id: str = ""
    since: str = ""
    until: str = ""
    sort: str = "occurred_at"
    order: str = "desc"

    def _filters(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "action": self.action,
            "patient_id": self.patient_id,
            "since": self.since,
            "until": self.until,
        }

    @rx.event
    async def search(self, form: dict[str, Any] | None = None) -> None:
        if form is not None:
            for key in ("user", "action", "patient_id", "since", "until"):
                setattr(self, key, str(form.get(key, "")).strip())
        self.error = ""
        auth = await self.get_state(AuthState)
        try:
            page = await auth.call(
                lambda c: c.audit_events(
                    **self._filters(), sort=self.sort, order=self.order, limit=200
                )
            )
        except ApiError as error:
            self.error = error.detail
            return
        self.total = page.total
        self.events = [
            {
                "id": e.id,
                "when": e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                "user": e.actor_username or "—",
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id or "",
                "patient": str(e.patient_id or ""),
                "outcome": e.outcome,
                "ip": e.ip or "",
            }
            for e in page.items
        ]

    @rx.event
    async def sort_by(self, column: str) -> None:
        self.order = "asc" if self.sort == column and self.order == "desc" else "desc"
        self.sort = column
        await self.search()

    @rx.event
    async def download_csv(self) -> Any:
        auth = await self.get_state(AuthState)
        try:
            text = await auth.call(lambda c: c.audit_csv(**self._filters()))
        except ApiError as error:
            self.error = error.detail
            return None
        return rx.download(data=text, filename="audit-events.csv")
