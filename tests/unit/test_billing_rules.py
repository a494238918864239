"""Billing rules at every published boundary."""

import pytest

from backend.billing import rules

pytestmark = pytest.mark.billing


@pytest.mark.parametrize(
    ("minutes", "code"),
    [
        (0, None),
        (15, None),
        (16, "90832"),
        (37, "90832"),
        (38, "90834"),
        (52, "90834"),
        (53, "90837"),
        (90, "90837"),
    ],
)
def test_psychotherapy_code_by_minutes(minutes: int, code: str | None) -> None:
    outcome = rules.psychotherapy_code(minutes)
    assert outcome.code == code
    assert outcome.units == (1 if code else 0)
    assert outcome.reason


@pytest.mark.parametrize(
    ("minutes", "units"), [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (60, 4)]
)
def test_fifteen_minute_units_follow_the_midpoint_rule(minutes: int, units: int) -> None:
    assert rules.timed_units(minutes) == units


IOP = rules.Rule("per_diem", min_minutes=180)


def test_an_iop_day_of_three_sessions_reaching_three_hours_is_one_charge() -> None:
    outcome = rules.per_diem("H0015", IOP, [60, 60, 60])
    assert (outcome.code, outcome.units) == ("H0015", 1)


def test_an_iop_day_below_the_minimum_bills_nothing_and_says_why() -> None:
    outcome = rules.per_diem("H0015", IOP, [60, 60, 55])
    assert (outcome.code, outcome.units) == (None, 0)
    assert "2 h 55 min" in outcome.reason and "180 min" in outcome.reason


def test_sessions_bill_only_when_attended_and_long_enough() -> None:
    group = rules.Rule("session", min_minutes=45)
    assert rules.session_charge("90853", group, False, None).code is None
    assert rules.session_charge("90853", group, True, 60).units == 1
    late = rules.session_charge("90853", group, True, 40)
    assert late.code is None and "45 min" in late.reason
    assert rules.session_charge("90853", group, True, None).units == 1  # minutes not recorded


def test_timed_codes_need_minutes_and_respect_a_cap() -> None:
    tbs = rules.Rule("timed", unit_minutes=15, max_units=4)
    assert rules.session_charge("H2019", tbs, True, None).code is None
    assert rules.session_charge("H2019", tbs, True, 120).units == 4
    assert rules.session_charge("H2019", tbs, True, 7).code is None
