"""The reports page: pick a report, narrow it, read it as a table (ids left out), download
it as CSV (ids kept). The API decides whose rows come back (clinicians: their own), so the
page only hides the filters a role cannot use."""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError, EmrClient
from shared.schemas.reports import ROWS, AttendanceBy, ReportName

LABELS = {
    ReportName.ATTENDANCE: "Attendance",
    ReportName.CENSUS: "Census by level of care",
    ReportName.UNSIGNED_NOTES: "Unsigned and late notes",
    ReportName.PLANS_DUE: "Plan reviews due",
    ReportName.ASSESSMENTS_DUE: "Assessments due",
    ReportName.OUTCOMES: "Outcomes (PHQ-9, GAD-7)",
    ReportName.BILLABLE_UNITS: "Billable units",
    ReportName.CHARGES_BY_STATUS: "Charges by status",
}
BILLING = (ReportName.BILLABLE_UNITS, ReportName.CHARGES_BY_STATUS)
CLINICAL = {"admin", "supervisor", "coordinator", "clinician", "facilitator"}
SEE_EVERYONE = {"admin", "supervisor", "coordinator", "biller"}
FILTERS = ("program_id", "group_id", "clinician_id", "since", "until", "by")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


@clear_on_sign_out
class ReportsState(rx.State):
    reports: list[dict[str, str]] = []
    report: str = ReportName.ATTENDANCE.value
    program_id: str = ""
    group_id: str = ""
    clinician_id: str = ""
    since: str = ""
    until: str = ""
    by: str = AttendanceBy.GROUP.value
    sees_everyone: bool = False
    programs: list[dict[str, str]] = []
    groups: list[dict[str, str]] = []
    staff: list[dict[str, str]] = []
    columns: list[str] = []
    rows: list[list[str]] = []
    error: str = ""

    @rx.event
    async def load(self) -> None:
        """The reports this user may run, and the choices for the filters."""
        auth = await self.get_state(AuthState)
        if not auth.username:
            return
        roles = set(auth.roles)
        clinical = bool(roles & CLINICAL)
        names = [n for n in ReportName if clinical or (n in BILLING and "biller" in roles)]
        self.reports = [{"id": n.value, "name": LABELS[n]} for n in names]
        if not names:
            self.error = "None of your roles has reports."
            return
        if self.report not in {n.value for n in names}:
            self.report = names[0].value
        self.sees_everyone = bool(roles & SEE_EVERYONE)
        self.program_id = self.group_id = self.clinician_id = self.since = self.until = ""
        self.by = AttendanceBy.GROUP.value
        try:
            programs = await auth.call(lambda c: c.programs())
            staff = await auth.call(lambda c: c.staff())
            groups = await auth.call(lambda c: c.groups()) if clinical else []
        except ApiError as error:
            self.error = error.detail
            return
        self.programs = [{"id": str(p.id), "name": p.name} for p in programs]
        self.groups = [{"id": str(g.id), "name": g.name} for g in groups]
        self.staff = [{"id": str(s.id), "name": s.full_name or s.username} for s in staff]
        await self._run(auth)

    @rx.event
    async def pick(self, name: str) -> None:
        self.report = name
        await self._run(await self.get_state(AuthState))

    @rx.event
    async def apply(self, form: dict[str, Any]) -> None:
        for key in FILTERS:
            if key in form:
                setattr(self, key, str(form[key] or "").strip())
        await self._run(await self.get_state(AuthState))

    def _filters(self) -> dict[str, Any]:
        filters: dict[str, Any] = {
            "program_id": self.program_id,
            "group_id": self.group_id,
            "clinician_id": self.clinician_id if self.sees_everyone else "",
            "from": self.since,
            "to": self.until,
        }
        if self.report == ReportName.ATTENDANCE.value:
            filters["by"] = self.by
        return filters

    async def _run(self, auth: AuthState) -> None:
        name = ReportName(self.report)
        model = ROWS[name]

        async def fetch(client: EmrClient) -> list[Any]:
            return await client.report(name, model, **self._filters())

        self.error = ""
        try:
            found = await auth.call(fetch)
        except ApiError as error:
            self.error, self.columns, self.rows = error.detail, [], []
            return
        self.columns = [c for c in model.model_fields if c != "id" and not c.endswith("_id")]
        self.rows = [[_cell(getattr(row, c)) for c in self.columns] for row in found]

    @rx.event
    async def download_csv(self) -> Any:
        auth = await self.get_state(AuthState)
        name = ReportName(self.report)
        try:
            text = await auth.call(lambda c: c.report_csv(name, **self._filters()))
        except ApiError as error:
            self.error = error.detail
            return None
        return rx.download(data=text, filename=f"{name.value}.csv")
