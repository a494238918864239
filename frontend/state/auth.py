"""The signed-in user. Tokens live only in backend-only vars (``_access``, ``_refresh``):
they never reach the browser. Logout clears every page state, so nothing about the
user or their patients outlives the session in memory or in the browser."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import reflex as rx

from frontend.api import api_client
from frontend.state.health import HealthState
from shared.client import ApiError, EmrClient

T = TypeVar("T")
WARNING_SECONDS = 60


class AuthState(rx.State):
    username: str = ""
    user_id: str = ""
    full_name: str = ""
    roles: list[str] = []
    mfa_enabled: bool = False
    mfa_enrolment_required: bool = False
    idle_timeout_minutes: int = 15
    need_otp: bool = False
    error: str = ""
    busy: bool = False
    idle_warning: bool = False
    # Hand-off: the tablet is with a client, locked to this questionnaire until unlocked.
    handoff_patient_id: str = ""
    handoff_instrument: str = ""
    unlock_error: str = ""
    unlock_needs_otp: bool = False
    _access: str = ""
    _refresh: str = ""
    _last_activity: float = 0.0

    @rx.var
    def signed_in(self) -> bool:
        return bool(self.username)

    @rx.var
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @rx.var
    def can_schedule(self) -> bool:
        return bool({"coordinator", "admin"} & set(self.roles))

    @rx.var
    def can_write_notes(self) -> bool:
        return bool({"facilitator", "clinician", "supervisor"} & set(self.roles))

    @rx.var
    def is_biller(self) -> bool:
        return bool({"biller", "admin"} & set(self.roles))

    @rx.var
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles

    @rx.var
    def is_auditor(self) -> bool:
        return "auditor" in self.roles

    @rx.event
    async def sign_in(self, form: dict[str, Any]) -> Any:
        self.busy, self.error = True, ""
        yield
        try:
            async with self._api() as client:
                pair = await client.sign_in(
                    str(form.get("username", "")),
                    str(form.get("password", "")),
                    str(form.get("otp") or "") or None,
                )
                self._access, self._refresh = pair.access_token, pair.refresh_token
                client.use_token(pair.access_token)
                await self._load_me(client)
        except ApiError as error:
            self.need_otp = self.need_otp or bool(error.problem.get("mfa_required"))
            self.error = error.detail
            self.busy = False
            return
        self.busy, self.need_otp = False, False
        self._last_activity = time.time()
        yield rx.redirect("/account" if self.mfa_enrolment_required else "/")

    def _api(self, token: str | None = None) -> EmrClient:
        """The API client for this browser's requests. It names the browser's address (as
        a trusted proxy would), so the API's per-address sign-in limit and the audit trail
        see each browser rather than the UI server they all share."""
        return api_client(token, forwarded_for=self.router.session.client_ip or None)

    async def _load_me(self, client: EmrClient) -> None:
        me = await client.me()
        self.username, self.full_name, self.user_id = me.username, me.full_name, str(me.id)
        self.roles = [r.value for r in me.roles]
        self.mfa_enabled, self.mfa_enrolment_required = me.mfa_enabled, me.mfa_enrolment_required
        self.idle_timeout_minutes = me.idle_timeout_minutes

    async def call(
        self, action: Callable[[EmrClient], Awaitable[T]], *, during_handoff: bool = False
    ) -> T:
        """Run ``action`` with the user's token, refreshing it once if it expired. While the
        tablet is handed to a client only the questionnaire's own calls (``during_handoff``)
        run, so no page loads chart data behind the lock."""
        if self.handoff_patient_id and not during_handoff:
            raise ApiError(423, "Locked", "The tablet is with a client: unlock it first.")
        self._last_activity = time.time()
        self.idle_warning = False
        async with self._api(self._access) as client:
            try:
                return await action(client)
            except ApiError as error:
                if error.unavailable:  # the banner shows and probes until the API is back
                    (await self.get_state(HealthState)).reconnecting = True
                if error.status != 401 or not self._refresh:
                    raise
            pair = await client.refresh(self._refresh)
            self._access, self._refresh = pair.access_token, pair.refresh_token
            client.use_token(pair.access_token)
            return await action(client)

    @rx.event
    async def require_sign_in(self) -> Any:
        if not self.username:
            return rx.redirect("/login")
        locked = self._handoff_url()
        if locked and str(self.router.url.path).rstrip("/") != locked:
            return rx.redirect(locked)
        return None

    def _handoff_url(self) -> str:
        return f"/questionnaire/{self.handoff_patient_id}" if self.handoff_patient_id else ""

    async def hand_off(self, patient_id: str, instrument: str) -> None:
        """Lock the tablet to one questionnaire for the client. Every page state is cleared
        first, so no chart data stays in the browser while the client holds it."""
        await self._clear_pages()
        self.handoff_patient_id, self.handoff_instrument = patient_id, instrument
        self.unlock_error, self.unlock_needs_otp = "", False

    @rx.event
    async def unlock(self, form: dict[str, Any]) -> Any:
        """The clinician takes the tablet back with their password (and code, with MFA):
        the new sign-in replaces the old session, then the chart opens again."""
        if not self.handoff_patient_id:
            return None
        try:
            async with self._api() as client:
                pair = await client.sign_in(
                    self.username,
                    str(form.get("password", "")),
                    str(form.get("otp") or "") or None,
                )
        except ApiError as error:
            self.unlock_needs_otp = self.unlock_needs_otp or bool(error.problem.get("mfa_required"))
            self.unlock_error = f"{error.detail} The tablet stays locked."
            return None
        previous = self._access
        self._access, self._refresh = pair.access_token, pair.refresh_token
        self._last_activity = time.time()
        chart = f"/patients/{self.handoff_patient_id}"
        self.handoff_patient_id = self.handoff_instrument = self.unlock_error = ""
        self.unlock_needs_otp = False
        await self._clear_pages()
        try:
            async with self._api(previous) as client:
                await client.sign_out()
        except ApiError:
            pass  # that session may have timed out already
        return rx.redirect(chart)

    async def _clear_pages(self) -> None:
        for state in _CLEARED_ON_SIGN_OUT:
            (await self.get_state(state)).reset()

    @rx.event
    async def tick(self, _value: Any = None) -> Any:
        """Every 15 s: warn a minute before the idle limit, sign out at it."""
        if not self.username:
            return None
        idle = time.time() - self._last_activity
        limit = self.idle_timeout_minutes * 60
        if idle >= limit:
            return await self.sign_out()
        self.idle_warning = idle >= limit - WARNING_SECONDS
        return None

    @rx.event
    async def stay_signed_in(self) -> None:
        try:
            await self.call(lambda client: client.me())
        except ApiError:
            await self.sign_out()

    @rx.event
    async def sign_out(self) -> Any:
        if self._access:
            try:
                async with self._api(self._access) as client:
                    await client.sign_out()
            except ApiError:
                pass  # the session may already be over; clear locally regardless
        await self._clear_pages()
        self.reset()
        return rx.redirect("/login")


_CLEARED_ON_SIGN_OUT: list[type[rx.State]] = []


def clear_on_sign_out(state: type[rx.State]) -> type[rx.State]:
    """Register a page state holding user or patient data to be reset at sign-out."""
    _CLEARED_ON_SIGN_OUT.append(state)
    return state
