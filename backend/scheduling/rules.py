"""Recurrence: RFC 5545 rules expanded into local wall-clock occurrences; and the minutes
an attendance status allows.

A series is defined in local time ("09:00 in America/New_York") and every occurrence is
built at that wall-clock time in that zone, so a 09:00 group stays at 09:00 across DST
changes while its UTC instant moves. Pure functions: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from backend.lib.bounds import date_problem

ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
SUB_DAILY = {"HOURLY", "MINUTELY", "SECONDLY"}
MAX_DURATION = timedelta(hours=24)
MAX_OCCURRENCES = 2000
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class RuleError(ValueError):
    """A problem with one input field, named so the API can say which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime  # aware, in the series' zone
    ends_at: datetime


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuleError("timezone", f"unknown IANA time zone {name!r}") from exc


def local_datetime(text: str, field: str) -> datetime:
    """A wall-clock time in the clinical calendar: a series near year 9999 would run off
    the end of Python's calendar while it is expanded or turned into UTC."""
    try:
        moment = datetime.strptime(text, LOCAL_FORMAT)
    except ValueError as exc:
        raise RuleError(field, f"expected local time as YYYY-MM-DDTHH:MM, got {text!r}") from exc
    problem = date_problem(moment)
    if problem is not None:
        raise RuleError(field, problem)
    return moment


def _rule_parts(text: str) -> dict[str, str]:
    body = text.strip().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for item in filter(None, body.split(";")):
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise RuleError("rrule", f"{item!r} is not NAME=VALUE")
        parts[key.upper()] = value.upper()
    return parts


