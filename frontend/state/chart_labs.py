"""The labs part of a chart: results (flags as the API computed them), one analyte's trend,
the client's orders, and small forms to order a test and to enter a result."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.labs import (
    LabFlag,
    LabOrderCreate,
    LabOrderRead,
    LabResultCreate,
    LabResultRead,
    LabResultsCreate,
    LabTrend,
)

ORDERING_ROLES = {"clinician", "supervisor"}
BOUNDS = ("ref_low", "ref_high", "critical_low", "critical_high")
SPECIMENS = ["urine", "blood", "serum", "plasma", "saliva", "oral fluid"]
CRITICAL = {LabFlag.CRITICAL_LOW, LabFlag.CRITICAL_HIGH}


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _range(r: LabResultRead) -> str:
    low, high = _number(r.ref_low), _number(r.ref_high)
    if low and high:
        return f"{low}–{high}"
    if low or high:
        return f"≥ {low}" if low else f"≤ {high}"
    return f"cutoff {_number(r.cutoff)}" if r.cutoff is not None else ""


def _level(flag: LabFlag) -> str:
    return "critical" if flag in CRITICAL else "normal" if flag == LabFlag.NORMAL else "abnormal"


def _result(r: LabResultRead, zone: ZoneInfo) -> dict[str, str]:
    measured = f"{_number(r.value) or r.value_text} {r.unit}".strip()
    screen = f"confirmation {r.confirmation}" if r.confirmation else ""
    return {
        "id": str(r.id),
        "on": f"{r.resulted_at.astimezone(zone):%d %b %Y %H:%M}",
        "analyte": r.analyte,
        "value": r.qualitative if r.value is None and r.qualitative else measured,
        "range": _range(r),
        "flag": r.flag.value,
        "level": _level(r.flag),
        "note": screen,
    }


def _order(o: LabOrderRead, zone: ZoneInfo) -> dict[str, str]:
    return {
        "id": str(o.id),
        "name": f"{o.test_name} ({o.test_code}) · {o.ordered_at.astimezone(zone):%d %b}",
        "specimen": o.specimen + (" panel" if o.panel else ""),
        "status": o.status.value,
        "open": "yes" if o.status.value in ("ordered", "collected") else "",
    }


def _bound(form: dict[str, Any], key: str) -> float | None:
    text = str(form.get(key) or "").strip()
    return float(text) if text else None


@clear_on_sign_out
class ChartLabsState(rx.State):
    patient_id: str = ""
    results: list[dict[str, str]] = []
    orders: list[dict[str, str]] = []
    analytes: list[str] = []
    analyte: str = ""
    trend: list[dict[str, Any]] = []
    trend_unit: str = ""
    trend_low: float = 0.0
    trend_high: float = 0.0
    has_low: bool = False
    has_high: bool = False
    can_order: bool = False
    error: str = ""
    hidden: bool = False

    @rx.var
    def open_orders(self) -> list[dict[str, str]]:
        return [o for o in self.orders if o["open"]]

    @rx.event
    async def load(self) -> None:
        self.patient_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error, self.hidden, self.analyte = "", False, ""
        auth = await self.get_state(AuthState)
        self.can_order = bool(ORDERING_ROLES & set(auth.roles))
        await self._refresh()

    async def _refresh(self) -> None:
        auth = await self.get_state(AuthState)
        zone = ZoneInfo(get_settings().timezone)
        try:
            orders = await auth.call(lambda c: c.lab_orders(self.patient_id))
            results = await auth.call(lambda c: c.lab_results(self.patient_id))
        except ApiError as error:
            self.results, self.orders, self.trend = [], [], []
            self.hidden = error.status == 403
            self.error = "" if self.hidden else error.detail
            return
        self.orders = [_order(o, zone) for o in orders]
        self.results = [_result(r, zone) for r in results]
        self.analytes = list(dict.fromkeys(r.analyte for r in results if r.value is not None))
        if self.analyte not in self.analytes:
            self.analyte = self.analytes[0] if self.analytes else ""
        await self._load_trend()

    async def _load_trend(self) -> None:
        if not self.analyte:
            self.trend = []
            return
        auth = await self.get_state(AuthState)
        try:
            trend = await auth.call(lambda c: c.lab_trend(self.patient_id, self.analyte))
        except ApiError as error:
            self.error = error.detail
            return
        self._show_trend(trend, ZoneInfo(get_settings().timezone))

    def _show_trend(self, trend: LabTrend, zone: ZoneInfo) -> None:
        self.trend = [
            {
                "on": f"{p.resulted_at.astimezone(zone):%d %b %y}",
                "value": p.value,
                "flag": p.flag.value,
            }
            for p in trend.points
        ]
        self.trend_unit = trend.unit
        self.has_low, self.has_high = trend.ref_low is not None, trend.ref_high is not None
        self.trend_low, self.trend_high = trend.ref_low or 0.0, trend.ref_high or 0.0

    @rx.event
    async def pick_analyte(self, analyte: str) -> None:
        self.analyte = analyte
        await self._load_trend()

    @rx.event
    async def order_test(self, form: dict[str, Any]) -> None:
        self.error = ""
        try:
            data = LabOrderCreate(
                test_code=str(form.get("test_code", "")).strip(),
                test_name=str(form.get("test_name", "")).strip(),
                specimen=str(form.get("specimen", "")),
                panel=bool(form.get("panel")),
            )
        except ValidationError:
            self.error = "Give the test's code, its name and the specimen."
            return
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.order_lab(self.patient_id, data))
        except ApiError as error:
            self.error = error.detail
            return
        await self._refresh()

    @rx.event
    async def enter_result(self, form: dict[str, Any]) -> None:
        self.error = ""
        order_id = str(form.get("order_id") or "")
        try:
            result = LabResultCreate(
                analyte=str(form.get("analyte", "")).strip(),
                value=_bound(form, "value"),
                unit=str(form.get("unit") or ""),
                qualitative=str(form.get("qualitative") or "") or None,
                **{key: _bound(form, key) for key in BOUNDS},
            )
        except ValueError:  # pydantic's ValidationError included
            self.error = "Name the analyte; the value and bounds must be numbers."
            return
        if not order_id:
            self.error = "Choose the order these results belong to."
            return
        auth = await self.get_state(AuthState)
        try:
            await auth.call(
                lambda c: c.record_lab_results(order_id, LabResultsCreate(results=[result]))
            )
        except ApiError as error:
            self.error = error.detail
            return
        if result.value is not None:
            self.analyte = result.analyte
        await self._refresh()

    @rx.event
    async def order_action(self, order_id: str, action: str) -> None:
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.lab_order_action(order_id, action))
        except ApiError as error:
            self.error = error.detail
            return
        await self._refresh()
