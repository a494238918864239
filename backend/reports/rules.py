"""Pure decisions behind the reports: whose rows a caller sees, and which instants a range
of clinic-local dates covers."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.enums import Role

# Roles that see every row of a report; everyone else allowed on it sees only their own.
SEES_ALL_CLINICAL = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.COORDINATOR})
SEES_ALL_BILLING = SEES_ALL_CLINICAL | {Role.BILLER}
# Reviews and administrations due within this many days count as due soon.
DUE_SOON_DAYS = 7
IMPROVED_BY = 5  # points of PHQ-9 / GAD-7 drop that count as improvement
OUTCOME_INSTRUMENTS = ("phq9", "gad7")


class OthersRows(Exception):
    """A caller who sees only their own rows asked for another clinician's."""


def clinician_scope(
    roles: frozenset[Role],
    user_id: uuid.UUID,
    requested: uuid.UUID | None,
    sees_all: frozenset[Role],
) -> uuid.UUID | None:
    """The clinician whose rows the report shows (None: everyone's). Callers with a role
    in ``sees_all`` get what they asked for; others always get themselves."""
    if roles & sees_all:
        return requested
    if requested is not None and requested != user_id:
        raise OthersRows
    return user_id


def day_bounds(
    since: date | None, until: date | None, zone: str
) -> tuple[datetime | None, datetime | None]:
    """``[since 00:00, the day after until 00:00)`` in the clinic's zone, so a session at
    23:30 local on ``until`` is inside whatever the UTC date."""
    tz = ZoneInfo(zone)
    start = datetime.combine(since, time.min, tzinfo=tz) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz) if until else None
    return start, end