def parse_rule(text: str, start: datetime) -> rrule:
    """Validate ``text`` (an RRULE value) against an aware ``start`` and build the rule."""
    parts = _rule_parts(text)
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleError("rrule", "FREQ is required (DAILY, WEEKLY or MONTHLY)")
    if freq in SUB_DAILY:
        raise RuleError("rrule", f"FREQ={freq} is finer than a day; sessions repeat daily at most")
    if freq not in ALLOWED_FREQUENCIES:
        raise RuleError("rrule", f"unknown FREQ={freq}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("rrule", "COUNT and UNTIL cannot both be given")
    until = parts.get("UNTIL")
    if until and not re.fullmatch(r"\d{8}(T\d{6}Z?)?", until):
        raise RuleError("rrule", f"UNTIL={until} is not a date or UTC date-time")
    body = ";".join(f"{k}={v}" for k, v in parts.items())
    if until and "T" not in until:
        body = body.replace(f"UNTIL={until}", f"UNTIL={until}T235959Z")
    elif until and not until.endswith("Z"):
        body = body.replace(f"UNTIL={until}", f"UNTIL={until}Z")
    try:
        rule = rrulestr(body, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise RuleError("rrule", f"not a valid RFC 5545 rule: {exc}") from exc
    assert isinstance(rule, rrule)
    if next(iter(rule), None) is None:
        raise RuleError("rrule", "the rule yields no session (is UNTIL before the start?)")
    return rule


def is_bounded(text: str) -> bool:
    parts = _rule_parts(text)
    return "COUNT" in parts or "UNTIL" in parts


def expand(
    rule_text: str,
    start_local: str,
    timezone: str,
    duration_minutes: int,
    *,
    exdates_local: Sequence[str] = (),
    rdates_local: Sequence[str] = (),
    until: datetime | None = None,
) -> list[Occurrence]:
    """Every occurrence, in order, at local wall-clock time.

    ``until`` (aware) caps open-ended rules; EXDATEs remove occurrences starting at that
    local time, RDATEs add ones. More than ``MAX_OCCURRENCES`` is refused.
    """
    tz = zone(timezone)
    if duration_minutes <= 0:
        raise RuleError("duration_minutes", "must be a positive number of minutes")
    duration = timedelta(minutes=duration_minutes)
    if duration > MAX_DURATION:
        raise RuleError("duration_minutes", "a session lasts 24 hours at most")
    start = local_datetime(start_local, "start_local").replace(tzinfo=tz)
    rule = parse_rule(rule_text, start)
    if not is_bounded(rule_text) and until is None:
        raise RuleError("rrule", "add COUNT or UNTIL, or give a horizon for open-ended series")
    excluded = {local_datetime(d, "exdates_local") for d in exdates_local}
    extra = [local_datetime(d, "rdates_local").replace(tzinfo=tz) for d in rdates_local]
    starts: set[datetime] = set()
    for moment in rule:
        if until is not None and moment > until:
            break
        if len(starts) >= MAX_OCCURRENCES:
            raise RuleError("rrule", f"more than {MAX_OCCURRENCES} sessions; shorten the series")
        starts.add(moment)
    starts.update(extra)
    kept = sorted(s for s in starts if s.replace(tzinfo=None) not in excluded)
    return [Occurrence(s, _end(s, duration, tz)) for s in kept]


def _end(start: datetime, duration: timedelta, tz: ZoneInfo) -> datetime:
    """Elapsed time: a 3-hour session across a DST change still lasts 3 hours."""
    return (start.astimezone(ZoneInfo("UTC")) + duration).astimezone(tz)


_DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def describe(occurrences: Sequence[Occurrence], skipped: int = 0) -> str:
    """Plain language: 'Mon, Wed, Fri 9:00–12:00 · 12 weeks · 36 sessions'."""
    if not occurrences:
        return "no sessions"
    first, last = occurrences[0], occurrences[-1]
    days = sorted({o.starts_at.weekday() for o in occurrences})
    day_text = ", ".join(_DAY_NAMES[d] for d in days) if len(days) < 7 else "Daily"
    hours = f"{first.starts_at:%-H:%M}–{first.ends_at:%-H:%M}"
    weeks = (last.starts_at.date() - first.starts_at.date()).days // 7 + 1
    parts = [
        f"{day_text} {hours}",
        f"{weeks} week{'s' * (weeks != 1)}",
        f"{len(occurrences)} session{'s' * (len(occurrences) != 1)}",
    ]
    if skipped:
        parts.append(f"{skipped} holiday{'s' * (skipped != 1)} skipped")
    return " · ".join(parts)


def truncate_rule(rule_text: str, before: datetime) -> str:
    """The same rule ending just before ``before``: COUNT/UNTIL replaced by an UTC UNTIL."""
    parts = {k: v for k, v in _rule_parts(rule_text).items() if k not in ("COUNT", "UNTIL")}
    last = before.astimezone(ZoneInfo("UTC")) - timedelta(seconds=1)
    parts["UNTIL"] = last.strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{k}={v}" for k, v in parts.items())


NO_MINUTES = frozenset({"absent", "excused", "cancelled"})
PARTIAL = frozenset({"late", "left_early"})


def attended_minutes(status: str, minutes: int | None, length: int) -> int | None:
    """The minutes to store for ``status`` in a session of ``length`` minutes. Billing
    counts them, so they must agree with the status: none for a member who did not come,
    fewer than the session (and some) for one who came late or left early, the whole
    session by default and never more for one who was present."""
    if status in NO_MINUTES:
        if minutes is not None:
            raise RuleError("minutes", f"a member marked {status} has no minutes attended")
        return None
    if status in PARTIAL:
        if minutes is None:
            raise RuleError("minutes", f"required when {status}: how long the member attended")
        if not 0 < minutes < length:
            raise RuleError(
                "minutes", f"{status}: more than 0 and fewer than the session's {length} minutes"
            )
        return minutes
    if minutes is None:
        return length
    if not 0 < minutes <= length:
        raise RuleError("minutes", f"present: more than 0, at most the session's {length} minutes")
    return minutes


def length_minutes(starts_at: datetime, ends_at: datetime) -> int:
    return int((ends_at - starts_at).total_seconds() // 60)
