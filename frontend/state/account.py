"""My account: change password, enrol in MFA (QR code), see recovery codes once."""

from __future__ import annotations

import base64
from typing import Any

import reflex as rx

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError


@clear_on_sign_out
class AccountState(rx.State):
    message: str = ""
    error: str = ""
    qr_data_uri: str = ""
    secret: str = ""
    recovery_codes: list[str] = []

    @rx.event
    async def change_password(self, form: dict[str, Any]) -> None:
        self.message, self.error = "", ""
        if form.get("new_password") != form.get("confirm_password"):
            self.error = "The new passwords do not match."
            return
        auth = await self.get_state(AuthState)
        try:
            await auth.call(
                lambda c: c.change_password(
                    str(form["current_password"]), str(form["new_password"])
                )
            )
        except ApiError as error:
            self.error = error.detail
            return
        self.message = "Password changed. Sign in again with the new password."
        await auth.sign_out()

    @rx.event
    async def start_mfa(self) -> None:
        self.message, self.error = "", ""
        auth = await self.get_state(AuthState)
        try:
            enrolment = await auth.call(lambda c: c.mfa_enroll())
        except ApiError as error:
            self.error = error.detail
            return
        self.secret = enrolment.secret
        encoded = base64.b64encode(enrolment.qr_svg.encode()).decode()
        self.qr_data_uri = f"data:image/svg+xml;base64,{encoded}"

    @rx.event
    async def confirm_mfa(self, form: dict[str, Any]) -> None:
        self.error = ""
        auth = await self.get_state(AuthState)
        try:
            codes = await auth.call(lambda c: c.mfa_confirm(str(form.get("otp", ""))))
        except ApiError as error:
            self.error = error.detail
            return
        self.recovery_codes = codes.recovery_codes
        self.qr_data_uri, self.secret = "", ""
        self.message = (
            "Multi-factor authentication is on. Store these recovery codes somewhere safe: "
            "they are shown only once. Sign in again to continue."
        )
        auth.mfa_enabled, auth.mfa_enrolment_required = True, False
