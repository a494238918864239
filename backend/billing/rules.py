"""Pure billing rules: how minutes become a code and units, and when a per-diem day is
billable. The catalogue itself (codes, descriptions, rule parameters, modifiers) is data in
the database, editable by admins; these functions interpret a code's rule.

Time rules encoded (AMA CPT time rule: a unit of time is attained when the midpoint is
passed):
- 90832 16–37 min, 90834 38–52 min, 90837 53+ min of psychotherapy; under 16 → not billable.
- 90846 / 90847 family psychotherapy (50 min): 26 min or more.
- "per 15 minutes" HCPCS codes (e.g. H2019): 8 minutes or more make a unit; each further 15
  minutes (past the midpoint) another (8–22 → 1, 23–37 → 2, …).
- Per-diem codes (H0015, S9480): one unit per day when the day's attended minutes across
  sessions reach the code's minimum (180 min: a 3-hour IOP day).
- Per-session codes (90853, H0005, 90791): one unit when attended (late arrival or early
  leave still bills unless attended minutes fall below the code's minimum, if it sets one).
"""

from __future__ import annotations

from dataclasses import dataclass

PSYCHOTHERAPY = (("90837", 53), ("90834", 38), ("90832", 16))


@dataclass(frozen=True)
class Rule:
    """A code's billing rule (stored as data on the service code).

    kind: "session" (one unit per attended session), "timed" (units of ``unit_minutes``
    with the midpoint rule), "psychotherapy" (90832/34/37 chosen by minutes), "per_diem"
    (one unit per day at ``min_minutes``); ``min_minutes`` is the least attendance billed.
    """

    kind: str
    min_minutes: int = 0
    unit_minutes: int = 15
    max_units: int | None = None


@dataclass(frozen=True)
class Outcome:
    code: str | None
    units: int
    reason: str


def psychotherapy_code(
    minutes: int, ladder: tuple[tuple[str, int], ...] = PSYCHOTHERAPY
) -> Outcome:
    """The individual psychotherapy code for a session of ``minutes`` face-to-face;
    ``ladder`` is the catalogue's (code, minimum minutes), longest first."""
    for code, threshold in sorted(ladder, key=lambda step: -step[1]):
        if minutes >= threshold:
            return Outcome(code, 1, f"{minutes} min ≥ {threshold} min")
    shortest = min(ladder, key=lambda step: step[1])
    return Outcome(
        None, 0, f"{minutes} min is under the {shortest[1]}-minute minimum for {shortest[0]}"
    )


def timed_units(minutes: int, unit_minutes: int = 15) -> int:
    """Units by the midpoint rule: more than half a unit makes the first unit."""
    if minutes <= 0:
        return 0
    half = unit_minutes // 2 + 1  # 8 of 15
    if minutes < half:
        return 0
    return 1 + max(0, (minutes - half) // unit_minutes)


def session_charge(
    code: str,
    rule: Rule,
    attended: bool,
    minutes: int | None,
    ladder: tuple[tuple[str, int], ...] = PSYCHOTHERAPY,
) -> Outcome:
    """What one attended (or missed) session bills under ``rule``."""
    if not attended:
        return Outcome(None, 0, "not attended")
    if rule.kind == "psychotherapy":
        return psychotherapy_code(minutes or 0, ladder)
    if minutes is not None and minutes < rule.min_minutes:
        return Outcome(None, 0, f"{minutes} min attended; {code} needs {rule.min_minutes} min")
    if rule.kind == "timed":
        if minutes is None:
            return Outcome(None, 0, f"{code} is timed: record the minutes attended")
        units = timed_units(minutes, rule.unit_minutes)
        if rule.max_units is not None:
            units = min(units, rule.max_units)
        if not units:
            return Outcome(None, 0, f"{minutes} min is under half a {rule.unit_minutes}-min unit")
        return Outcome(code, units, f"{minutes} min → {units} unit(s)")
    if rule.kind == "session":
        return Outcome(code, 1, "attended")
    return Outcome(None, 0, f"{code} is billed per day, not per session")


def per_diem(code: str, rule: Rule, minutes_by_session: list[int]) -> Outcome:
    """One unit for the day when the attended minutes of the day's sessions reach the
    minimum; otherwise none, saying why."""
    total = sum(minutes_by_session)
    hours = f"{total // 60} h {total % 60:02d} min"
    if total >= rule.min_minutes:
        return Outcome(
            code, 1, f"{hours} across {len(minutes_by_session)} session(s) ≥ {rule.min_minutes} min"
        )
    return Outcome(
        None,
        0,
        f"{hours} attended across {len(minutes_by_session)} session(s); "
        f"{code} needs at least {rule.min_minutes} min a day",
    )
