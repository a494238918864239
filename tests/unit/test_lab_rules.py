"""Lab flags at every boundary (only a low bound, only a high bound, both, none, critical on
either side, equality at each bound), drug-screen flags, units, what a storable result
needs, and the order lifecycle."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.labs import rules
from backend.labs.importer import hl7_time, parse_range
from shared.schemas.labs import Confirmation, LabFlag, LabResultCreate, OrderStatus

pytestmark = pytest.mark.medications

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LITHIUM = {"ref_low": 0.6, "ref_high": 1.2, "critical_low": 0.3, "critical_high": 1.5}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, LabFlag.CRITICAL_LOW),
        (0.29, LabFlag.CRITICAL_LOW),
        (0.3, LabFlag.LOW),  # equal to critical_low: low, not critical
        (0.59, LabFlag.LOW),
        (0.6, LabFlag.NORMAL),  # equal to ref_low
        (0.9, LabFlag.NORMAL),
        (1.2, LabFlag.NORMAL),  # equal to ref_high
        (1.21, LabFlag.HIGH),
        (1.5, LabFlag.HIGH),  # equal to critical_high: high, not critical
        (1.51, LabFlag.CRITICAL_HIGH),
        (4.0, LabFlag.CRITICAL_HIGH),
    ],
)
def test_all_four_bounds(value: float, expected: LabFlag) -> None:
    assert rules.flag(value, **LITHIUM) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(39.9, LabFlag.LOW), (40.0, LabFlag.NORMAL), (1e6, LabFlag.NORMAL)],
)
def test_only_a_low_bound(value: float, expected: LabFlag) -> None:
    assert rules.flag(value, ref_low=40.0) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-5.0, LabFlag.NORMAL), (200.0, LabFlag.NORMAL), (200.1, LabFlag.HIGH)],
)
def test_only_a_high_bound(value: float, expected: LabFlag) -> None:
    assert rules.flag(value, ref_high=200.0) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3.49, LabFlag.LOW), (3.5, LabFlag.NORMAL), (5.0, LabFlag.NORMAL), (5.01, LabFlag.HIGH)],
)
def test_both_reference_bounds_without_critical(value: float, expected: LabFlag) -> None:
    assert rules.flag(value, ref_low=3.5, ref_high=5.0) == expected


@pytest.mark.parametrize("value", [-1e9, 0.0, 1e9])
def test_no_bounds_is_normal(value: float) -> None:
    assert rules.flag(value) == LabFlag.NORMAL


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.4, LabFlag.CRITICAL_LOW), (2.5, LabFlag.NORMAL), (6.5, LabFlag.NORMAL)],
)
def test_critical_low_alone(value: float, expected: LabFlag) -> None:
    assert rules.flag(value, critical_low=2.5) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(6.5, LabFlag.NORMAL), (6.51, LabFlag.CRITICAL_HIGH)],
)
def test_critical_high_alone(value: float, expected: LabFlag) -> None:
    assert rules.flag(value, critical_high=6.5) == expected


def test_critical_wins_over_abnormal_on_a_one_sided_range() -> None:
    assert rules.flag(2.0, ref_high=1.2, critical_high=1.5) == LabFlag.CRITICAL_HIGH
    assert rules.flag(1.3, ref_high=1.2, critical_high=1.5) == LabFlag.HIGH
    assert rules.flag(0.1, ref_low=0.6, critical_low=0.3) == LabFlag.CRITICAL_LOW


def test_critical_bound_equal_to_the_reference_bound() -> None:
    assert rules.flag(1.2, ref_high=1.2, critical_high=1.2) == LabFlag.NORMAL
    assert rules.flag(1.21, ref_high=1.2, critical_high=1.2) == LabFlag.CRITICAL_HIGH


def test_positive_screen_is_abnormal_and_pending_confirmation() -> None:
    assert rules.uds_flag("positive") == (LabFlag.POSITIVE, Confirmation.PENDING)
    assert rules.uds_flag("positive", confirmation="confirmed") == (
        LabFlag.POSITIVE,
        Confirmation.CONFIRMED,
    )
    assert rules.uds_flag("negative") == (LabFlag.NORMAL, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(299.0, LabFlag.NORMAL), (300.0, LabFlag.POSITIVE), (1200.0, LabFlag.POSITIVE)],
)
def test_screen_value_against_its_cutoff(value: float, expected: LabFlag) -> None:
    assert rules.uds_flag(None, value=value, cutoff=300.0)[0] == expected


def test_qualitative_answer_wins_over_value_and_cutoff() -> None:
    assert rules.uds_flag("negative", value=400.0, cutoff=300.0)[0] == LabFlag.NORMAL


def _result(**fields: object) -> LabResultCreate:
    return rules.normalized(LabResultCreate.model_validate({"analyte": "Lithium"} | fields))


def test_result_flag_picks_the_right_rule() -> None:
    assert rules.result_flag(_result(value=1.6, unit="mmol/L", **LITHIUM)) == (
        LabFlag.CRITICAL_HIGH,
        None,
    )
    screen = _result(qualitative="Positive", unit="")
    assert rules.result_flag(screen) == (LabFlag.POSITIVE, Confirmation.PENDING)
    assert rules.result_flag(_result(value_text="see comment")) == (LabFlag.NORMAL, None)


@pytest.mark.parametrize(
    ("computed", "reported", "expected"),
    [
        (LabFlag.HIGH, "HH", LabFlag.CRITICAL_HIGH),
        (LabFlag.NORMAL, "LL", LabFlag.CRITICAL_LOW),
        (LabFlag.NORMAL, "h", LabFlag.HIGH),
        (LabFlag.CRITICAL_HIGH, "H", LabFlag.CRITICAL_HIGH),
        (LabFlag.HIGH, "N", LabFlag.HIGH),
        (LabFlag.NORMAL, "", LabFlag.NORMAL),
    ],
)
def test_laboratory_flag_only_raises_severity(
    computed: LabFlag, reported: str, expected: LabFlag
) -> None:
    assert rules.with_reported(computed, reported) == expected


@pytest.mark.parametrize(
    ("spelled", "canonical"),
    [
        ("mg/dL", "mg/dL"),
        ("mg/dl", "mg/dL"),
        ("ug/mL", "\u00b5g/mL"),
        ("\u03bcg/mL", "\u00b5g/mL"),
        ("uIU/mL", "\u00b5IU/mL"),
        ("x10^3/uL", "x10^3/\u00b5L"),
        (" mmol/L ", "mmol/L"),
        ("", ""),
        ("mg/dL2", None),
        ("furlongs", None),
    ],
)
def test_units(spelled: str, canonical: str | None) -> None:
    assert rules.canonical_unit(spelled) == canonical


def test_every_unit_the_issue_names_is_known() -> None:
    named = "mg/dL mmol/L mEq/L ng/mL ug/mL pg/mL g/dL % U/L IU/L mIU/L uIU/mL x10^3/uL"
    named += " x10^6/uL fL mg/L mL/min/1.73m2 seconds ratio"
    assert all(rules.canonical_unit(u) in rules.UNITS for u in named.split())


def _errors(**fields: object) -> list[tuple[str, str]]:
    return rules.result_errors(_result(**fields), NOW)


def test_a_complete_result_has_no_errors() -> None:
    assert _errors(value=0.9, unit="mmol/L", **LITHIUM) == []
    assert _errors(value=0.9, unit="mmol/L", ref_high=1.2) == []
    assert _errors(qualitative="negative", cutoff=50.0, unit="ng/mL") == []


def test_unknown_unit_is_named() -> None:
    assert [f for f, _ in _errors(value=1.0, unit="mg/dL2")] == ["unit"]


@pytest.mark.parametrize(
    ("bounds", "fields"),
    [
        ({"ref_low": 2.0, "ref_high": 1.0}, ["ref_low"]),
        ({"ref_low": 0.6, "ref_high": 1.2, "critical_low": 0.7}, ["critical_low"]),
        ({"ref_low": 0.6, "ref_high": 1.2, "critical_high": 1.0}, ["critical_high"]),
        ({"ref_high": 1.2, "critical_low": 1.3}, ["critical_low"]),
        ({"ref_low": 0.6, "critical_high": 0.5}, ["critical_high"]),
        ({"critical_low": 2.0, "critical_high": 1.0}, ["critical_low"]),
        ({"ref_low": 0.6, "ref_high": 1.2, "critical_low": 0.6, "critical_high": 1.2}, []),
    ],
)
def test_bounds_must_nest(bounds: dict[str, float], fields: list[str]) -> None:
    assert [f for f, _ in _errors(value=1.0, unit="mmol/L", **bounds)] == fields


@pytest.mark.parametrize("number", ["value", "ref_low", "ref_high", "cutoff", "critical_high"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused(number: str, bad: float) -> None:
    assert (number, "must be a finite number") in _errors(
        unit="mg/L", **{"value": 1.0, number: bad}
    )


def test_a_result_needs_something_to_report() -> None:
    assert [f for f, _ in _errors(unit="mg/L")] == ["value"]


def test_screen_words_and_confirmation() -> None:
    assert [f for f, _ in _errors(qualitative="maybe")] == ["qualitative"]
    assert [f for f, _ in _errors(qualitative="positive", confirmation="soon")] == ["confirmation"]
    assert [f for f, _ in _errors(value=1.0, confirmation="confirmed")] == ["confirmation"]


def test_result_time_needs_an_offset_and_not_the_future() -> None:
    naive = datetime(2025, 3, 1, 9, 0)
    assert [f for f, _ in _errors(value=1.0, resulted_at=naive)] == ["resulted_at"]
    ahead = NOW + rules.CLOCK_SKEW + timedelta(seconds=1)
    assert [f for f, _ in _errors(value=1.0, resulted_at=ahead)] == ["resulted_at"]
    assert _errors(value=1.0, resulted_at=NOW + rules.CLOCK_SKEW) == []


def test_alert_message_names_analyte_value_and_limit() -> None:
    message = rules.alert_message(
        _result(value=2.1, unit="mmol/L", **LITHIUM), LabFlag.CRITICAL_HIGH
    )
    assert (
        message
        == "Critical lab result: Lithium 2.1 mmol/L (critical high, limit 1.5). Review today."
    )


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("ordered", "collect", OrderStatus.COLLECTED),
        ("collected", "collect", None),
        ("ordered", "cancel", OrderStatus.CANCELLED),
        ("collected", "cancel", OrderStatus.CANCELLED),
        ("resulted", "cancel", None),
        ("cancelled", "cancel", None),
        ("ordered", "result", OrderStatus.RESULTED),
        ("resulted", "result", OrderStatus.RESULTED),
        ("cancelled", "result", None),
        ("cancelled", "collect", None),
    ],
)
def test_order_lifecycle(status: str, action: str, expected: OrderStatus | None) -> None:
    assert rules.next_status(status, action) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.6-1.2", (0.6, 1.2)),
        ("3.5 - 5", (3.5, 5.0)),
        ("<5", (None, 5.0)),
        ("<=5", (None, 5.0)),
        (">10", (10.0, None)),
        ("Negative", (None, None)),
        ("", (None, None)),
    ],
)
def test_hl7_reference_ranges(text: str, expected: tuple[float | None, float | None]) -> None:
    assert parse_range(text) == expected


CLINIC = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20250301110000-0500", datetime(2025, 3, 1, 16, 0, tzinfo=UTC)),
        ("20250301110000.1234+0100", datetime(2025, 3, 1, 10, 0, tzinfo=UTC)),
        ("202507011100", datetime(2025, 7, 1, 11, 0, tzinfo=CLINIC)),
        ("20250301", datetime(2025, 3, 1, tzinfo=CLINIC)),
        ("20251301", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_hl7_times(text: str, expected: datetime | None) -> None:
    assert hl7_time(text, CLINIC) == expected
