"""The biller's charge review queue: approve, hold with a reason, correct (If-Match),
export CSV, build an 837P batch for a payer."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.billing import ChargeCorrection, ChargeRead


def _row(c: ChargeRead) -> dict[str, str]:
    return {
        "id": str(c.id),
        "date": c.service_date.isoformat(),
        "client": c.patient_name,
        "code": c.code + (f"-{'-'.join(c.modifiers)}" if c.modifiers else ""),
        "units": str(c.units),
        "minutes": "" if c.minutes is None else str(c.minutes),
        "fee": f"{c.fee:.2f}",
        "dx": ", ".join(c.diagnosis_codes),
        "status": c.status,
        "why": c.hold_reason or c.explanation,
        "version": str(c.version),
    }


@clear_on_sign_out
class BillingState(rx.State):
    status: str = "pending"
    rows: list[dict[str, str]] = []
    payers: list[dict[str, str]] = []
    message: str = ""
    error: str = ""

    @rx.event
    async def load(self) -> None:
        auth = await self.get_state(AuthState)
        self.error = ""
        try:
            found = await auth.call(lambda c: c.charges(status=self.status or None))
            payers = await auth.call(lambda c: c.payers())
        except ApiError as error:
            self.error = error.detail
            return
        self.rows = [_row(c) for c in found]
        self.payers = [{"id": str(p.id), "name": p.name} for p in payers]

    @rx.event
    async def filter(self, status: str) -> None:
        self.status = status
        await self.load()

    async def _act(self, action: Any, done: str) -> None:
        auth = await self.get_state(AuthState)
        self.error, self.message = "", ""
        try:
            await auth.call(action)
        except ApiError as error:
            self.error = error.detail
            return
        self.message = done
        await self.load()

    @rx.event
    async def approve(self, charge_id: str) -> None:
        await self._act(lambda c: c.charge_action(charge_id, "approve"), "Approved.")

    @rx.event
    async def hold(self, form: dict[str, Any]) -> None:
        charge_id, reason = str(form.get("charge_id", "")), str(form.get("reason", ""))
        await self._act(lambda c: c.charge_action(charge_id, "hold", reason), "Held.")

    @rx.event
    async def correct(self, form: dict[str, Any]) -> None:
        row = next((r for r in self.rows if r["id"] == form.get("charge_id")), None)
        if row is None:
            return
        try:
            data = ChargeCorrection(
                code=str(form.get("code") or "") or None,
                units=int(form["units"]) if form.get("units") else None,
                reason=str(form.get("reason", "")),
            )
        except (ValueError, ValidationError):
            self.error = "A correction needs a valid code or units, and a reason."
            return
        version = int(row["version"])
        await self._act(lambda c: c.correct_charge(row["id"], data, version), "Corrected.")

    @rx.event
    async def export_csv(self) -> Any:
        auth = await self.get_state(AuthState)
        try:
            text = await auth.call(lambda c: c.charges_csv(status=self.status))
        except ApiError as error:
            self.error = error.detail
            return None
        return rx.download(data=text, filename="charges.csv")

    @rx.event
    async def claim_batch(self, form: dict[str, Any]) -> Any:
        payer_id = str(form.get("payer_id", ""))
        auth = await self.get_state(AuthState)
        self.error, self.message = "", ""
        try:
            batch = await auth.call(lambda c: c.create_claim_batch(payer_id))
            text = await auth.call(lambda c: c.claim_batch_x12(str(batch.id)))
        except ApiError as error:
            self.error = error.detail
            return None
        self.message = f"Batch {batch.control_number}: {batch.claims} claim(s), {batch.total:.2f}."
        await self.load()
        return rx.download(data=text, filename=f"837p-{batch.control_number}.x12")
