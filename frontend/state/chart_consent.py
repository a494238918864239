"""The chart's Part 2 card: consents (with a Revoke per recipient), a compact form to
record one, a disclosure form that downloads the PDF or shows why it was refused, and
the accounting of disclosures. The API enforces every rule; this only shows them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError, EmrClient
from shared.schemas.consent import (
    Category,
    ConsentCreate,
    ConsentRead,
    DisclosureRead,
    DisclosureRequest,
)

CATEGORIES = [c.value for c in Category]
PURPOSES = ["tpo", "treatment", "payment", "health_care_operations", "other"]
DISCLOSURE_PURPOSES = PURPOSES[1:]
EXCEPTIONS = ["", "medical_emergency", "audit", "research"]
STAFF_ROLES = {"clinician", "supervisor"}
REVOCATION = (
    "You may revoke this consent at any time, in writing or orally, at the front desk; "
    "revocation does not undo disclosures already made."
)
CONSENT_FORM_ID = "consent-form"


def _text(form: dict[str, Any], key: str) -> str:
    return str(form.get(key) or "").strip()


def _checked(form: dict[str, Any], prefix: str, values: list[str]) -> list[str]:
    return [v for v in values if form.get(f"{prefix}{v}")]


def consent_from(form: dict[str, Any]) -> ConsentCreate:
    """Recipients are typed one per line (or separated by ";")."""
    names = [n.strip() for n in _text(form, "recipients").replace(";", "\n").splitlines()]
    general = bool(form.get("general_designation"))
    return ConsentCreate.model_validate(
        {
            **{
                k: _text(form, k)
                for k in (
                    "discloser",
                    "purpose_text",
                    "information",
                    "expires_event",
                    "revocation_text",
                    "signed_by",
                )
            },
            "recipients": [{"name": n, "general_designation": general} for n in names if n],
            "purposes": [_text(form, "purpose")] if _text(form, "purpose") else [],
            "categories": _checked(form, "category_", CATEGORIES),
            "expires_on": _text(form, "expires_on") or None,
            "signed_on": _text(form, "signed_on") or None,
        }
    )


def _consent(c: ConsentRead) -> dict[str, Any]:
    expiry = " or ".join(
        p
        for p in (
            f"{c.expires_on:%d %b %Y}" if c.expires_on else "",
            c.expires_event,
        )
        if p
    )
    return {
        "id": str(c.id),
        "status": c.status,
        "title": f"{', '.join(c.purposes)} · {', '.join(c.categories)}",
        "expiry": f"Expires {expiry}",
        "signed": f"Signed by {c.signed_by} on {c.signed_on:%d %b %Y}",
        "recipients": [
            {
                "consent_id": str(c.id),
                "id": str(r.id),
                "name": r.name + (" (designation)" if r.general_designation else ""),
                "revoked": "revoked" if r.revoked_at else "",
            }
            for r in c.recipients
        ],
    }


def _disclosure(d: DisclosureRead, zone: ZoneInfo) -> dict[str, str]:
    basis = f"consent {str(d.consent_id)[:8]}" if d.consent_id else f"exception: {d.exception}"
    return {
        "id": str(d.id),
        "line": f"{d.disclosed_at.astimezone(zone):%d %b %Y %H:%M} · {d.recipient} · "
        f"{d.purpose} · {', '.join(d.categories)} · {basis} · by {d.disclosed_by_name}",
    }


@clear_on_sign_out
class ChartConsentState(rx.State):
    patient_id: str = ""
    consents: list[dict[str, Any]] = []
    disclosures: list[dict[str, str]] = []
    error: str = ""
    refused: str = ""
    notice: str = ""
    hidden: bool = False

    @rx.event
    async def load(self) -> None:
        self.patient_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error = self.refused = self.notice = ""
        auth = await self.get_state(AuthState)
        self.hidden = not STAFF_ROLES & set(auth.roles)
        if not self.hidden:
            await self._refresh()

    async def _refresh(self) -> None:
        auth = await self.get_state(AuthState)
        zone = ZoneInfo(get_settings().timezone)
        try:
            consents = await auth.call(lambda c: c.consents(self.patient_id))
            disclosures = await auth.call(lambda c: c.disclosures(self.patient_id))
        except ApiError as error:
            self.consents, self.disclosures = [], []
            self.hidden = error.status == 403
            self.error = "" if self.hidden else error.detail
            return
        self.consents = [_consent(c) for c in consents]
        self.disclosures = [_disclosure(d, zone) for d in disclosures]

    async def _run(self, action: Callable[[EmrClient], Awaitable[Any]]) -> bool:
        self.error = self.refused = self.notice = ""
        auth = await self.get_state(AuthState)
        try:
            await auth.call(action)
        except ApiError as error:
            self.error = error.detail
            return False
        await self._refresh()
        return True

    @rx.event
    async def record_consent(self, form: dict[str, Any]) -> Any:
        try:
            data = consent_from(form)
        except ValidationError as error:
            self.error = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
            return None
        if await self._run(lambda c: c.record_consent(self.patient_id, data)):
            self.notice = "Consent recorded."
            return rx.call_script(f"document.getElementById('{CONSENT_FORM_ID}').reset()")
        return None

    @rx.event
    async def revoke_recipient(self, consent_id: str, recipient_id: str) -> None:
        await self._run(lambda c: c.revoke_consent_recipient(consent_id, recipient_id))

    @rx.event
    async def revoke(self, consent_id: str) -> None:
        await self._run(lambda c: c.revoke_consent(consent_id))

    @rx.event
    async def print_consent(self, consent_id: str) -> Any:
        auth = await self.get_state(AuthState)
        try:
            pdf = await auth.call(lambda c: c.consent_pdf(consent_id))
        except ApiError as error:
            self.error = error.detail
            return None
        return rx.download(data=pdf, filename=f"consent-{consent_id[:8]}.pdf")

    @rx.event
    async def disclose(self, form: dict[str, Any]) -> Any:
        self.error = self.refused = self.notice = ""
        try:
            data = DisclosureRequest.model_validate(
                {
                    "recipient": _text(form, "recipient"),
                    "purpose": _text(form, "purpose") or "treatment",
                    "categories": _checked(form, "disclose_", CATEGORIES),
                    "exception": _text(form, "exception") or None,
                    "exception_detail": _text(form, "exception_detail"),
                }
            )
        except ValidationError as error:
            self.refused = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
            return None
        auth = await self.get_state(AuthState)
        try:
            disclosure_id, pdf = await auth.call(lambda c: c.disclose(self.patient_id, data))
        except ApiError as error:
            self.refused = error.detail
            return None
        self.notice = "Disclosure recorded."
        await self._refresh()
        return rx.download(data=pdf, filename=f"disclosure-{disclosure_id[:8]}.pdf")
