"""Report rows: one model per report, flat, so each row is also one CSV line (the columns
are the fields, in order). Definitions of every number: docs/reports.md."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel


class ReportName(StrEnum):
    """The reports, as named in their paths (``/api/v1/reports/<name>`` and ``<name>.csv``)."""

    ATTENDANCE = "attendance"
    CENSUS = "census"
    UNSIGNED_NOTES = "unsigned-notes"
    PLANS_DUE = "plans-due"
    ASSESSMENTS_DUE = "assessments-due"
    OUTCOMES = "outcomes"
    BILLABLE_UNITS = "billable-units"
    CHARGES_BY_STATUS = "charges-by-status"


class AttendanceBy(StrEnum):
    GROUP = "group"
    CLIENT = "client"


class AttendanceRow(BaseModel):
    """Attendance of one group or one client (``by``). ``expected`` counts every mark but
    ``excused``; ``rate`` = attended (present, late, left early) / expected."""

    by: AttendanceBy
    id: uuid.UUID
    name: str
    sessions: int
    expected: int
    attended: int
    no_shows: int
    excused: int
    rate: float | None


class CensusRow(BaseModel):
    level_of_care: str
    clients: int


class UnsignedNotesRow(BaseModel):
    """One staff member's notes of one kind (``group`` or ``individual``): drafts, drafts
    already past the late-entry window, and notes signed as late entries."""

    staff_id: uuid.UUID
    staff_name: str
    kind: str
    unsigned: int
    overdue: int
    late: int


class PlansDueRow(BaseModel):
    """Active plans whose review is due within 7 days (``due_soon``) or has passed
    (``overdue``), by care-team member (None: the client has no care team)."""

    clinician_id: uuid.UUID | None
    clinician_name: str
    due_soon: int
    overdue: int


class AssessmentsDueRow(BaseModel):
    clinician_id: uuid.UUID | None
    clinician_name: str
    instrument: str
    due_soon: int
    overdue: int


class OutcomeRow(BaseModel):
    """Change from each client's first score to their latest (negative: fewer symptoms),
    over clients with at least two administrations, by program."""

    program_id: uuid.UUID | None
    program_name: str
    instrument: str
    clients_measured: int
    mean_change: float | None
    improved: int
    share_improved: float | None


class BillableUnitsRow(BaseModel):
    clinician_id: uuid.UUID | None
    clinician_name: str
    code: str
    charges: int
    units: int
    amount: Decimal


class ChargeStatusRow(BaseModel):
    status: str
    charges: int
    amount: Decimal


ReportRow = TypeVar("ReportRow", bound=BaseModel)
ROWS: dict[ReportName, type[BaseModel]] = {
    ReportName.ATTENDANCE: AttendanceRow,
    ReportName.CENSUS: CensusRow,
    ReportName.UNSIGNED_NOTES: UnsignedNotesRow,
    ReportName.PLANS_DUE: PlansDueRow,
    ReportName.ASSESSMENTS_DUE: AssessmentsDueRow,
    ReportName.OUTCOMES: OutcomeRow,
    ReportName.BILLABLE_UNITS: BillableUnitsRow,
    ReportName.CHARGES_BY_STATUS: ChargeStatusRow,
}
