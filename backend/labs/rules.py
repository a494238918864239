"""Pure rules of lab results: flags from reference and critical bounds, drug-screen flags,
known units (``UNITS``, shared with the UI), what makes a result storable, and the order
lifecycle.

Bounds are inclusive: each one is the last value still inside its range, so a value equal
to ``ref_high`` is normal and a value equal to ``critical_high`` is high but not critical.
Any bound may be missing; a result with no bounds at all is normal. Critical wins over
abnormal."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from shared.schemas.labs import (
    MICRO,
    UNITS,
    Confirmation,
    LabFlag,
    LabResultCreate,
    OrderStatus,
    Qualitative,
)


def _unit_key(unit: str) -> str:
    return unit.strip().replace("\u03bc", "u").replace(MICRO, "u").lower()


_BY_KEY = {_unit_key(u): u for u in UNITS}
assert len(_BY_KEY) == len(UNITS), "two known units differ only by case or micro sign"

# The laboratory's own abnormal flag (HL7 v2 OBX-8, table 0078) that our flags can honour.
_REPORTED = {
    "L": LabFlag.LOW,
    "H": LabFlag.HIGH,
    "LL": LabFlag.CRITICAL_LOW,
    "HH": LabFlag.CRITICAL_HIGH,
}
_SEVERITY = {
    LabFlag.NORMAL: 0,
    LabFlag.LOW: 1,
    LabFlag.HIGH: 1,
    LabFlag.POSITIVE: 1,
    LabFlag.CRITICAL_LOW: 2,
    LabFlag.CRITICAL_HIGH: 2,
}
CRITICAL = frozenset({LabFlag.CRITICAL_LOW, LabFlag.CRITICAL_HIGH})
# Laboratory clocks drift; a result stamped a few minutes ahead is still accepted.
CLOCK_SKEW = timedelta(minutes=5)


def canonical_unit(unit: str) -> str | None:
    """The known unit ``unit`` spells (ignoring case; "ug/mL" is µg/mL), or None."""
    return _BY_KEY.get(_unit_key(unit))


def flag(
    value: float,
    ref_low: float | None = None,
    ref_high: float | None = None,
    critical_low: float | None = None,
    critical_high: float | None = None,
) -> LabFlag:
    if critical_low is not None and value < critical_low:
        return LabFlag.CRITICAL_LOW
    if critical_high is not None and value > critical_high:
        return LabFlag.CRITICAL_HIGH
    if ref_low is not None and value < ref_low:
        return LabFlag.LOW
    if ref_high is not None and value > ref_high:
        return LabFlag.HIGH
    return LabFlag.NORMAL


def uds_flag(
    qualitative: str | None,
    value: float | None = None,
    cutoff: float | None = None,
    confirmation: str | None = None,
) -> tuple[LabFlag, Confirmation | None]:
    """A screen's flag and confirmation state. Without a qualitative answer, a value at or
    above the cutoff screens positive. A positive screen is abnormal (``positive``) and its
    confirmation is ``pending`` until the laboratory says otherwise."""
    if qualitative is None and value is not None and cutoff is not None:
        qualitative = Qualitative.POSITIVE if value >= cutoff else Qualitative.NEGATIVE
    given = Confirmation(confirmation) if confirmation else None
    if qualitative == Qualitative.POSITIVE:
        return LabFlag.POSITIVE, given or Confirmation.PENDING
    return LabFlag.NORMAL, given


def is_screen(result: LabResultCreate) -> bool:
    return result.qualitative is not None or (
        result.cutoff is not None and result.value is not None
    )


def result_flag(result: LabResultCreate) -> tuple[LabFlag, Confirmation | None]:
    """The flag of a normalized, valid result: drug screens by ``uds_flag``, numbers by
    ``flag``, text-only results are normal."""
    if is_screen(result):
        return uds_flag(result.qualitative, result.value, result.cutoff, result.confirmation)
    if result.value is None:
        return LabFlag.NORMAL, None
    bounds = (result.ref_low, result.ref_high, result.critical_low, result.critical_high)
    return flag(result.value, *bounds), None


def with_reported(computed: LabFlag, reported: str) -> LabFlag:
    """The more severe of our flag and the laboratory's own (HL7 OBX-8), so a critical
    value the lab called is never downgraded for want of critical bounds."""
    theirs = _REPORTED.get(reported.strip().upper())
    if theirs is None or _SEVERITY[theirs] <= _SEVERITY[computed]:
        return computed
    return theirs


def _word(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(text.lower().split()) or None


def normalized(result: LabResultCreate) -> LabResultCreate:
    """Known spellings made canonical (unit, lower-case screen words); unknown values are
    kept as sent, for ``result_errors`` to name."""
    return result.model_copy(
        update={
            "analyte": result.analyte.strip(),
            "value_text": result.value_text.strip(),
            "unit": canonical_unit(result.unit) or result.unit,
            "qualitative": _word(result.qualitative),
            "confirmation": _word(result.confirmation),
        }
    )


NUMBERS = ("value", "ref_low", "ref_high", "critical_low", "critical_high", "cutoff")


def _bound_errors(result: LabResultCreate) -> list[tuple[str, str]]:
    low, high = result.ref_low, result.ref_high
    crit_low, crit_high = result.critical_low, result.critical_high
    errors = []
    if low is not None and high is not None and low > high:
        errors.append(("ref_low", "must not be above ref_high"))
    low_edge = low if low is not None else high
    high_edge = high if high is not None else low
    if crit_low is not None and low_edge is not None and crit_low > low_edge:
        errors.append(("critical_low", "must be at or below the reference range"))
    if crit_high is not None and high_edge is not None and crit_high < high_edge:
        errors.append(("critical_high", "must be at or above the reference range"))
    if crit_low is not None and crit_high is not None and crit_low > crit_high:
        errors.append(("critical_low", "must not be above critical_high"))
    return errors


def result_errors(result: LabResultCreate, now: datetime) -> list[tuple[str, str]]:
    """Why a normalized result cannot be stored, as (field, message) pairs."""
    errors = []
    if result.unit not in UNITS:
        known = ", ".join(sorted(u for u in UNITS if u))
        errors.append(("unit", f"unknown unit “{result.unit}”; use one of {known}"))
    numbers = {name: getattr(result, name) for name in NUMBERS}
    infinite = [name for name, v in numbers.items() if v is not None and not math.isfinite(v)]
    errors += [(name, "must be a finite number") for name in infinite]
    if infinite:
        return errors
    if not result.analyte:
        errors.append(("analyte", "required"))
    if result.value is None and not result.value_text and result.qualitative is None:
        errors.append(("value", "give a value, a value_text or a qualitative result"))
    if result.qualitative is not None and result.qualitative not in set(Qualitative):
        errors.append(("qualitative", "positive or negative"))
    if result.confirmation is not None:
        if result.confirmation not in set(Confirmation):
            errors.append(("confirmation", "pending, confirmed or not confirmed"))
        elif not is_screen(result):
            errors.append(("confirmation", "only for a screen (qualitative or cutoff)"))
    errors += _bound_errors(result)
    if result.resulted_at is not None:
        if result.resulted_at.tzinfo is None:
            errors.append(("resulted_at", "needs its UTC offset"))
        elif result.resulted_at > now + CLOCK_SKEW:
            errors.append(("resulted_at", "is in the future"))
    return errors


def alert_message(result: LabResultCreate, raised: LabFlag) -> str:
    """What the care team reads: the analyte, the value and why it is critical."""
    shown = f"{result.value:g}" if result.value is not None else result.value_text
    value = f"{shown} {result.unit}".strip()
    bound = result.critical_low if raised == LabFlag.CRITICAL_LOW else result.critical_high
    why = f"{raised}, limit {bound:g}" if bound is not None else str(raised)
    return f"Critical lab result: {result.analyte} {value} ({why}). Review today."[:500]


_MOVES = {
    "collect": (frozenset({OrderStatus.ORDERED}), OrderStatus.COLLECTED),
    "cancel": (frozenset({OrderStatus.ORDERED, OrderStatus.COLLECTED}), OrderStatus.CANCELLED),
    "result": (
        frozenset({OrderStatus.ORDERED, OrderStatus.COLLECTED, OrderStatus.RESULTED}),
        OrderStatus.RESULTED,
    ),
}


def next_status(status: str, action: str) -> OrderStatus | None:
    """Where ``action`` (collect, cancel, result) takes an order, or None if it cannot:
    a cancelled order takes nothing; a resulted order takes more results but no cancel."""
    allowed, target = _MOVES[action]
    return target if status in allowed else None
