"""Reports over HTTP: each report as JSON rows and as CSV (the same rows, a line each).

Who sees whose rows is declared on the route: ``report_policy`` names the roles allowed and
those that see everyone's rows; the others allowed see their own (``clinician_id`` is
forced to themselves). Every call, JSON or CSV, is audited with its filters, on the primary;
the query itself reads through ``reads``: the replica when EMR_REPORTS_DATABASE_URL is set."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import record_reads
from backend.audit.service import record
from backend.config import Settings
from backend.db.base import utcnow
from backend.db.session import provide_report_session
from backend.lib.auth import Principal, request_actor
from backend.lib.csv_cells import SafeWriter
from backend.lib.policy import allow
from backend.lib.problems import Problem
from backend.reports import queries, rules
from backend.reports.filters import ReportFilter
from shared.enums import Role
from shared.schemas.reports import (
    AssessmentsDueRow,
    AttendanceBy,
    AttendanceRow,
    BillableUnitsRow,
    CensusRow,
    ChargeStatusRow,
    OutcomeRow,
    PlansDueRow,
    ReportName,
    UnsignedNotesRow,
)

AnyRequest = Request[Principal, Any, State]
SEES_ALL = "sees_all"
VIEWERS = (Role.ADMIN, Role.SUPERVISOR, Role.COORDINATOR, Role.CLINICIAN, Role.FACILITATOR)
# A spreadsheet runs a cell starting with one of these as a formula.


def report_policy(roles: Sequence[Role], sees_all: frozenset[Role]) -> dict[str, Any]:
    return allow(*roles) | {SEES_ALL: sees_all}


CLINICAL = report_policy(VIEWERS, rules.SEES_ALL_CLINICAL)
BILLING = report_policy((*VIEWERS, Role.BILLER), rules.SEES_ALL_BILLING)


def provide_filter(
    request: AnyRequest,
    settings: Settings,
    program_id: uuid.UUID | None = None,
    group_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = Parameter(
        default=None, description="A staff user; clinicians and facilitators get their own"
    ),
    from_: date | None = Parameter(default=None, query="from", description="First day"),
    to: date | None = Parameter(default=None, description="Last day (as-of day: default today)"),
) -> ReportFilter:
    """The filters every report shares, with ``clinician_id`` scoped to the caller."""
    if from_ is not None and to is not None and from_ > to:
        raise Problem(
            422, "from: after to.", errors=[{"field": "from", "message": "must not be after to"}]
        )
    principal = request.user
    try:
        clinician = rules.clinician_scope(
            principal.roles, principal.user_id, clinician_id, request.route_handler.opt[SEES_ALL]
        )
    except rules.OthersRows as exc:
        raise Problem(
            403, "You see your own rows only: leave clinician_id out or give your own id."
        ) from exc
    return ReportFilter(
        today=datetime.now(ZoneInfo(settings.timezone)).date(),
        zone=settings.timezone,
        program_id=program_id,
        group_id=group_id,
        clinician_id=clinician,
        since=from_,
        until=to,
    )


async def _audit(
    request: AnyRequest,
    db_session: AsyncSession,
    name: ReportName,
    where: ReportFilter,
    **extra: str,
) -> None:
    detail = where.detail() | extra
    await record(db_session, request_actor(request), "report", name.value, detail=detail)


async def _attendance(
    request: AnyRequest,
    db_session: AsyncSession,
    reads: AsyncSession,
    where: ReportFilter,
    by: AttendanceBy,
) -> list[AttendanceRow]:
    """By client, the report names each client: a read of each one."""
    rows = await queries.attendance(reads, where, by)
    if by is AttendanceBy.CLIENT:
        ids = (r.id for r in rows)
        await record_reads(db_session, request_actor(request), request.user, "attendance", ids)
    return rows


def _late_after(settings: Settings) -> timedelta:
    return timedelta(hours=settings.late_entry_hours)


def _csv(name: ReportName, model: type[BaseModel], rows: Sequence[BaseModel]) -> Response[str]:
    """The rows as CSV: a header of the row model's fields, then a line per row."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(list(model.model_fields))
    writer.writerows(row.model_dump().values() for row in rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name.value}.csv"'},
    )


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    dependencies = {
        "where": Provide(provide_filter, sync_to_thread=False),
        "reads": Provide(provide_report_session),
    }

    @get("/attendance", opt=CLINICAL, summary="Attendance rate and no-shows by group or client")
    async def attendance(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
        by: AttendanceBy = AttendanceBy.GROUP,
    ) -> list[AttendanceRow]:
        await _audit(request, db_session, ReportName.ATTENDANCE, where, by=by.value)
        return await _attendance(request, db_session, reads, where, by)

    @get("/attendance.csv", opt=CLINICAL, summary="Attendance as CSV", media_type="text/csv")
    async def attendance_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
        by: AttendanceBy = AttendanceBy.GROUP,
    ) -> Response[str]:
        await _audit(request, db_session, ReportName.ATTENDANCE, where, by=by.value, format="csv")
        rows = await _attendance(request, db_session, reads, where, by)
        return _csv(ReportName.ATTENDANCE, AttendanceRow, rows)

    @get("/census", opt=CLINICAL, summary="Clients in treatment on a day, by level of care")
    async def census(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> list[CensusRow]:
        await _audit(request, db_session, ReportName.CENSUS, where)
        return await queries.census(reads, where)

    @get("/census.csv", opt=CLINICAL, summary="Census as CSV", media_type="text/csv")
    async def census_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> Response[str]:
        await _audit(request, db_session, ReportName.CENSUS, where, format="csv")
        rows = await queries.census(reads, where)
        return _csv(ReportName.CENSUS, CensusRow, rows)

    @get("/unsigned-notes", opt=CLINICAL, summary="Unsigned and late notes by staff")
    async def unsigned_notes(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
        settings: Settings,
    ) -> list[UnsignedNotesRow]:
        await _audit(request, db_session, ReportName.UNSIGNED_NOTES, where)
        return await queries.unsigned_notes(reads, where, utcnow(), _late_after(settings))

    @get(
        "/unsigned-notes.csv", opt=CLINICAL, summary="Unsigned notes as CSV", media_type="text/csv"
    )
    async def unsigned_notes_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
        settings: Settings,
    ) -> Response[str]:
        await _audit(request, db_session, ReportName.UNSIGNED_NOTES, where, format="csv")
        rows = await queries.unsigned_notes(reads, where, utcnow(), _late_after(settings))
        return _csv(ReportName.UNSIGNED_NOTES, UnsignedNotesRow, rows)

    @get("/plans-due", opt=CLINICAL, summary="Plan reviews due within 7 days or overdue")
    async def plans_due(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> list[PlansDueRow]:
        await _audit(request, db_session, ReportName.PLANS_DUE, where)
        return await queries.plans_due(reads, where)

    @get("/plans-due.csv", opt=CLINICAL, summary="Plans due as CSV", media_type="text/csv")
    async def plans_due_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> Response[str]:
        await _audit(request, db_session, ReportName.PLANS_DUE, where, format="csv")
        rows = await queries.plans_due(reads, where)
        return _csv(ReportName.PLANS_DUE, PlansDueRow, rows)

    @get("/assessments-due", opt=CLINICAL, summary="Scheduled assessments due or overdue")
    async def assessments_due(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> list[AssessmentsDueRow]:
        await _audit(request, db_session, ReportName.ASSESSMENTS_DUE, where)
        return await queries.assessments_due(reads, where)

    @get(
        "/assessments-due.csv",
        opt=CLINICAL,
        summary="Assessments due as CSV",
        media_type="text/csv",
    )
    async def assessments_due_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> Response[str]:
        await _audit(request, db_session, ReportName.ASSESSMENTS_DUE, where, format="csv")
        rows = await queries.assessments_due(reads, where)
        return _csv(ReportName.ASSESSMENTS_DUE, AssessmentsDueRow, rows)

    @get("/outcomes", opt=CLINICAL, summary="PHQ-9 and GAD-7 change from baseline, by program")
    async def outcomes(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> list[OutcomeRow]:
        await _audit(request, db_session, ReportName.OUTCOMES, where)
        return await queries.outcomes(reads, where)

    @get("/outcomes.csv", opt=CLINICAL, summary="Outcomes as CSV", media_type="text/csv")
    async def outcomes_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> Response[str]:
        await _audit(request, db_session, ReportName.OUTCOMES, where, format="csv")
        rows = await queries.outcomes(reads, where)
        return _csv(ReportName.OUTCOMES, OutcomeRow, rows)

    @get("/billable-units", opt=BILLING, summary="Units and amount by clinician and code")
    async def billable_units(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> list[BillableUnitsRow]:
        await _audit(request, db_session, ReportName.BILLABLE_UNITS, where)
        return await queries.billable_units(reads, where)

    @get("/billable-units.csv", opt=BILLING, summary="Billable units as CSV", media_type="text/csv")
    async def billable_units_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> Response[str]:
        await _audit(request, db_session, ReportName.BILLABLE_UNITS, where, format="csv")
        rows = await queries.billable_units(reads, where)
        return _csv(ReportName.BILLABLE_UNITS, BillableUnitsRow, rows)

    @get("/charges-by-status", opt=BILLING, summary="Charge count and amount by status")
    async def charges_by_status(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> list[ChargeStatusRow]:
        await _audit(request, db_session, ReportName.CHARGES_BY_STATUS, where)
        return await queries.charges_by_status(reads, where)

    @get(
        "/charges-by-status.csv",
        opt=BILLING,
        summary="Charges by status as CSV",
        media_type="text/csv",
    )
    async def charges_by_status_csv(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        reads: AsyncSession,
        where: ReportFilter,
    ) -> Response[str]:
        await _audit(request, db_session, ReportName.CHARGES_BY_STATUS, where, format="csv")
        rows = await queries.charges_by_status(reads, where)
        return _csv(ReportName.CHARGES_BY_STATUS, ChargeStatusRow, rows)
